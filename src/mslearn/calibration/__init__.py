"""Calibration of phenomenological models against stress histories.

Automatic-differentiation calibration with Adam and the bound penalty (seed 003
Sec. 2.3.2, Eq. 17-18), a Levenberg-Marquardt refinement stage, identifiability
and loss-smoothness diagnostics, synthetic datasets with known truth, and the
``mslearn calibrate`` config.
"""

"""mslearn: learning-based multiscale modelling of granular materials."""

__version__ = "0.1.0"

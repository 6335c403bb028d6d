"""Learnt surrogates of the RVE: features, committees of MLPs, training, SurrogateMaterial."""

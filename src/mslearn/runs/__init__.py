"""Workflows that tie problems, materials, solvers, outputs and reports together."""

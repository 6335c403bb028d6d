"""Plots and run reports (matplotlib, Agg backend)."""

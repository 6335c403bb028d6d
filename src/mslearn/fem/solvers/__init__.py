"""fem/solvers."""

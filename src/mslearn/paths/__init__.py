"""Loading-path generators (seed 000 Eq. 16-17; seed 001 unloading-reloading; seed 004 random walks)."""

from mslearn.paths.gaussian_process import GaussianProcessPaths, gaussian_process_paths

__all__ = ["GaussianProcessPaths", "gaussian_process_paths"]

"""Loading-path generators (seed 000 Eq. 16-17 Gaussian-process confining paths)."""

from mslearn.paths.gaussian_process import GaussianProcessPaths, gaussian_process_paths

__all__ = ["GaussianProcessPaths", "gaussian_process_paths"]

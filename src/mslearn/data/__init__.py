"""Datasets: schema, Zarr store, the recorder on the material seam, splits."""

from mslearn.data.recorder import RecordingMaterial
from mslearn.data.store import PointDatasetWriter, open_dataset

__all__ = ["PointDatasetWriter", "RecordingMaterial", "open_dataset"]

"""Executors for batched materials: serial, local processes, Dask distributed.

A :class:`ShardedMaterial` splits the Gauss points into contiguous shards,
each a material living in a worker (stateful: RVEs stay resident between
Newton iterations); only strains go out and stress, D and extras come back.
"""

from mslearn.parallel.shards import ShardedMaterial, ShardSpec, shard_ranges

__all__ = ["ShardSpec", "ShardedMaterial", "shard_ranges"]

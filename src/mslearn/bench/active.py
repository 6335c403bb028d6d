"""Cost of one active-learning query round against one DEM label.

A query round = Model B committee inference over every unlabelled path of
the pool; a label = one DEM element test along one path (500-disk RVE,
batched ``batch`` paths per DEM call, as the labeller runs them).
"""

from __future__ import annotations

import time

import numpy as np


def run_benchmark(
    particles: int = 500, label_paths: int = 10, repeats: int = 3, train_paths: int = 40
) -> dict:
    """Seconds per DEM label (one path) and per query round of each committee kind
    (members' predictions over the whole pool), and their ratio."""
    import torch

    from mslearn.learn.active.labelling import DEMLabeller, DEMLabellerOptions
    from mslearn.learn.surrogates.sequence import GRUCommittee, HistoryMLPCommittee
    from mslearn.paths.unload_reload import unload_reload_pool

    torch.set_num_threads(1)
    pool = unload_reload_pool()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(pool), label_paths, replace=False)
    lab = DEMLabeller(DEMLabellerOptions(particles=particles, batch=label_paths))
    t0 = time.perf_counter()
    labels, _ = lab.label([pool.path(i) for i in pick])
    label_s = (time.perf_counter() - t0) / label_paths
    eps, mask = pool.padded()
    x = eps[..., None]
    y = np.stack(
        [np.interp(np.arange(eps.shape[1]), np.arange(len(v)), v)
         for v in (lab["axial_stress"] / 2e5 for lab in labels)]
    )[..., None]  # fmt: skip
    out = {"pool_paths": len(pool), "particles": particles, "dem_label_s_per_path": label_s}
    for name, cls in (("mlp", HistoryMLPCommittee), ("gru", GRUCommittee)):
        c = cls(1, 1, 40, 2 if name == "mlp" else 1, 3, seed=0)
        c.fit(x[:train_paths][: len(y)], y, iterations=5)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            c.member_predictions(x)
            times.append(time.perf_counter() - t0)
        out[f"{name}_query_round_s"] = min(times)
        out[f"{name}_query_round_over_label"] = min(times) / label_s
    return out

"""Named bounds of the count, size and seed fields of every config.

Generous but finite: a config may ask for a big run, not for one that exhausts
memory before it starts or overflows a random generator. ``Seed`` is the field
type of every random seed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

#: seeds are 0 <= seed < SEED_LIMIT (the range numpy's generators accept everywhere)
SEED_LIMIT = 2**32
#: load steps of one FEM run (also checkpoint intervals)
MAX_LOAD_STEPS = 1_000_000
#: Newton iterations per load step
MAX_NEWTON_ITERATIONS = 10_000
#: halvings of one load step (2**-50 of a step is far below round-off)
MAX_STEP_CUTS = 50
#: elements along one side of a structured mesh (4 million elements in all)
MAX_MESH_DIVISIONS = 2_000
#: points of a tabulated load history
MAX_HISTORY_POINTS = 1_000_000
#: disks of one DEM RVE
MAX_PARTICLES = 100_000
#: independent packings of a DEM material or labeller
MAX_PACKINGS = 1_000
#: largest particle radius [m] (boulders; beyond this a length is a unit mistake)
MAX_RADIUS = 10.0
#: training epochs, Adam iterations, calibration epochs
MAX_EPOCHS = 10_000_000
#: learning rates (Adam's step size; beyond this training only overflows)
MAX_LEARNING_RATE = 10.0
#: samples (points, paths) of one training batch
MAX_BATCH = 10_000_000
#: networks of one committee
MAX_MEMBERS = 100
#: hidden layers of one network
MAX_LAYERS = 64
#: units of one hidden layer
MAX_WIDTH = 10_000
#: worker processes, threads
MAX_WORKERS = 1_024
#: point batches of a parallel material
MAX_SHARDS = 100_000
#: Gaussian-process load paths of one campaign mesh
MAX_PATHS = 100_000
#: labels of one active-learning run (budget, batch, initial labels)
MAX_LABELS = 1_000_000
#: repetitions (seeds) of one active-learning case
MAX_REPEATS = 1_000
#: grid intervals of the active-learning pool along eps_max (about 2 million paths)
MAX_POOL_GRID = 2_000
#: interpolated points along one active-learning path
MAX_PATH_POINTS = 100_000
#: retries of a failed label, deformed-mesh snapshots and the like
MAX_SMALL_COUNT = 1_000

#: a random seed: 0 <= seed < 2**32
Seed = Annotated[int, Field(ge=0, lt=SEED_LIMIT)]

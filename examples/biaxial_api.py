"""The Python API behind `mslearn run`: any MaterialModel drives the same FEM.

python examples/biaxial_api.py [--smoke]
"""

import sys

import numpy as np

from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager
from mslearn.problems import BiaxialConfig

smoke = "--smoke" in sys.argv
problem = BiaxialConfig(nx=2 if smoke else 8, ny=4 if smoke else 16, element="Q8").build()
material = DruckerPrager.mohr_coulomb_plane_strain(
    young=60e6,
    poisson=0.3,
    cohesion=2e3,
    friction_angle=np.radians(30),
    dilatancy_angle=np.radians(5),
    n_points=problem.n_points,
    initial_pressure=problem.initial_pressure,
)
solver = StaticSolver(
    problem.disc, material, problem.bcs, NewtonOptions(n_steps=10 if smoke else 50)
)
result = solver.run()
top = [-h["top_Fy"] / 1e3 for h in result.history]
print(f"{problem.description}: {result.total_iterations} Newton iterations")
print(f"top force at 0 / end: {top[0]:.1f} / {top[-1]:.1f} kN/m")

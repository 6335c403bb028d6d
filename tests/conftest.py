import pytest

from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing


@pytest.fixture(scope="session")
def packing100():
    """A 100-disk packing at 100 kPa (seed 0), linear law, seed-000 parameters."""
    return prepare_packing(PackingOptions(n_particles=100, seed=0), ContactParams())

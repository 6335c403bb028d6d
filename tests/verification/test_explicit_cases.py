"""Explicit-solver verification cases (also run by `mslearn verify --only explicit`) and
their measurement functions on synthetic signals with known answers."""

import numpy as np
import pytest

from mslearn.verification import explicit as ex
from mslearn.verification.registry import run_all

pytestmark = pytest.mark.verification


@pytest.mark.parametrize("name", [n for n, _ in ex.explicit_cases(smoke=True)])
def test_smoke_case_passes(name):
    case = dict(ex.explicit_cases(smoke=True))[name]()
    assert case.name == name
    assert case.passed, case
    assert case.error <= case.tolerance


def test_wave_speeds_against_their_analytic_values():
    bar = ex.run_case("bar", smoke=True)
    assert bar.reference == pytest.approx(np.sqrt(ex.E / ex.RHO))
    p = ex.run_case("p_wave", smoke=True)
    lam, mu = ex.E * 0.3 / (1.3 * 0.4), ex.E / 2.6
    assert p.reference == pytest.approx(np.sqrt((lam + 2 * mu) / ex.RHO))
    assert abs(p.value / p.reference - 1) < 0.01 and abs(bar.value / bar.reference - 1) < 0.01
    impact = ex.run_case("impact", smoke=True)
    assert impact.reference == pytest.approx(ex.RHO * np.sqrt(ex.E / ex.RHO) * 1.0)


def test_run_all_selects_the_explicit_cases():
    names = [r["name"] for r in run_all(smoke=True, only="explicit_unstable")]
    assert names == ["explicit_unstable_step_refused", "explicit_unstable_step_diverges"]


# ----------------------------------------------------------------- measurements
def _synthetic_pulse(c: float, x: float, t: np.ndarray, t_ramp: float, amp: float):
    """u(x, t) = amp f(t - x / c) with the smooth ramp f of the wave cases."""
    s = np.clip((t - x / c) / t_ramp, 0.0, 1.0)
    return amp * 0.5 * (1 - np.cos(np.pi * s))


def test_front_speed_recovers_a_synthetic_front_and_removes_the_offset():
    c, amp, t_ramp, delay = 183.0, 1e-4, 1e-3, 3.7e-4  # delay: a start-up offset
    t = np.linspace(0.0, 8e-3, 97)  # coarse sampling: interpolation between samples
    probes = (0.3, 0.6)
    arrivals = [
        ex.crossing_time(t, _synthetic_pulse(c, x, t - delay, t_ramp, amp), 0.5 * amp)
        for x in probes
    ]
    assert arrivals[0] == pytest.approx(delay + 0.3 / c + 0.5 * t_ramp, rel=2e-2)
    assert ex.front_speed(probes, arrivals) == pytest.approx(c, rel=3e-3)
    # a front 1 % slower is measured 1 % slower: the measurement can fail the case
    slow = [
        ex.crossing_time(t, _synthetic_pulse(0.99 * c, x, t, t_ramp, amp), 0.5 * amp)
        for x in probes
    ]
    assert ex.front_speed(probes, slow) == pytest.approx(0.99 * c, rel=3e-3)


def test_crossing_time_interpolates_and_refuses_a_signal_that_never_arrives():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    assert ex.crossing_time(t, np.array([0.0, 0.0, 2.0, 2.0]), 0.5) == pytest.approx(1.25)
    assert ex.crossing_time(t, -np.array([0.0, 0.0, 2.0, 2.0]), -1.5) == pytest.approx(1.75)
    with pytest.raises(ValueError, match="never reaches"):
        ex.crossing_time(t, np.zeros(4), 0.5)


def test_plateau_mean_of_known_signals():
    t = np.linspace(0.0, 1.0, 101)
    assert ex.plateau_mean(t, 3.0 + 0 * t, 0.2, 0.7) == pytest.approx(3.0)
    assert ex.plateau_mean(t, 2 * t, 0.25, 0.75) == pytest.approx(1.0)  # mean of 2t on it
    with pytest.raises(ValueError):
        ex.plateau_mean(t, t, 0.5, 1.5)


def test_smooth_ramp_table():
    f = ex.smooth_ramp(0.25)
    assert f(0.0) == 0.0 and f(0.125) == pytest.approx(0.5) and f(0.25) == pytest.approx(1.0)
    assert f(0.9) == 1.0


def test_energy_error_of_a_known_imbalance():
    rows = [
        {"external_work": 0.0, "internal_energy": 0.0, "kinetic_energy": 0.0,
         "dissipated_energy": 0.0},
        {"external_work": 10.0, "internal_energy": 5.0, "kinetic_energy": 4.0,
         "dissipated_energy": 0.5},
        {"external_work": 10.0, "internal_energy": 6.0, "kinetic_energy": 3.9,
         "dissipated_energy": 0.0},
    ]  # fmt: skip
    final, worst = ex.energy_error(rows)
    assert final == pytest.approx(0.01) and worst == pytest.approx(0.05)
    # an initial kinetic energy counts as energy put in
    impact = [dict(r, kinetic_energy=r["kinetic_energy"] + 10.0) for r in rows]
    final, _ = ex.energy_error(impact, kinetic0=10.0)
    assert final == pytest.approx(0.01)


def test_footing_comparison_fails_a_dynamic_loading():
    """Two transit times are far from quasi-static: the curve comparison must see it."""
    fast = ex.footing_run(smoke=True, transit_times=2.0)
    slow = ex.run_case("footing", smoke=True)
    assert fast.value > 0.05 > 0.02 > slow.value

"""Theil-Sen with Sen's interval, and the leak verdict on named synthetic series."""

from __future__ import annotations

import numpy as np
import pytest

from flask_doctor.soak.analysis import MIN_FLOOR, fit_key, noise_floor, verdict
from flask_doctor.soak.stats import theil_sen


def _samples(values, start=100, step=10, pid=1, key="traced"):
    return [
        {"type": "sample", "pid": pid, "phase": "p", "n": start + i * step, key: float(v)} for i, v in enumerate(values)
    ]


def test_exact_line_has_its_slope():
    x = np.arange(50) * 10.0
    t = theil_sen([(x, 3.0 * x + 7)])
    assert t.slope == pytest.approx(3.0)
    assert t.low == pytest.approx(3.0) and t.high == pytest.approx(3.0)


def test_interval_covers_true_slope_under_noise_and_outliers():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        x = np.arange(80) * 20.0
        y = 5e6 + 2.0 * x + rng.normal(0, 2000, len(x))
        y[rng.integers(0, len(x), 5)] += 50_000  # a few gross outliers
        t = theil_sen([(x, y)])
        covered += t.low <= 2.0 <= t.high
    assert covered >= 180  # ~95% nominal coverage


def test_strata_do_not_mix_worker_baselines():
    x = np.arange(40) * 10.0
    # two workers, 1 MB apart, both flat: pooled naive pairs would invent a slope
    t = theil_sen([(x, np.full(40, 1e6)), (x + 5, np.full(40, 2e6))])
    assert t.slope == 0 and t.low == 0 and t.high == 0


def test_flat_noise_is_clean():
    rng = np.random.default_rng(1)
    fit = fit_key(_samples(5e6 + rng.normal(0, 3000, 150)), 100, "traced")
    assert verdict(fit, MIN_FLOOR["traced"], "traced") == "clean"


def test_steady_leak_is_a_leak():
    rng = np.random.default_rng(2)
    n = np.arange(150) * 10
    fit = fit_key(_samples(5e6 + 100 * n + rng.normal(0, 3000, 150)), 100, "traced")
    assert verdict(fit, MIN_FLOOR["traced"], "traced") == "leak"
    assert fit.trend.low < 100 < fit.trend.high


def test_one_step_is_not_a_leak():
    # a bounded cache that filled once in the middle of the phase
    values = [5e6] * 75 + [5e6 + 200_000] * 75
    fit = fit_key(_samples(values), 100, "traced")
    assert verdict(fit, MIN_FLOOR["traced"], "traced") == "clean"


def test_filling_bounded_cache_is_not_a_leak():
    # growth that slows down as a bounded structure fills up (Python's type cache, an LRU)
    n = np.arange(150) * 10.0
    values = 5e6 + 300_000 * (1 - np.exp(-n / 300))
    fit = fit_key(_samples(values), 100, "traced")
    assert verdict(fit, MIN_FLOOR["traced"], "traced") == "clean"


def test_noise_floor_never_below_minimum():
    floor = noise_floor(_samples([5e6] * 50), 100, "traced")
    assert floor["bytes_per_request"] == MIN_FLOOR["traced"]
    assert noise_floor([], 100, "traced")["control"] is None

"""One percentile for every surface: nearest rank, an observed value."""

from __future__ import annotations

import pytest

from flask_doctor import percentiles
from flask_doctor.percentiles import median, percentile


def test_percentile() -> None:
    assert percentile([], 95) == 0.0
    assert percentile(range(1, 101), 95) == 95
    assert percentile([5.0], 50) == 5.0


@pytest.mark.parametrize(
    ("q", "expected"), [(0, 10), (1, 10), (25, 10), (26, 20), (50, 20), (75, 30), (95, 40), (100, 40)]
)
def test_nearest_rank_picks_an_observed_value(q: float, expected: float) -> None:
    assert percentile([40, 10, 30, 20], q) == expected


def test_ten_requests_p95_is_the_slowest() -> None:
    walls = [12.0, 11.0, 13.0, 10.0, 900.0, 12.0, 11.0, 14.0, 12.0, 13.0]
    assert percentile(walls, 95) == 900.0
    assert percentile(walls, 50) == 12.0


def test_integer_percent_ranks_are_exact() -> None:
    # 0.07 * 100 is 7.000000000000001 in floating point: the rank must still be 7.
    assert percentile(range(1, 101), 7) == 7
    assert percentile(range(1, 1201), 7) == 84


def test_median_is_the_50th_percentile() -> None:
    assert median([]) == 0.0
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.0 == percentile([4.0, 1.0, 3.0, 2.0], 50)


def test_every_surface_uses_the_one_definition() -> None:
    from flask_doctor.runtime import stats as runtime_stats
    from flask_doctor.runtime.detectors import windows
    from flask_doctor.soak import analysis

    assert runtime_stats.percentile is percentiles.percentile is analysis.percentile is windows.percentile
    assert windows.median is percentiles.median

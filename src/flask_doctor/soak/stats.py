"""Robust trend statistics for soak: Theil–Sen slopes with Sen's interval.

Memory samples are not Gaussian: RSS moves in pages and arenas, traced
memory jumps when a dict resizes or a bounded cache fills.  Least squares
lets one jump tilt the line; Theil–Sen (the median of all pairwise slopes)
ignores up to ~29% outliers.  Its confidence interval comes from the
distribution of Kendall's S (Sen 1968), which needs no normality.

Samples from several gunicorn workers are *strata*: each worker has its own
baseline, so pairs are formed only inside a worker and the variances of the
per-worker S statistics add up (the seasonal-Kendall slope of Hirsch, Slack
and Smith 1982).  No scipy: the whole thing is a few lines of numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from flask_doctor.dataclass import dataclass

#: two-sided 95% normal quantile
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Trend:
    """A fitted slope (units of y per unit of x) with its confidence interval."""

    slope: float
    low: float
    high: float
    intercept: float
    points: int
    pairs: int
    x_span: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "slope": self.slope,
            "low": self.low,
            "high": self.high,
            "intercept": self.intercept,
            "points": self.points,
            "pairs": self.pairs,
            "x_span": self.x_span,
        }


EMPTY = Trend(0.0, 0.0, 0.0, 0.0, 0, 0, 0.0)


def _pair_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    return (y[j][keep] - y[i][keep]) / dx[keep]


def _kendall_var(n: int, x: np.ndarray) -> float:
    """Var(S) under H0 for one stratum, with the tie correction for x."""
    var = n * (n - 1) * (2 * n + 5) / 18.0
    _, counts = np.unique(x, return_counts=True)
    for t in counts[counts > 1]:
        var -= t * (t - 1) * (2 * t + 5) / 18.0
    return var


def theil_sen(
    strata: Iterable[tuple[Sequence[float], Sequence[float]]],
    confidence_z: float = Z95,
    max_points: int = 600,
) -> Trend:
    """Theil–Sen slope over one or more ``(x, y)`` strata, with Sen's CI.

    Each stratum (one gunicorn worker) contributes the slopes of its own
    pairs only.  A stratum longer than ``max_points`` is thinned evenly so
    the number of pairs stays bounded (600 points -> 180k pairs).
    """
    slopes: list[np.ndarray] = []
    var_s = 0.0
    points = 0
    xs_all: list[np.ndarray] = []
    ys_all: list[np.ndarray] = []
    for xs, ys in strata:
        x = np.asarray(xs, dtype=float)
        y = np.asarray(ys, dtype=float)
        if len(x) < 2:
            continue
        if len(x) > max_points:
            idx = np.linspace(0, len(x) - 1, max_points).round().astype(int)
            x, y = x[idx], y[idx]
        slopes.append(_pair_slopes(x, y))
        var_s += _kendall_var(len(x), x)
        points += len(x)
        xs_all.append(x - np.median(x))
        ys_all.append(y - np.median(y))
    if not slopes:
        return EMPTY
    s = np.sort(np.concatenate(slopes))
    n_pairs = len(s)
    if n_pairs == 0:
        return EMPTY
    slope = float(np.median(s))
    c = confidence_z * math.sqrt(max(var_s, 0.0))
    lo_rank = int(math.floor((n_pairs - c) / 2.0))  # 1-based rank of the lower bound
    hi_rank = int(math.ceil((n_pairs + c) / 2.0)) + 1
    low = float(s[min(max(lo_rank, 1), n_pairs) - 1])
    high = float(s[min(max(hi_rank, 1), n_pairs) - 1])
    # Intercept: median residual after removing the slope (per stratum centred).
    x_c = np.concatenate(xs_all)
    y_c = np.concatenate(ys_all)
    intercept = float(np.median(y_c - slope * x_c))
    span = float(max(float(np.ptp(x)) for x in xs_all))
    return Trend(slope, low, high, intercept, points, n_pairs, span)

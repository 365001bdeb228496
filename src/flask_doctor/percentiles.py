"""Percentiles: one definition for the runtime dashboard, its detectors and the soak report.

The method is **nearest rank**: the q-th percentile of n values is the
smallest observed value that at least q % of the values are less than or
equal to, i.e. the value of rank ``ceil(q / 100 * n)`` in sorted order.
Chosen over linear interpolation (numpy's default) because

* every number we print is a latency some real request had: a finding that
  says "p95 900 ms" can point at requests that took 900 ms, and an
  interpolated value between two requests describes none of them;
* on the small windows the runtime judges (an endpoint's last 200 requests,
  often far fewer) interpolation invents values between far-apart samples;
  with nearest rank the p95 of ten requests is the slowest one, a
  conservative and explainable answer;
* it needs no numpy, so the runtime can use it inside production workers.

On the thousands of requests of a soak run the two methods differ by less
than the noise.  :func:`median` is the 50th percentile by the same rule (the
lower of the two middle values for an even count), so a "median" and a
"p50" printed by different surfaces are the same number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (``q`` in 0..100) of ``values``; 0.0 for no values.

    >>> percentile(range(1, 101), 95)
    95
    >>> percentile([10.0, 20.0, 30.0, 40.0], 50)
    20.0
    """
    data = sorted(values)
    if not data:
        return 0.0
    # q * n first: exact for integer q, so p7 of 100 values is rank 7, not 8 (0.07 * 100 > 7 in floating point).
    rank = max(1, math.ceil(q * len(data) / 100.0))
    return data[min(rank, len(data)) - 1]


def median(values: Iterable[float]) -> float:
    """The 50th percentile by nearest rank (an observed value); 0.0 for no values."""
    return percentile(values, 50)


__all__ = ["median", "percentile"]

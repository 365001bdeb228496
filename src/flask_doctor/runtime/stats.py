"""Bounded statistics the aggregator keeps between traces, and the maths.

Everything here is bounded: rings of at most ``window`` values per endpoint
or fingerprint, dictionaries capped and evicted least-recently-used.
Percentiles are :mod:`flask_doctor.percentiles` (nearest rank, like every
surface).
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Sequence
from dataclasses import field
from typing import Generic, TypeVar

from flask_doctor.dataclass import dataclass
from flask_doctor.percentiles import percentile
from flask_doctor.runtime.records import Site

K = TypeVar("K")
V = TypeVar("V")


class LRU(OrderedDict, Generic[K, V]):  # type: ignore[type-arg]
    """An OrderedDict that drops its least recently used entry beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.evicted = 0

    def touch(self, key: K, factory: type[V] | None = None, *args: object) -> V:
        value = self.get(key)
        if value is None:
            if factory is None:
                raise KeyError(key)
            value = factory(*args)  # type: ignore[call-arg]
            self[key] = value
            while len(self) > self.limit:
                self.popitem(last=False)
                self.evicted += 1
        else:
            self.move_to_end(key)
        return value


@dataclass(frozen=True)
class Fit:
    """A least-squares fit ``y = intercept + sum(slopes[i] * x[i])``."""

    intercept: float
    slopes: tuple[float, ...]
    r2: float
    n: int


def least_squares(xs: Sequence[Sequence[float]], ys: Sequence[float], ridge: float = 1e-9) -> Fit | None:
    """Ordinary least squares with an intercept, by normal equations.

    ``xs[i]`` holds the regressors of sample ``i``.  Small (k <= 10), so
    Gaussian elimination with partial pivoting is plenty; a tiny ridge term
    keeps collinear regressors (two endpoints always hit together) solvable.
    Returns None when there are fewer samples than unknowns + 2.
    """
    n = len(ys)
    k = len(xs[0]) if n else 0
    if n < k + 3:
        return None
    # Centre to improve conditioning; the intercept follows from the means.
    mx = [sum(row[j] for row in xs) / n for j in range(k)]
    my = sum(ys) / n
    a = [[0.0] * k for _ in range(k)]
    b = [0.0] * k
    for row, y in zip(xs, ys):
        cx = [row[j] - mx[j] for j in range(k)]
        cy = y - my
        for i in range(k):
            b[i] += cx[i] * cy
            for j in range(k):
                a[i][j] += cx[i] * cx[j]
    scale = max((a[i][i] for i in range(k)), default=0.0) or 1.0
    for i in range(k):
        a[i][i] += ridge * scale
    slopes = _solve(a, b)
    if slopes is None:
        return None
    intercept = my - sum(s * m for s, m in zip(slopes, mx))
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - sum(s * v for s, v in zip(slopes, row))) ** 2 for row, y in zip(xs, ys))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return Fit(intercept, tuple(slopes), r2, n)


@dataclass(frozen=True)
class Shares:
    """Per-request costs of several request kinds, from increments: ``dy_i = sum_j b_j * dx_ij + e_i``.

    ``slopes`` with their standard errors (``se``), the 1-norm condition
    number of the column-normalised normal matrix (``condition``: large when
    the request counts move together, so their shares cannot be told apart),
    and the residual degrees of freedom.
    """

    slopes: tuple[float, ...]
    se: tuple[float, ...]
    condition: float
    df: int

    def lower95(self, j: int) -> float:
        """The lower end of the two-sided 95 % confidence interval of ``slopes[j]``."""
        return self.slopes[j] - t95(self.df) * self.se[j]


#: Two-sided 95 % Student t quantiles by degrees of freedom.
_T95 = (
    (1, 12.71),
    (2, 4.30),
    (3, 3.18),
    (4, 2.78),
    (5, 2.57),
    (6, 2.45),
    (7, 2.36),
    (8, 2.31),
    (9, 2.26),
    (10, 2.23),
    (15, 2.13),
    (20, 2.09),
    (25, 2.06),
    (30, 2.04),
    (40, 2.02),
    (60, 2.00),
    (120, 1.98),
)


def t95(df: int) -> float:
    for limit, value in _T95:
        if df <= limit:
            return value
    return 1.96


def shares(dxs: Sequence[Sequence[float]], dys: Sequence[float]) -> Shares | None:
    """Least squares without intercept on increments, with standard errors; None when it cannot be solved.

    Increments, not levels: cumulative request counts of every endpoint grow
    with time, so in levels any endpoint "explains" any growth; what tells
    endpoints apart is how the mix of requests varies from one sampling
    interval to the next.  No intercept: with a steady request rate the
    total per interval is constant and would be collinear with it.
    """
    n = len(dys)
    k = len(dxs[0]) if n else 0
    if k == 0 or n < k + 3:
        return None
    a = [[sum(row[i] * row[j] for row in dxs) for j in range(k)] for i in range(k)]
    b = [sum(row[i] * y for row, y in zip(dxs, dys)) for i in range(k)]
    if any(a[i][i] <= 0 for i in range(k)):
        return Shares(tuple([0.0] * k), tuple([float("inf")] * k), float("inf"), n - k)
    norms = [a[i][i] ** 0.5 for i in range(k)]
    normal = [[a[i][j] / (norms[i] * norms[j]) for j in range(k)] for i in range(k)]
    inverse_normal = _inverse(normal)
    if inverse_normal is None:
        return Shares(tuple([0.0] * k), tuple([float("inf")] * k), float("inf"), n - k)
    condition = _norm1(normal) * _norm1(inverse_normal)
    inverse = [[inverse_normal[i][j] / (norms[i] * norms[j]) for j in range(k)] for i in range(k)]
    slopes = [sum(inverse[i][j] * b[j] for j in range(k)) for i in range(k)]
    residual = sum((y - sum(s * x for s, x in zip(slopes, row))) ** 2 for row, y in zip(dxs, dys))
    variance = residual / (n - k)
    se = [max(variance * inverse[i][i], 0.0) ** 0.5 for i in range(k)]
    return Shares(tuple(slopes), tuple(se), condition, n - k)


def _inverse(a: list[list[float]]) -> list[list[float]] | None:
    k = len(a)
    columns = []
    for j in range(k):
        column = _solve([row[:] for row in a], [1.0 if i == j else 0.0 for i in range(k)])
        if column is None:
            return None
        columns.append(column)
    return [[columns[j][i] for j in range(k)] for i in range(k)]


def _norm1(a: list[list[float]]) -> float:
    return max(sum(abs(a[i][j]) for i in range(len(a))) for j in range(len(a)))


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    k = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(k):
            if r != col:
                factor = m[r][col] / m[col][col]
                if factor:
                    for c in range(col, k + 1):
                        m[r][c] -= factor * m[col][c]
    return [m[i][k] / m[i][i] for i in range(k)]


class EndpointStats:
    """Rolling numbers of one endpoint (or task) over the last ``window`` traces."""

    __slots__ = (
        "name",
        "kind",
        "count",
        "errors",
        "walls",
        "cpus",
        "waits",
        "queries",
        "sql_ms",
        "queue_ms",
        "error_times",
        "statuses",
        "first_traceback",
        "first_error",
        "error_site",
        "last_seen",
        "sizes",
    )

    def __init__(self, name: str, kind: str = "request", window: int = 200, error_keep: int = 64) -> None:
        self.name = name
        self.kind = kind
        self.count = 0
        self.errors = 0
        self.walls: deque[float] = deque(maxlen=window)
        self.cpus: deque[float] = deque(maxlen=window)
        self.waits: deque[float] = deque(maxlen=window)
        self.queries: deque[int] = deque(maxlen=window)
        self.sql_ms: deque[float] = deque(maxlen=window)
        self.queue_ms: deque[float] = deque(maxlen=window)
        self.sizes: deque[int] = deque(maxlen=window)
        self.error_times: deque[float] = deque(maxlen=error_keep)
        self.statuses: Counter[int] = Counter()
        self.first_traceback = ""
        self.first_error = ""
        self.error_site: Site | None = None
        self.last_seen = 0.0

    def summary(self) -> dict[str, object]:
        walls = list(self.walls)
        return {
            "count": self.count,
            "errors": self.errors,
            "p50_ms": round(percentile(walls, 50), 3),
            "p95_ms": round(percentile(walls, 95), 3),
            "max_ms": round(max(walls, default=0.0), 3),
            "cpu_ms_mean": round(sum(self.cpus) / len(self.cpus), 3) if self.cpus else None,
            "queries_mean": round(sum(self.queries) / len(self.queries), 2) if self.queries else 0,
            "sql_ms_mean": round(sum(self.sql_ms) / len(self.sql_ms), 3) if self.sql_ms else 0,
            "queue_ms_p95": round(percentile(self.queue_ms, 95), 3) if self.queue_ms else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


class QueryStats:
    """One statement fingerprint across traces."""

    __slots__ = ("fp", "sql", "count", "times", "site", "max_rows", "labels")

    def __init__(self, fp: str, sql: str, window: int = 200) -> None:
        self.fp = fp
        self.sql = sql
        self.count = 0
        self.times: deque[float] = deque(maxlen=window)
        self.site: Site | None = None
        self.max_rows = -1
        self.labels: dict[str, int] = {}

    def summary(self) -> dict[str, object]:
        return {
            "fingerprint": self.fp,
            "sql": self.sql,
            "count": self.count,
            "p50_ms": round(percentile(self.times, 50), 3),
            "p95_ms": round(percentile(self.times, 95), 3),
            "max_rows": self.max_rows,
            "site": str(self.site) if self.site else None,
            "callers": dict(sorted(self.labels.items(), key=lambda kv: -kv[1])[:5]),
        }


class TaskStats:
    __slots__ = ("name", "count", "failures", "retry_times", "retries", "last_exc", "site")

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.failures = 0
        self.retries = 0
        self.retry_times: deque[float] = deque(maxlen=256)
        self.last_exc = ""
        self.site: Site | None = None


@dataclass
class MemorySample:
    t: float
    rss: int
    total: int
    per_endpoint: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"t": round(self.t, 3), "rss": self.rss, "total": self.total, "in_flight": self.in_flight}


@dataclass
class ContainerSeries:
    """Sizes of one module-level container, sampled every N traces."""

    module: str
    name: str
    kind: str
    site: Site | None
    sizes: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=64))


__all__ = [
    "LRU",
    "ContainerSeries",
    "EndpointStats",
    "Fit",
    "MemorySample",
    "QueryStats",
    "Shares",
    "TaskStats",
    "least_squares",
    "shares",
    "t95",
]

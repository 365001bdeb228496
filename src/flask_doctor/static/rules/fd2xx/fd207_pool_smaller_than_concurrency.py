"""FD207 pool-smaller-than-concurrency: The connection pool is smaller than the threads each worker runs."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.orm.engines import (
    CREATE_ENGINE,
    DEFAULT_OVERFLOW,
    DEFAULT_POOL,
    constant,
    keyword,
    threads_per_worker,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import (
    Invalid,
    Rule,
    Valid,
)


class PoolSmallerThanConcurrency(Rule):
    """
    ## What it does
    Compares the declared connection pool (`pool_size` + `max_overflow`, in
    `create_engine(...)` or `SQLALCHEMY_ENGINE_OPTIONS`) with the threads
    each server worker runs (gunicorn `--threads`, uWSGI `threads`), when
    both are declared.

    ## Why is this bad?
    Each worker process has its own pool, shared by its threads. When more
    threads than `pool_size + max_overflow` need the database at once, the
    extra requests wait up to `pool_timeout` (30 s) for a connection and then
    fail with `QueuePool limit of size N overflow M reached`. Under load
    this looks like a slow database when the database is idle. Pools that
    are not declared (SQLAlchemy's default of 5 + 10) are compared only with
    the threads; nothing is reported when either side is unknown.

    ## Example
    ```python
    # gunicorn.conf.py: threads = 16
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2}
    ```

    ## Use instead
    ```python
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 16, "max_overflow": 4}
    ```
    and keep `workers × (pool_size + max_overflow)` below the database's
    `max_connections`.

    ## Fix safety
    No automatic fix: the database's connection limit must allow it.

    ## References
    - SQLAlchemy 2.0: "Connection Pooling" (`QueuePool`, `pool_size`, `max_overflow`, `pool_timeout`)
    - Gunicorn: "Settings" (`threads`)
    """

    code = "FD207"
    name = "pool-smaller-than-concurrency"
    severity = Severity.WARNING
    catalog = ("S10",)
    summary = "The connection pool is smaller than the threads each worker runs."

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 5, "pool_pre_ping": True}
            """, files={"gunicorn.conf.py": """
            workers = 4
            threads = 8
            """}),
        Valid("""
            import os
            from sqlalchemy import create_engine
            engine = create_engine(os.environ["DATABASE_URL"], pool_size=2, pool_pre_ping=True)
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2}  # expect
            """, message="16 threads", files={"gunicorn.conf.py": """
            workers = 4
            threads = 16
            """}),
    )

    def check_project(self, project: Project, report) -> None:  # type: ignore[override]
        threads = threads_per_worker(project)
        if threads is None:
            return
        count, where = threads
        pools: list[tuple[int, int, Location, str]] = []
        for setting in project.config_for("SQLALCHEMY_ENGINE_OPTIONS"):
            if isinstance(setting.value, ast.Dict) and not is_test_path(setting.location.path) and project.is_production(setting):
                opts = {k.value: v for k, v in zip(setting.value.keys, setting.value.values) if isinstance(k, ast.Constant)}
                if None in setting.value.keys or "poolclass" in opts:
                    continue
                size, overflow = constant(opts.get("pool_size")), constant(opts.get("max_overflow"))
                if isinstance(size, int) or isinstance(overflow, int):
                    pools.append((size if isinstance(size, int) else DEFAULT_POOL, overflow if isinstance(overflow, int) else DEFAULT_OVERFLOW, setting.location, "SQLALCHEMY_ENGINE_OPTIONS"))
        sizes = {s.key: s for s in project.config_for("SQLALCHEMY_POOL_SIZE") if project.is_production(s)}
        if sizes:
            s = next(iter(sizes.values()))
            over = next((o for o in project.config_for("SQLALCHEMY_MAX_OVERFLOW") if project.is_production(o)), None)
            if isinstance(constant(s.value), int):
                ov = constant(over.value) if over is not None else DEFAULT_OVERFLOW
                pools.append((int(constant(s.value)), ov if isinstance(ov, int) else DEFAULT_OVERFLOW, s.location, "SQLALCHEMY_POOL_SIZE"))  # type: ignore[arg-type]
        for site in project.calls:
            if site.name not in CREATE_ENGINE or is_test_path(site.module.path):
                continue
            call = site.node
            if any(kw.arg is None for kw in call.keywords) or keyword(call, "poolclass") is not None:
                continue
            size, overflow = constant(keyword(call, "pool_size")), constant(keyword(call, "max_overflow"))
            if isinstance(size, int) or isinstance(overflow, int):
                pools.append((size if isinstance(size, int) else DEFAULT_POOL, overflow if isinstance(overflow, int) else DEFAULT_OVERFLOW,
                              Location(site.module.path, call.lineno, call.col_offset + 1), "create_engine"))
        for size, overflow, location, label in pools:
            if overflow < 0 or size <= 0 or size + overflow >= count:
                continue
            report(
                self.finding(
                    location,
                    f"`{label}` allows {size} + {overflow} = {size + overflow} connections per worker but each worker runs "
                    f"{count} threads: under load the extra requests wait `pool_timeout` and fail with \"QueuePool limit reached\"",
                    hint=f"Raise `pool_size` (+ `max_overflow`) to at least {count}, within the database's max_connections.",
                    evidence=[Evidence(f"{count} threads per worker declared here", where)],
                )
            )

"""FD207 pool-smaller-than-concurrency: The connection pool is smaller than the threads each worker runs."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.orm.engines import declared_pools, default_pool, threads_per_worker
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
    `create_engine(...)`, `SQLALCHEMY_ENGINE_OPTIONS` or the extension's
    `SQLAlchemy(engine_options=...)`, which production's
    `SQLALCHEMY_ENGINE_OPTIONS` overrides) with the threads each server
    worker runs (gunicorn `--threads`, uWSGI `threads`), when both are
    declared.

    ## Why is this bad?
    Each worker process has its own pool, shared by its threads. When more
    threads than `pool_size + max_overflow` need the database at once, the
    extra requests wait up to `pool_timeout` (30 s) for a connection and then
    fail with `QueuePool limit of size N overflow M reached`. Under load
    this looks like a slow database when the database is idle. When no
    engine to a database server sizes its pool, SQLAlchemy's default of
    5 + 10 is compared with the threads; nothing is reported when either
    side is unknown (options passed as `**options`, a `poolclass`, no
    threads declared).

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
        Valid(
            """
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 5, "pool_pre_ping": True}
            """,
            files={
                "gunicorn.conf.py": """
            workers = 4
            threads = 8
            """
            },
        ),
        Valid("""
            import os
            from sqlalchemy import create_engine
            engine = create_engine(os.environ["DATABASE_URL"], pool_size=2, pool_pre_ping=True)
            """),
        # production's SQLALCHEMY_ENGINE_OPTIONS resizes the pool the extension object starts from
        Valid(
            """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"pool_size": 2, "max_overflow": 0})

            class ProductionConfig:
                SQLALCHEMY_ENGINE_OPTIONS = dict(pool_size=10, max_overflow=10)
            """,
            files={
                "gunicorn.conf.py": """
            workers = 2
            threads = 8
            """
            },
        ),
    )
    INVALID = (
        # no pool sized anywhere: SQLAlchemy's 5 + 10 against 32 threads
        Invalid(
            """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()  # expect

            class Config:
                SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"
            """,
            message="SQLAlchemy's default pool (no `pool_size` set) allows 5 + 10 = 15 connections",
            files={"gunicorn.conf.py": "workers = 2\nthreads = 32\n"},
        ),
        # the extension object's options size every engine it creates
        Invalid(
            """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"pool_size": 2, "max_overflow": 0})  # expect
            """,
            message="`engine_options` allows 2 + 0 = 2 connections per worker",
            files={
                "gunicorn.conf.py": """
            workers = 2
            threads = 8
            """
            },
        ),
        Invalid(
            """
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2}  # expect
            """,
            message="16 threads",
            files={
                "gunicorn.conf.py": """
            workers = 4
            threads = 16
            """
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        threads = threads_per_worker(project)
        if threads is None:
            return
        count, where = threads
        fallback = default_pool(project)
        for pool in declared_pools(project) or ([fallback] if fallback else []):
            size, overflow, label = pool.size, pool.overflow, pool.label
            if overflow < 0 or size <= 0 or size + overflow >= count:
                continue
            what = "SQLAlchemy's default pool (no `pool_size` set)" if label == "default" else f"`{label}`"
            report(
                self.finding(
                    pool.location,
                    f"{what} allows {size} + {overflow} = {size + overflow} connections per worker but each worker "
                    f"runs {count} threads: under load the extra requests wait `pool_timeout` and fail with "
                    f'"QueuePool limit reached"',
                    hint=f"Raise `pool_size` (+ `max_overflow`) to at least {count}, "
                    "within the database's max_connections.",
                    evidence=[Evidence(f"{count} threads per worker declared here", where)],
                )
            )

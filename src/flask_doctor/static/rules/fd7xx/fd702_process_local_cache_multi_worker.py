"""FD702 process-local-cache-multi-worker: SimpleCache (per process) or FileSystemCache (per host) with several workers or replicas."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.deploy.model import WorkerDecl
from flask_doctor.static.facts.caching import (
    cache_type_settings,
    dev_or_test_path,
    is_worker_service,
    local_backend,
)
from flask_doctor.static.facts.config_values import production_value
from flask_doctor.static.facts.deploy_files import production_deploy_path
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class ProcessLocalCacheMultiWorker(Rule):
    """
    ## What it does
    Finds a Flask-Caching `CACHE_TYPE` of `SimpleCache` (`"simple"`) in
    production configuration when the deploy files run several worker
    processes (gunicorn `-w 4`, `workers = ...` in `gunicorn.conf.py`, uWSGI
    `processes`, compose `replicas`), and `FileSystemCache` when the app
    runs on several hosts or containers. A value read from the environment
    counts as what the production deploy files set it to, else as its
    default (`os.environ.get("CACHE_TYPE", "SimpleCache")`). A cache
    object built directly at module level (`cache = SimpleCache()` from
    cachelib or the old `werkzeug.contrib.cache`, the pattern of Flask's
    former caching docs) is reported too when the project invalidates it
    (`cache.delete(...)`, `cache.clear()`): that is what several workers
    get wrong.

    ## Why is this bad?
    `SimpleCache` is a dict inside one Python process. With four gunicorn
    workers there are four independent caches: each computes and stores
    everything again (a quarter of the hit ratio), and `cache.delete()` or
    `cache.clear()` after a change only reaches the worker that served that
    request — the other workers keep serving the stale value until it
    times out, so users see data flip between old and new from one request
    to the next. `FileSystemCache` is shared by the workers of one host,
    but every container or replica has its own directory. One worker
    (with any number of threads) is fine, as is `NullCache`, which caches
    nothing.

    ## Example
    ```python
    class ProductionConfig(Config):
        CACHE_TYPE = "SimpleCache"
    ```
    with `gunicorn -w 4 "app:create_app()"` in the Dockerfile.

    ## Use instead
    ```python
    class ProductionConfig(Config):
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = os.environ["REDIS_URL"]
    ```

    ## Fix safety
    No automatic fix: a shared cache needs a server.

    ## References
    - Flask-Caching docs, "Built-in Cache Backends": SimpleCache ("not really thread safe", per process), FileSystemCache
    - Gunicorn docs, "Design": workers are separate processes
    """

    code = "FD702"
    name = "process-local-cache-multi-worker"
    severity = Severity.WARNING
    catalog = ("S13",)
    summary = "SimpleCache (per process) or FileSystemCache (per host) with several workers or replicas."

    VALID = (
        # a per-process memo nothing invalidates: each worker computes its own copy, which is only duplicated work
        Valid(
            """
            from cachelib import SimpleCache
            from flask import Flask
            app = Flask(__name__)
            lookups = SimpleCache(default_timeout=60)

            @app.get("/country/<code>")
            def country(code):
                found = lookups.get(code)
                if found is None:
                    found = {"code": code.upper()}
                    lookups.set(code, found)
                return found
            """,
            files={"gunicorn.conf.py": "workers = 3\n"},
        ),
        Valid("""
            class Config:
                CACHE_TYPE = "SimpleCache"

            class ProductionConfig(Config):
                CACHE_TYPE = "RedisCache"
            """),
        Valid("""
            class ProductionConfig:
                CACHE_TYPE = "SimpleCache"
            """),
        # the deployment sets the variable to a shared backend
        Valid(
            """
            import os

            class ProductionConfig:
                CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
            """,
            files={
                "docker-compose.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn -w 4 app:app
                        environment:
                          CACHE_TYPE: RedisCache
                    """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            class ProductionConfig:
                CACHE_TYPE = "SimpleCache"  # expect
            """,
            files={"gunicorn.conf.py": "workers = 4\n"},
        ),
        # cachelib's SimpleCache built by hand, emptied by a view: the other workers keep their copy
        Invalid(
            """
            from cachelib import SimpleCache
            from flask import Flask
            app = Flask(__name__)
            menus = SimpleCache(default_timeout=600)  # expect

            @app.get("/menu/<day>")
            def menu(day):
                cached = menus.get(day)
                if cached is None:
                    cached = {"day": day, "dishes": ["soup"]}
                    menus.set(day, cached)
                return cached

            @app.post("/menu/<day>")
            def edit_menu(day):
                menus.delete(day)
                return "saved"
            """,
            files={"gunicorn.conf.py": "workers = 3\n"},
            message="reaches only the worker",
        ),
        # SimpleCache is what production gets: the deploy files leave the variable unset
        Invalid(
            """
            import os

            class ProductionConfig:
                CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")  # expect
            """,
            files={"gunicorn.conf.py": "workers = 4\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        deploy = project.deploy
        if deploy is None:
            return
        decls = [d for d in deploy.declared_workers() if production_deploy_path(d.source.path)]
        multi_process = [d for d in decls if (d.processes or 0) > 1 or d.cpu_based or (d.replicas or 1) > 1]
        multi_host = [d for d in decls if (d.replicas or 1) > 1]
        services = [
            s
            for s in deploy.services
            if ((s.replicas or s.scale or 1) > 1)
            and not s.is_proxy
            and production_deploy_path(s.source.path)
            and not is_worker_service(s)
        ]
        if multi_process:
            self._direct_instances(project, multi_process[0], report)
        for setting in cache_type_settings(project):
            value = production_value(project, setting.value, setting.location.path, setting.location.line)
            backend = local_backend(value)
            if backend is None:
                continue
            scope, cls_name = backend
            if scope == "process" and multi_process:
                decl = multi_process[0]
                count = "CPU-count-based" if decl.cpu_based and not decl.processes else str(decl.processes or "several")
                reps = f" × {decl.replicas} replicas" if (decl.replicas or 1) > 1 else ""
                message = (
                    f"`CACHE_TYPE = {ast.unparse(setting.value)}` in {setting.owner}: {cls_name} lives inside "
                    f"one process, and {decl.server} runs {count} worker processes{reps}: every worker has its own "
                    f"cache, so `cache.delete()`/`clear()` reaches one worker and the others keep serving stale data"
                )
                evidence = [Evidence(f"{decl.server} workers declared here", decl.source)]
            elif scope in ("process", "host") and (multi_host or services):
                where = multi_host[0].source if multi_host else services[0].source
                count = multi_host[0].replicas if multi_host else (services[0].replicas or services[0].scale)
                message = (
                    f"`CACHE_TYPE = {ast.unparse(setting.value)}` in {setting.owner}: {cls_name} is local to one "
                    f"{'process' if scope == 'process' else 'host/container'}, and the app runs {count} replicas: "
                    f"each has its own cache, so invalidation on one leaves the others stale"
                )
                evidence = [Evidence("replicas declared here", where)]
            else:
                continue
            report(
                self.finding(
                    setting.location,
                    message,
                    hint="Use a shared backend in production: "
                    'CACHE_TYPE = "RedisCache" (CACHE_REDIS_URL) or "MemcachedCache".',
                    evidence=evidence,
                )
            )

    def _direct_instances(self, project: Project, decl: WorkerDecl, report: Callable[[Finding], None]) -> None:
        """``cache = SimpleCache()`` at module level, invalidated somewhere: one copy per worker process."""
        for obj in project.objects.values():
            cls_name = _DIRECT_SIMPLE_CACHES.get(obj.type or "")
            if cls_name is None or is_test_path(obj.location.path) or dev_or_test_path(project, obj.location.path):
                continue
            invalidation = next(
                (
                    site
                    for site in project.calls
                    if site.function is not None
                    and site.name.rsplit(".", 1)[0] == obj.qualname
                    and site.name.rsplit(".", 1)[-1] in _INVALIDATIONS
                    and not is_test_path(site.module.path)
                ),
                None,
            )
            if invalidation is None:
                continue  # a memo nothing invalidates: duplicated work per worker, not stale data
            count = "CPU-count-based" if decl.cpu_based and not decl.processes else str(decl.processes or "several")
            name = obj.qualname.rsplit(".", 1)[-1]
            call = f"{name}.{invalidation.name.rsplit('.', 1)[-1]}(...)"
            report(
                self.finding(
                    obj.location,
                    f"`{name}` is a {cls_name} built at module level, which lives inside one process, and "
                    f"{decl.server} runs {count} worker processes: `{call}` in `{invalidation.function.display}` "
                    "reaches only the worker that served that request, and the others keep serving the stale "
                    "value until it times out",
                    hint="Use a shared cache (cachelib's RedisCache, or Flask-Caching with "
                    'CACHE_TYPE = "RedisCache"), or run one worker process with threads.',
                    evidence=[
                        Evidence(f"{decl.server} workers declared here", decl.source),
                        Evidence(
                            f"invalidated in `{invalidation.function.display}`",
                            Location(
                                invalidation.module.path, invalidation.node.lineno, invalidation.node.col_offset + 1
                            ),
                        ),
                    ],
                )
            )


#: Per-process cache classes a project builds itself (cachelib, the old werkzeug.contrib.cache, Flask-Caching's).
_DIRECT_SIMPLE_CACHES = {
    "cachelib.SimpleCache": "SimpleCache",
    "cachelib.simple.SimpleCache": "SimpleCache",
    "werkzeug.contrib.cache.SimpleCache": "SimpleCache",
    "flask_caching.backends.SimpleCache": "SimpleCache",
    "flask_caching.backends.simplecache.SimpleCache": "SimpleCache",
}
#: Calls that drop entries: what a second worker never hears about.
_INVALIDATIONS = frozenset({"delete", "delete_many", "clear"})

"""Caching facts: Flask-Caching decorators, the request data a cached view reads, cache backends.

A wrong cache is worse than none (FD701–FD703).

Flask-Caching's ``@cache.cached`` keys a view by ``request.path`` only, so a
view that reads the user, the session, headers or the query string serves
the first visitor's page to everyone. ``SimpleCache`` lives inside one
worker process. ``@cache.memoize`` on a method keys by ``repr(self)``, which
for an ordinary object is its memory address.

The facts come from Flask-Caching 2.x (``flask_caching/__init__.py``:
``cached``' ``_make_cache_key`` uses ``key_prefix % request.path`` unless
``query_string=True``/``make_cache_key``/a callable ``key_prefix``;
``memoize``' ``_memoize_kwargs_to_args`` uses ``get_id(self)`` =
``__caching_id__()`` or ``repr(self)``).
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_doctor.findings import Location
from flask_doctor.static.context import last_segments, node_location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.roles import FileRole, role_of, role_of_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import REQUEST, VIEW_BASES
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import ServiceDecl
    from flask_doctor.static.model import ConfigSetting, FunctionInfo, Project

CACHE_TYPES = {"flask_caching.Cache", "flask_cache.Cache", "flask.ext.cache.Cache", "flask_caching.__init__.Cache"}


@project_fact
def uses_flask_caching(project: Project) -> bool:
    """Some module imports Flask-Caching (or the older Flask-Cache)."""
    return any(
        r.module.split(".")[0] in ("flask_caching", "flask_cache")
        for records in project.imports.values()
        for r in records
    )


_FLASK_CACHING_KWARGS = {
    "query_string",
    "key_prefix",
    "make_cache_key",
    "unless",
    "forced_update",
    "response_filter",
    "make_name",
}


def cache_decorator(project: Project, fn: FunctionInfo, method: str) -> ast.expr | None:
    """The ``@cache.<method>(...)`` decorator of ``fn`` when ``cache`` is a Flask-Caching ``Cache``."""
    for deco, resolved in zip(fn.node.decorator_list, fn.decorators):
        func = deco.func if isinstance(deco, ast.Call) else deco
        if not (isinstance(func, ast.Attribute) and func.attr == method):
            continue
        owner = resolved.rsplit(".", 1)[0]
        obj = project.objects.get(owner)
        if obj is not None:
            if project.is_subtype(obj.type, CACHE_TYPES):
                return deco
            continue
        # ``cache`` built by a factory or passed in: trust the name only when Flask-Caching is in use
        # or the call uses keywords only Flask-Caching's decorators take
        if (dotted(func.value) or "").rsplit(".", 1)[-1] == "cache" and (
            uses_flask_caching(project)
            or (isinstance(deco, ast.Call) and any(kw.arg in _FLASK_CACHING_KWARGS for kw in deco.keywords))
        ):
            return deco
    return None


# ------------------------------------------------------------------ request data a cached view reads
USER_SOURCES = {
    "flask_login.current_user": "current_user",
    "flask_login.utils.current_user": "current_user",
    "flask_security.current_user": "current_user",
    "flask_security.core.current_user": "current_user",
    "flask_jwt_extended.current_user": "current_user",
    "flask_jwt_extended.get_jwt_identity": "get_jwt_identity()",
    "flask_jwt_extended.get_jwt": "get_jwt()",
    "flask.session": "session",
}
REQUEST_PARTS = {
    "args": "query",
    "values": "query",
    "headers": "header",
    "cookies": "header",
    "authorization": "header",
    "accept_languages": "header",
    "form": "body",
    "json": "body",
    "get_json": "body",
    "data": "body",
    "files": "body",
    "get_data": "body",
}
G_USERISH = ("user", "identity", "account", "member", "tenant")


@dataclass
class VaryingRead:
    """A read in a function whose value varies per user or request (the user, query, a header, the body)."""

    what: str  # `current_user`, `request.args`...
    kind: str  # user | query | header | body
    function: FunctionInfo
    node: ast.AST


@keyed_fact
def own_varying_reads(project: Project, fn: FunctionInfo) -> list[VaryingRead]:
    """Request-varying reads in ``fn``'s own body."""
    found: list[VaryingRead] = []
    table = fn.imports
    seen: set[str] = set()
    for node in body_nodes(fn.node.body):
        read: tuple[str, str] | None = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            full = table.qualify(node.id)
            if full in USER_SOURCES:
                read = (USER_SOURCES[full], "user")
        elif isinstance(node, ast.Attribute):
            named = isinstance(node.value, (ast.Name, ast.Attribute))
            base = table.qualify(dotted(node.value) or "") if named else None
            if base in ("flask.request", "flask.globals.request"):
                part = REQUEST_PARTS.get(node.attr)
                if part:
                    read = (f"request.{node.attr}", part)
            elif base in ("flask.g", "flask.globals.g") and any(k in node.attr.lower() for k in G_USERISH):
                read = (f"g.{node.attr}", "user")
            elif base in ("flask",) and node.attr == "session":
                read = ("session", "user")
        if read is not None and read[0] not in seen:
            seen.add(read[0])
            found.append(VaryingRead(read[0], read[1], fn, node))
    return found


def varying_reads(
    project: Project, root: FunctionInfo, max_depth: int = 3
) -> list[tuple[VaryingRead, list[FunctionInfo]]]:
    """Reads in ``root`` and in the project functions it calls, with the call path."""
    results: list[tuple[VaryingRead, list[FunctionInfo]]] = []
    queue: deque[tuple[FunctionInfo, list[FunctionInfo]]] = deque([(root, [root])])
    visited = {root.qualname}
    while queue:
        fn, path = queue.popleft()
        for read in own_varying_reads(project, fn):
            results.append((read, path))
        if len(path) > max_depth:
            continue
        for name, _call in fn.calls:
            callee = project.resolve_function(name, fn, fn.module)
            if callee is None or callee.qualname in visited:
                continue
            visited.add(callee.qualname)
            queue.append((callee, [*path, callee]))
    return results


def decorator_kwarg(deco: ast.expr, name: str) -> ast.expr | None:
    """The value of ``name=`` in a decorator call (``None`` for a bare decorator)."""
    if not isinstance(deco, ast.Call):
        return None
    return next((kw.value for kw in deco.keywords if kw.arg == name), None)


def is_true(node: ast.expr | None) -> bool:
    """A literal ``True``."""
    return isinstance(node, ast.Constant) and node.value is True


# ------------------------------------------------------------------ process- and host-local backends
PROCESS_LOCAL = {
    "simple": "SimpleCache",
    "simplecache": "SimpleCache",
    "flask_caching.backends.simplecache": "SimpleCache",
    "flask_caching.backends.simple": "SimpleCache",
    "flask_caching.backends.simplecache.simplecache": "SimpleCache",
    "flask_caching.backends.simplecache.simple": "SimpleCache",
}
HOST_LOCAL = {
    "filesystem": "FileSystemCache",
    "filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystemcache.filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystem": "FileSystemCache",
}


def local_backend(value: ast.expr) -> tuple[str, str] | None:
    """("process"|"host", class name) for a SimpleCache/FileSystemCache ``CACHE_TYPE`` literal."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return None
    text = value.value.strip().lower()
    if text in PROCESS_LOCAL:
        return ("process", PROCESS_LOCAL[text])
    if text in HOST_LOCAL:
        return ("host", HOST_LOCAL[text])
    return None


@dataclass
class CacheTypeSetting:
    """A ``CACHE_TYPE`` set in production configuration or passed to a cache."""

    value: ast.expr
    location: Location
    owner: str


def cache_type_settings(project: Project) -> list[CacheTypeSetting]:
    """``CACHE_TYPE`` in production config, ``Cache(config={...})`` and ``cache.init_app(app, config={...})``."""
    found: list[CacheTypeSetting] = []
    for setting in project.config_for("CACHE_TYPE"):
        if project.is_production(setting) and not _dev_or_test_path(project, setting.location.path):
            found.append(CacheTypeSetting(setting.value, setting.location, _owner_label(setting)))
    for site in calls_named(project, last_segments(CACHE_TYPES, ["init_app"])):
        call = site.node
        is_ctor = site.name in CACHE_TYPES
        is_init = (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "init_app"
            and _is_cache_object(project, site.name)
        )
        if not (is_ctor or is_init) or _dev_or_test_path(project, site.module.path):
            continue
        config = next((kw.value for kw in call.keywords if kw.arg == "config"), None)
        if not isinstance(config, ast.Dict):
            continue
        for k, v in zip(config.keys, config.values):
            if isinstance(k, ast.Constant) and k.value == "CACHE_TYPE":
                owner = f"`{ast.unparse(call.func)}(config=...)`"
                found.append(CacheTypeSetting(v, node_location(site.module.path, k), owner))
    return found


def _is_cache_object(project: Project, name: str) -> bool:
    owner = name.rsplit(".", 1)[0]
    obj = project.objects.get(owner)
    return obj is not None and project.is_subtype(obj.type, CACHE_TYPES)


def _owner_label(setting: ConfigSetting) -> str:
    if setting.owner == "app.config":
        return "`app.config`"
    return f"config `{setting.owner.rsplit('.', 1)[-1]}`"


#: File roles (:mod:`.roles`) whose settings never configure the deployed app.
_NOT_DEPLOYED = frozenset({FileRole.TEST, FileRole.EXAMPLE, FileRole.DOCS, FileRole.TEMPLATE})


def _dev_or_test_path(project: Project, path: str) -> bool:
    """Test, example, docs or template code (:mod:`.roles`), or a module named for development (``dev_config.py``)."""
    module = project.by_path.get(path)
    role = role_of(project, module) if module is not None else role_of_path(path)
    last = path.rsplit("/", 1)[-1].lower()
    return role in _NOT_DEPLOYED or last.startswith(("dev", "local"))


def is_worker_service(service: ServiceDecl) -> bool:
    """A compose service that runs Celery/RQ workers (or a database) rather than the web app."""
    command = service.command
    text = " ".join(command) if isinstance(command, list) else str(command or "")
    name = service.name.lower()
    return any(w in text for w in ("celery", "rq worker", "dramatiq", "huey")) or any(
        w in name for w in ("worker", "celery", "beat", "redis", "db", "postgres")
    )


# ------------------------------------------------------------------ what memoize keys instances by
_PLAIN_BASES = {"object", *VIEW_BASES}


def memo_identity(project: Project, class_qual: str) -> str | None:
    """How ``@cache.memoize`` tells instances apart.

    'custom' when the class (or a base) defines ``__repr__``/``__caching_id__``,
    'default' (the memory address) when none can, ``None`` when unknown.
    """
    seen: set[str] = set()
    stack = [class_qual]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        cls = project.classes.get(current)
        if cls is None:
            if current in _PLAIN_BASES or current.rsplit(".", 1)[-1] in ("MethodView", "View", "object"):
                continue
            return None  # an external base may define __repr__
        names = {s.name for s in cls.node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        names |= {
            t.id for s in cls.node.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)
        }
        if names & {"__repr__", "__caching_id__"}:
            return "custom"
        if any(isinstance(k, ast.keyword) and k.arg == "metaclass" for k in cls.node.keywords):
            return None
        stack.extend(cls.bases)
    return "default"


def request_instantiations(project: Project, class_qual: str, class_name: str) -> list[tuple[FunctionInfo, ast.Call]]:
    """Calls in request code that create an instance of the class."""
    sites = []
    for fn in project.functions.values():
        if REQUEST not in fn.contexts:
            continue
        for name, call in fn.calls:
            if name.rsplit(".", 1)[-1] != class_name:
                continue
            full = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
            if full == class_qual or (name == class_name and f"{fn.module.name}.{class_name}" == class_qual):
                sites.append((fn, call))
    return sites


def is_view_class(project: Project, class_qual: str) -> bool:
    """A class-based view (``MethodView``/``View``): Flask creates one per request."""
    cls = project.classes.get(class_qual)
    if cls is None:
        return False
    return any(project.is_subtype(b, VIEW_BASES) or b.endswith(("MethodView", ".View")) for b in cls.bases)


__all__ = [
    "CACHE_TYPES",
    "CacheTypeSetting",
    "VaryingRead",
    "cache_decorator",
    "cache_type_settings",
    "decorator_kwarg",
    "is_true",
    "is_view_class",
    "is_worker_service",
    "local_backend",
    "memo_identity",
    "own_varying_reads",
    "request_instantiations",
    "uses_flask_caching",
    "varying_reads",
]

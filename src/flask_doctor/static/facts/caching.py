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
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.context import last_segments, node_location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.roles import FileRole, role_of, role_of_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.facts.templates import RENDER_CALLS, find_template, parsed_template
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
        if _is_cache_call(project, deco, resolved.rsplit(".", 1)[0], method):
            return deco
    return None


def _is_cache_call(project: Project, deco: ast.expr, owner: str, method: str) -> bool:
    """``deco`` is ``<owner>.<method>(...)`` on a Flask-Caching ``Cache`` (``owner`` qualified)."""
    func = deco.func if isinstance(deco, ast.Call) else deco
    if not (isinstance(func, ast.Attribute) and func.attr == method):
        return False
    obj = project.objects.get(owner)
    if obj is not None:
        return project.is_subtype(obj.type, CACHE_TYPES)
    # ``cache`` built by a factory or passed in: trust the name only when Flask-Caching is in use
    # or the call uses keywords only Flask-Caching's decorators take
    return (dotted(func.value) or "").rsplit(".", 1)[-1] == "cache" and (
        uses_flask_caching(project)
        or (isinstance(deco, ast.Call) and any(kw.arg in _FLASK_CACHING_KWARGS for kw in deco.keywords))
    )


#: The methods of a class-based view that ``View.decorators`` wrap (through ``as_view``).
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"})


def class_cache_decorator(project: Project, fn: FunctionInfo, method: str) -> ast.expr | None:
    """``cache.<method>(...)`` in the ``decorators = [...]`` of the class-based view ``fn`` is a method of.

    ``View.as_view`` applies each entry of ``decorators`` to the view function, so a cache there wraps
    every HTTP method of the class.
    """
    if not fn.class_name or fn.name not in _VIEW_METHODS:
        return None
    cls = project.classes.get(fn.qualname.rsplit(".", 1)[0])
    if cls is None:
        return None
    for stmt in cls.node.body:
        if not (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "decorators" for t in stmt.targets)
            and isinstance(stmt.value, (ast.List, ast.Tuple))
        ):
            continue
        for deco in stmt.value.elts:
            func = deco.func if isinstance(deco, ast.Call) else deco
            owner = dotted(func.value) if isinstance(func, ast.Attribute) else None
            if not owner:
                continue
            qualified = fn.imports.qualify(owner) or f"{fn.module.name}.{owner}"
            if _is_cache_call(project, deco, qualified, method):
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


@dataclass(eq=False)
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
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "validate_on_submit"
            and not node.args
        ):
            # Flask-WTF: the form reads the posted body, and the page it renders carries this visitor's CSRF token
            read = (f"{ast.unparse(node.func)}()", "body")
        if read is not None and read[0] not in seen:
            seen.add(read[0])
            found.append(VaryingRead(read[0], read[1], fn, node))
    return found


#: Flask-Babel's ``get_locale()``: it returns what the app's locale selector picks for the request.
GET_LOCALE = frozenset({"flask_babel.get_locale", "flask_babelex.get_locale", "flask_babel.speaklater.get_locale"})


@project_fact
def locale_selectors(project: Project) -> list[FunctionInfo]:
    """The project's Flask-Babel locale selectors: ``@babel.localeselector`` functions and the functions
    handed to ``Babel(app, locale_selector=f)``/``babel.init_app(app, locale_selector=f)``.

    Without one, ``get_locale()`` is ``BABEL_DEFAULT_LOCALE`` for every request.
    """
    found: dict[str, FunctionInfo] = {}
    for fn in project.functions.values():
        if any(
            (dotted(d.func if isinstance(d, ast.Call) else d) or "").endswith("localeselector")
            for d in fn.node.decorator_list
        ):
            found[fn.qualname] = fn
    for site in project.calls:
        for kw in site.node.keywords:
            if kw.arg != "locale_selector":
                continue
            name = dotted(kw.value)
            callee = project.resolve_function(name, site.function, site.module) if name else None
            if callee is not None:
                found[callee.qualname] = callee
    return list(found.values())


def varying_reads(
    project: Project, root: FunctionInfo, max_depth: int = 3
) -> list[tuple[VaryingRead, list[FunctionInfo]]]:
    """Reads in ``root`` and in the project functions it calls, with the call path.

    A call to Flask-Babel's ``get_locale()`` is followed into the project's locale selectors.
    """
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
            callees = [project.resolve_function(name, fn, fn.module)]
            if fn.imports.qualify(name) in GET_LOCALE:
                callees = locale_selectors(project)
            for callee in callees:
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


@dataclass(eq=False)
class CacheTypeSetting:
    """A ``CACHE_TYPE`` set in production configuration or passed to a cache."""

    value: ast.expr
    location: Location
    owner: str


def cache_type_settings(project: Project) -> list[CacheTypeSetting]:
    """``CACHE_TYPE`` in production config, ``Cache(config={...})`` and ``cache.init_app(app, config={...})``."""
    found: list[CacheTypeSetting] = []
    for setting in project.config_for("CACHE_TYPE"):
        if project.is_production(setting) and not dev_or_test_path(project, setting.location.path):
            found.append(CacheTypeSetting(setting.value, setting.location, _owner_label(setting)))
    for site in calls_named(project, last_segments(CACHE_TYPES, ["init_app"])):
        call = site.node
        is_ctor = site.name in CACHE_TYPES
        is_init = (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "init_app"
            and _is_cache_object(project, site.name)
        )
        if not (is_ctor or is_init) or dev_or_test_path(project, site.module.path):
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


def dev_or_test_path(project: Project, path: str) -> bool:
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
        if names & {"__repr__", "__caching_id__"} or any(_writes_repr(d) for d in cls.node.decorator_list):
            return "custom"
        if any(isinstance(k, ast.keyword) and k.arg == "metaclass" for k in cls.node.keywords):
            return None
        stack.extend(cls.bases)
    return "default"


#: Class decorators that write a ``__repr__`` of the fields (dataclasses, attrs): ``repr(self)`` names the
#: values, not the memory address.
_REPR_WRITERS = ("dataclass", "attr.s", "attr.attrs", "attrs.define", "attr.define", "define", "frozen", "mutable")


def _writes_repr(decorator: ast.expr) -> bool:
    """``@dataclass``/``@attr.s``/``@define``..., unless told ``repr=False``."""
    call = decorator if isinstance(decorator, ast.Call) else None
    name = dotted(call.func if call is not None else decorator) or ""
    if not (name in _REPR_WRITERS or name.endswith((".dataclass", ".define", ".frozen", ".mutable"))):
        return False
    no_repr = call is not None and any(
        k.arg == "repr" and isinstance(k.value, ast.Constant) and k.value.value is False for k in call.keywords
    )
    return not no_repr


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


#: Beaker's cache manager. Its ``memory`` backend (the type when none is given) keeps each namespace in a plain
#: dict: nothing bounds it, and an expired entry is only dropped when its own key is read again (Beaker 1.x
#: ``beaker/ext/memory.py`` ``MemoryNamespaceManager``, ``beaker/container.py`` ``Value.has_current_value``).
BEAKER_MANAGERS = frozenset({"beaker.cache.CacheManager"})
_BEAKER_OPTION_PARSERS = frozenset({"beaker.util.parse_cache_config_options"})


def beaker_memory_cache(project: Project, deco: ast.expr, module_name: str) -> str | None:
    """``@manager.cache("ns", expire=...)`` of a module-level Beaker ``CacheManager`` that keeps entries in memory.

    The type is read from the manager's literal options (``CacheManager(type="memory")``,
    ``CacheManager(**parse_cache_config_options({"cache.type": "memory"}))``, none at all) and the
    decorator's own ``type=``; options read from configuration are not known here, so nothing is claimed.
    Returns the manager's name as written (``_CACHE``).
    """
    if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "cache"):
        return None
    name = dotted(deco.func.value)
    table = project.module_imports.get(module_name)
    if not name:
        return None
    qualified = (table.qualify(name) if table is not None else None) or f"{module_name}.{name}"
    manager = project.objects.get(qualified) or project.objects.get(f"{module_name}.{name}")
    if manager is None or manager.type not in BEAKER_MANAGERS:
        return None
    chosen = next((kw.value for kw in deco.keywords if kw.arg == "type"), None)
    kind = _literal_text(chosen) if chosen is not None else _beaker_type(project, manager.call, manager.module.name)
    return name if kind == "memory" else None


def _beaker_type(project: Project, call: ast.Call, module_name: str) -> str | None:
    """The cache type a ``CacheManager(...)`` call gives its caches: ``"memory"`` by default, None when unknown."""
    if call.args:
        return None
    table = project.module_imports.get(module_name)
    kind: str | None = "memory"
    for kw in call.keywords:
        if kw.arg == "type":
            kind = _literal_text(kw.value)
        elif kw.arg is None:
            options = kw.value
            key = "type"
            if isinstance(options, ast.Call) and len(options.args) == 1 and not options.keywords:
                parser = dotted(options.func) or ""
                if ((table.qualify(parser) if table is not None else None) or parser) not in _BEAKER_OPTION_PARSERS:
                    return None
                options, key = options.args[0], "cache.type"
            if not isinstance(options, ast.Dict) or None in options.keys:
                return None  # options from configuration: the type is the deployment's
            for k, v in zip(options.keys, options.values):
                if isinstance(k, ast.Constant) and k.value == key:
                    kind = _literal_text(v)
    return kind


def _literal_text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


__all__ = [
    "BEAKER_MANAGERS",
    "beaker_memory_cache",
    "CACHE_TYPES",
    "CacheTypeSetting",
    "VaryingRead",
    "cache_decorator",
    "cache_type_settings",
    "class_cache_decorator",
    "decorator_kwarg",
    "is_true",
    "is_view_class",
    "is_worker_service",
    "local_backend",
    "locale_selectors",
    "memo_identity",
    "own_varying_reads",
    "request_instantiations",
    "uses_flask_caching",
    "varying_reads",
]


# ------------------------------------------------------------------ what a rendered template reads
#: Names every Jinja template of a Flask app can read that hold this request's user: Flask puts
#: ``session``/``g``/``request`` in the template context, Flask-Login's context processor adds ``current_user``.
_TEMPLATE_USER_NAMES = frozenset({"current_user", "session"})
#: How many ``extends``/``include`` steps are followed from the rendered template.
_TEMPLATE_DEPTH = 4


@dataclass(frozen=True, eq=False)
class TemplateRead:
    """A read of the user in a template a cached view renders (or one it extends or includes)."""

    what: str  # `current_user`, `session`, `g.user`
    location: Location
    rendered: str  # the template the view names


def template_user_read(project: Project, fn: FunctionInfo) -> TemplateRead | None:
    """The first read of the logged-in user (``current_user``, ``session``, ``g.user``) in a template ``fn``
    renders with ``render_template("name.html")``, following ``{% extends %}`` and ``{% include %}`` with
    literal names. Flask-Caching stores the rendered page, so what the template shows of the user is cached
    with it."""
    if not project.templates:
        return None
    for node in body_nodes(fn.node.body):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        name = dotted(node.func) or ""
        if name.rsplit(".", 1)[-1] not in RENDER_CALLS:
            continue
        if not isinstance(node.args[0].value, str):
            continue
        found = _template_read(project, (fn.module.path, node.args[0].value))
        if found is not None:
            return found
    return None


@keyed_fact
def _template_read(project: Project, key: tuple[str, str]) -> TemplateRead | None:
    from jinja2 import nodes  # a dependency of Flask, imported only when a cached view renders a template

    module_path, name = key
    queue: deque[tuple[str, int]] = deque([(name, 0)])
    seen = {name}
    while queue:
        current, depth = queue.popleft()
        template = find_template(project, module_path, current)
        tree = parsed_template(project, template.path) if template is not None else None
        if tree is None:
            continue
        for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Extends, nodes.Include, nodes.Import)):
            what: str | None = None
            if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in _TEMPLATE_USER_NAMES:
                what = node.name
            elif (
                isinstance(node, nodes.Getattr)
                and isinstance(node.node, nodes.Name)
                and node.node.name == "g"
                and any(k in node.attr.lower() for k in G_USERISH)
            ):
                what = f"g.{node.attr}"
            elif isinstance(node, (nodes.Extends, nodes.Include)) and depth < _TEMPLATE_DEPTH:
                target = node.template
                if isinstance(target, nodes.Const) and isinstance(target.value, str) and target.value not in seen:
                    seen.add(target.value)
                    queue.append((target.value, depth + 1))
            if what is not None:
                return TemplateRead(what, Location(template.path, node.lineno or 0, 0), name)
    return None

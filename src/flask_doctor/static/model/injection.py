"""What an application factory is handed: its parameters typed by the calls that build the app.

``def create_app(server): ... app.add_url_rule("/<path:p>", "api", server.handle_request)`` registers a
method of whatever object the caller passes in; ``app = create_app(TAXIServer(config))`` (or
``server = Server(config)`` then ``create_app(server)``) says which.  Without the parameter's type the
view, the error handlers and every call the factory makes through the parameter reach nothing, and the
whole request side of such a project looks like dead code.

Only factories (functions that build the Flask app) are typed: the dependency injection Flask projects
use is there.  A parameter is typed when every production call of the factory that passes it passes an
instance of the same project class; calls from test files (which pass fakes) do not count, and a
parameter the code already types is left alone.
"""

from __future__ import annotations

import ast

from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import CallSite, FunctionInfo
from flask_doctor.static.names import dotted


def type_factory_parameters(project: Project) -> None:
    """Give each factory parameter the project class its production callers pass (``local_types``)."""
    factories = {fn.qualname: fn for fn in project.functions.values() if "factory" in fn.roles and _untyped(fn)}
    if not factories:
        return
    names = {fn.name for fn in factories.values()}
    passed: dict[tuple[str, str], set[str | None]] = {}
    from flask_doctor.static.facts.sites import calls_named  # noqa: PLC0415 (the facts build on the model)

    for site in calls_named(project, names):  # a site is listed under the last segment of its name
        if site.name.rpartition(".")[2] not in names or is_test_path(site.module.path):
            continue
        fn = factories.get(site.name) or factories.get(project.canonical(site.name))
        if fn is None:
            continue
        for parameter, value in _bound(fn, site.node):
            passed.setdefault((fn.qualname, parameter), set()).add(_instance_type(project, site, value))
    for (qualname, parameter), types in passed.items():
        if len(types) == 1:
            (type_name,) = types
            if type_name is not None:
                factories[qualname].local_types[parameter] = type_name


def _parameters(fn: FunctionInfo) -> list[str]:
    arguments = fn.node.args
    return [a.arg for a in arguments.posonlyargs + arguments.args]


def _untyped(fn: FunctionInfo) -> bool:
    arguments = fn.node.args
    return any(a.arg not in fn.local_types for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)


def _bound(fn: FunctionInfo, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """(parameter, argument) pairs of a call to ``fn``, for the parameters the function has not typed."""
    positional = _parameters(fn)
    if fn.class_name is not None and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]
    pairs: list[tuple[str, ast.expr]] = []
    for name, value in zip(positional, call.args):
        if isinstance(value, ast.Starred):
            break
        pairs.append((name, value))
    known = set(positional) | {a.arg for a in fn.node.args.kwonlyargs}
    pairs += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in known]
    return [(name, value) for name, value in pairs if name not in fn.local_types]


def _instance_type(project: Project, site: CallSite, value: ast.expr) -> str | None:
    """The project class ``value`` is an instance of at the call site, when the code shows it."""
    if isinstance(value, ast.Call):
        name = dotted(value.func)
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        qualified = (table.qualify(name) if table is not None and name else None) or f"{site.module.name}.{name}"
        qualified = project.canonical(qualified)
        return qualified if qualified in project.classes else None
    if not isinstance(value, ast.Name):
        return None
    scope = site.function
    while scope is not None:
        if value.id in scope.local_types:
            type_name = scope.local_types[value.id]
            return type_name if type_name in project.classes else None
        if value.id in scope.local_names:
            return None
        scope = scope.parent
    table = project.module_imports.get(site.module.name)
    qualified = (table.qualify(value.id) if table is not None else None) or f"{site.module.name}.{value.id}"
    obj = project.objects.get(project.canonical(qualified))
    return obj.type if obj is not None and obj.type in project.classes else None

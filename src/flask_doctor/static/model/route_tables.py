"""Views registered from a table: ``for url, func in routes.items(): app.add_url_rule(url, None, func)``.

Some projects keep their URL map as data, a module-level dict (or list of
pairs) from URL to view function, and register it in a loop, often in a
helper that receives the table as an argument::

    # router/api_map.py
    routes = {"/api/addNotify": notify_api.add_notify, ...}

    # flask_ext/register.py
    def register_app_routers(app, routers):
        for url, func in routers.items():
            app.add_url_rule(url, None, func, methods=["POST", "GET"])

    # app.py
    register.register_app_routers(app, api_map.routes)

The name ``add_url_rule`` is given (``func``) is a loop variable; the
functions it stands for are the table's values. The table is followed
through the helper's parameter to every call of the helper in the project.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted
from flask_doctor.static.source import SourceModule

#: How many helper parameters a table is followed through.
MAX_HOPS = 3


def table_members(project: Project, name: str, scope: FunctionInfo | None, module: SourceModule) -> list[FunctionInfo]:
    """The project functions the loop variable ``name`` of ``scope`` (or of ``module``'s top level) stands
    for, when the loop goes over a table of functions; empty otherwise."""
    if not name.isidentifier():
        return []
    body: ast.AST = scope.node if scope is not None else module.tree
    for loop in _loops(body):
        position = _position(loop.target, name)
        if position is None:
            continue
        container, part = _container(loop.iter, position)
        if container is None:
            continue
        found: list[FunctionInfo] = []
        for literal, where, owner in _literals(project, container, scope, module, 0):
            for value in _parts(literal, part):
                fn = _function(project, value, owner, where)
                if fn is not None and fn not in found:
                    found.append(fn)
        if found:
            return found
    return []


def _loops(body: ast.AST) -> list[ast.For]:
    """The ``for`` loops of ``body``, not those of the functions and classes it defines."""
    found: list[ast.For] = []
    stack = list(ast.iter_child_nodes(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.For):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _position(target: ast.expr, name: str) -> int | None:
    """-1 when the loop target is ``name`` itself, its index when the target is a tuple holding it."""
    if isinstance(target, ast.Name):
        return -1 if target.id == name else None
    if isinstance(target, (ast.Tuple, ast.List)):
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name) and element.id == name:
                return index
    return None


def _container(iterated: ast.expr, position: int) -> tuple[ast.expr | None, str]:
    """The table the loop reads and which part of each entry the variable takes:
    ``values`` of a dict (``.items()`` second place, ``.values()``), or ``item``/an index of a list."""
    if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) and not iterated.args:
        if iterated.func.attr == "items" and position == 1:
            return iterated.func.value, "values"
        if iterated.func.attr == "values" and position == -1:
            return iterated.func.value, "values"
        return None, ""
    if isinstance(iterated, (ast.Name, ast.Attribute)):
        return iterated, "item" if position == -1 else str(position)
    return None, ""


def _parts(literal: ast.expr, part: str) -> list[ast.expr]:
    if isinstance(literal, ast.Dict):
        return [v for v in literal.values if v is not None] if part == "values" else []
    if not isinstance(literal, (ast.List, ast.Tuple)) or part == "values":
        return []
    if part == "item":
        return list(literal.elts)
    index = int(part)
    return [e.elts[index] for e in literal.elts if isinstance(e, (ast.Tuple, ast.List)) and len(e.elts) > index]


def _function(
    project: Project, value: ast.expr, owner: FunctionInfo | None, module: SourceModule
) -> FunctionInfo | None:
    name = dotted(value)
    if not name:
        return None
    return project.resolve_function(name, owner, module)


def _literals(
    project: Project, node: ast.expr, scope: FunctionInfo | None, module: SourceModule, hops: int
) -> list[tuple[ast.expr, SourceModule, FunctionInfo | None]]:
    """The dict/list literals ``node`` may hold: a module-level table (of this module or an imported one),
    a local assigned a literal, or a parameter filled by the callers of ``scope``."""
    if isinstance(node, (ast.Dict, ast.List, ast.Tuple)):
        return [(node, module, scope)]
    name = dotted(node)
    if not name:
        return []
    if scope is not None and "." not in name:
        params = [a.arg for a in (*scope.node.args.posonlyargs, *scope.node.args.args)]
        if name in params:
            return _argument_literals(project, scope, params, name, hops)
        local = _assigned(scope.node, name)
        if local is not None:
            return _literals(project, local, scope, module, hops)
    return _module_table(project, name, scope, module)


def _argument_literals(
    project: Project, scope: FunctionInfo, params: list[str], name: str, hops: int
) -> list[tuple[ast.expr, SourceModule, FunctionInfo | None]]:
    if hops >= MAX_HOPS:
        return []
    index = params.index(name)
    if scope.class_name is not None and params[:1] in (["self"], ["cls"]):
        index -= 1
    found: list[tuple[ast.expr, SourceModule, FunctionInfo | None]] = []
    for site in project.calls:
        callee = dotted(site.node.func)
        if not callee or callee.rsplit(".", 1)[-1] != scope.name:
            continue
        if project.resolve_function(callee, site.function, site.module) is not scope:
            continue
        argument = next((kw.value for kw in site.node.keywords if kw.arg == name), None)
        if argument is None and 0 <= index < len(site.node.args):
            argument = site.node.args[index]
        if argument is not None and not isinstance(argument, ast.Starred):
            found.extend(_literals(project, argument, site.function, site.module, hops + 1))
    return found


def _assigned(function: ast.AST, name: str) -> ast.expr | None:
    """The literal the function's body assigns to ``name``, when that is its only assignment."""
    values = [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]
    if len(values) == 1 and isinstance(values[0], (ast.Dict, ast.List, ast.Tuple)):
        return values[0]
    return None


def _module_table(
    project: Project, name: str, scope: FunctionInfo | None, module: SourceModule
) -> list[tuple[ast.expr, SourceModule, FunctionInfo | None]]:
    """``routes`` of this module, or ``api_map.routes``/an imported ``routes`` of another one."""
    table = scope.imports if scope is not None else project.module_imports.get(module.name)
    qualified = (table.qualify(name) if table is not None else None) or f"{module.name}.{name}"
    owner_name, _, attribute = qualified.rpartition(".")
    owner = project.modules.get(owner_name)
    if owner is None:
        return []
    values = [
        stmt.value
        for stmt in owner.tree.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == attribute for t in stmt.targets)
        and isinstance(stmt.value, (ast.Dict, ast.List, ast.Tuple))
    ]
    return [(values[-1], owner, None)] if values else []

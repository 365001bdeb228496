"""The error handlers an application registers, and what they do with HTTP errors.

``@app.errorhandler(Exception)`` receives ``HTTPException`` too (every 404
and 405), and whatever such a handler returns is the response: these facts
index every registration (decorators and ``register_error_handler``) with
the app or blueprint it belongs to, once per project, and tell whether a
handler keeps an HTTP error's own status.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flask_doctor.findings import Location
from flask_doctor.static.context import node_location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.errors import (
    MAKE_RESPONSE,
    RESPONSE_BUILDERS,
    RESPONSE_CLASSES,
    body_nodes,
    exception_kind,
    is_http_exception_class,
    qualify,
    response_status,
    returns_of,
)
from flask_doctor.static.model import BLUEPRINT_TYPES, FLASK_TYPES, FunctionInfo, Project
from flask_doctor.static.names import ImportTable, dotted


@dataclass
class ErrorHandler:
    function: FunctionInfo
    owner: str  # "app:<qualname>", "app:?" (an app we cannot name) or "bp:<name>"
    owner_label: str  # `@app.errorhandler` / `bp.register_error_handler`
    exceptions: list[ast.expr]
    table: ImportTable
    location: Location  # the decorator or registration call

    def kinds(self) -> set[str]:
        """'broad', 'http', 'narrow', 'code', or 'unknown' for a variable (``for ex in default_exceptions:``)."""
        found = set()
        for e in self.exceptions:
            if isinstance(e, ast.Constant):
                found.add("code")
            elif isinstance(e, ast.Name) and self.table.qualify(e.id) is None and not e.id[:1].isupper():
                found.add("unknown")
            else:
                found.add(exception_kind(e, self.table))
        return found

    def codes(self) -> list[int]:
        return [e.value for e in self.exceptions if isinstance(e, ast.Constant) and isinstance(e.value, int)]

    def describe(self) -> str:
        args = ", ".join(ast.unparse(e) for e in self.exceptions)
        return f"`{self.owner_label}({args})`"


_APPISH = {"app", "application", "flask_app", "current_app", "webapp", "server", "_app", "self.app"}
_NOT_FLASK = ("api", "ns", "namespace", "restx", "restful", "socketio", "sio", "login_manager", "jwt", "oauth")


def handler_owner(
    project: Project, fn: FunctionInfo | None, module_name: str, expr: ast.expr, table: ImportTable | None
) -> tuple[str, str] | None:
    """("app:x"|"bp:x", label) for a Flask app/blueprint expression, None for anything else."""
    name = dotted(expr)
    if name is None:
        return None
    type_name = None
    probe = fn
    while probe is not None and type_name is None:
        if "." not in name:
            type_name = probe.local_types.get(name)
        probe = probe.parent
    if type_name is None:
        qualified = (table.qualify(name) if table is not None else None) or f"{module_name}.{name}"
        obj = project.objects.get(qualified)
        type_name = obj.type if obj is not None else None
        resolved = qualified if obj is not None else None
    else:
        resolved = None
    last = name.rsplit(".", 1)[-1].lower()
    if type_name is not None:
        if project.is_subtype(type_name, FLASK_TYPES):
            return (f"app:{resolved}" if resolved else "app:?", name)
        if project.is_subtype(type_name, BLUEPRINT_TYPES):
            return (f"bp:{resolved or name}", name)
        return None
    if last in _NOT_FLASK or any(last.startswith(p) or last.endswith(p) for p in ("api", "restx", "namespace")):
        return None
    if name in _APPISH or last in ("app", "application", "flask_app"):
        return ("app:?", name)
    return (f"bp:{module_name}.{name}", name)


@project_fact
def error_handlers(project: Project) -> list[ErrorHandler]:
    """Every Flask error handler registration (decorators and ``register_error_handler``)."""
    found: list[ErrorHandler] = []
    for fn in project.functions.values():
        if "error_handler" not in fn.roles:
            continue
        table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
        for deco in fn.node.decorator_list:
            if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)):
                continue
            attr = deco.func.attr
            if attr not in ("errorhandler", "app_errorhandler"):
                continue
            owner = handler_owner(project, fn.parent, fn.module.name, deco.func.value, table)
            if owner is None:
                continue
            key = "app:?" if attr == "app_errorhandler" else owner[0]
            found.append(
                ErrorHandler(
                    fn,
                    key,
                    f"@{owner[1]}.{attr}",
                    list(deco.args[:1]),
                    table or ImportTable(),
                    node_location(fn.module.path, deco),
                )
            )
    for site in project.calls:
        node = site.node
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "register_error_handler" and len(node.args) >= 2):
            continue
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        owner = handler_owner(project, site.function, site.module.name, func.value, table)
        if owner is None:
            continue
        target = project.resolve_function(dotted(node.args[1]) or "", site.function, site.module)
        if target is None:
            continue
        found.append(
            ErrorHandler(
                target,
                owner[0],
                f"{owner[1]}.register_error_handler",
                [node.args[0]],
                table or ImportTable(),
                node_location(site.module.path, node),
            )
        )
    return found


def first_param(fn: FunctionInfo) -> str | None:
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args if a.arg not in ("self", "cls")]
    return args[0] if args else None


def passes_http_through(
    project: Project, fn: FunctionInfo, param: str | None, depth: int = 0
) -> tuple[bool, ast.AST | None]:
    """(True, None) when the handler keeps an HTTPException's status; (False, reraise_node) otherwise."""
    if param is None:
        return True, None  # handler ignores the exception object: cannot tell
    table = fn.imports
    reraise: ast.AST | None = None
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.If):
            checks = [
                n
                for n in ast.walk(node.test)
                if isinstance(n, ast.Call)
                and dotted(n.func) == "isinstance"
                and len(n.args) == 2
                and dotted(n.args[0]) == param
            ]
            if any(is_http_exception_class(c.args[1], table) for c in checks):
                if any(isinstance(n, ast.Return) for n in body_nodes(node.body)):
                    return True, None
                raised = next((n for n in body_nodes(node.body) if isinstance(n, ast.Raise)), None)
                if raised is not None:
                    reraise = raised
                elif node.orelse and any(isinstance(n, ast.Return) for n in body_nodes(node.orelse)):
                    return True, None  # ``if not isinstance(e, HTTPException): ... else: ...``
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("code", "get_response", "status_code")
            and dotted(node.value) == param
        ):
            return True, None
        elif isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            if name in ("getattr", "hasattr") and len(node.args) >= 2 and dotted(node.args[0]) == param:
                return True, None
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == param:
            return True, None
    # the exception handed on to a helper that builds the response
    for ret in returns_of(fn):
        value = ret.value
        if isinstance(value, ast.Tuple) and value.elts:
            value = value.elts[0]  # ``return helper(e), 500``
        call = value if isinstance(value, ast.Call) else None
        if call is None or not any(dotted(a) == param for a in list(call.args) + [k.value for k in call.keywords]):
            continue
        if qualify(table, call.func) in RESPONSE_BUILDERS | MAKE_RESPONSE | RESPONSE_CLASSES:
            continue
        callee = project.resolve_function(dotted(call.func) or "", fn, fn.module)
        if callee is None or depth >= 2:
            return True, None  # unknown helper: do not guess
        index = next((i for i, a in enumerate(call.args) if dotted(a) == param), None)
        params = [a.arg for a in callee.node.args.posonlyargs + callee.node.args.args if a.arg not in ("self", "cls")]
        inner = (
            params[index]
            if index is not None and index < len(params)
            else next((k.arg for k in call.keywords if dotted(k.value) == param), None)
        )
        ok, _ = passes_http_through(project, callee, inner, depth + 1)
        if ok:
            return True, None
    return False, reraise


def status_label(project: Project, fn: FunctionInfo) -> str:
    statuses = {response_status(r.value, fn.imports, fn, project) for r in returns_of(fn)}
    codes = sorted({c for kind, c in statuses if c is not None})
    if len(codes) == 1:
        return f"a {codes[0]}"
    return "the handler's own response"


def same_scope(a: str, b: str) -> bool:
    """Handlers on the same app or blueprint (an app we cannot name matches any app)."""
    return a == b or (a.startswith("app:") and b.startswith("app:") and "app:?" in (a, b))


def suggested_code(handler: ErrorHandler) -> str:
    codes = handler.codes()
    if codes:
        return str(codes[0])
    return "e.code" if "http" in handler.kinds() else "<4xx or 5xx>"


def is_spa_fallback(value: ast.expr | None, handler: ErrorHandler) -> bool:
    if 404 not in handler.codes() and not any((dotted(e) or "").endswith("NotFound") for e in handler.exceptions):
        return False
    for node in ast.walk(value) if value is not None else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_spa_page(node.value):
            return True
    return False


def _is_spa_page(path: str) -> bool:
    """``index.html`` / ``app.html``: the single-page app's shell."""
    return path.rsplit("/", 1)[-1].startswith(("index.", "app."))

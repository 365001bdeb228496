"""The error handlers an application registers, and what they do with HTTP errors.

``@app.errorhandler(Exception)`` receives ``HTTPException`` too (every 404
and 405), and whatever such a handler returns is the response: these facts
index every registration (decorators, ``register_error_handler``,
``app.errorhandler(404)(f)``, and flask-restx's ``Api``/``Namespace``
handlers) with the app, blueprint or API it belongs to, once per project;
find the subclasses that rewrite the dispatch itself (``handle_user_exception``,
``Api.handle_error``); and tell whether a handler keeps an HTTP error's own
status or fails on its own (returns ``None``, reads ``e.args[0]``).
"""

from __future__ import annotations

import ast

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.context import node_location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.errors import (
    ABORT_FUNCTIONS,
    MAKE_RESPONSE,
    RESPONSE_BUILDERS,
    RESPONSE_CLASSES,
    body_nodes,
    exception_kind,
    is_http_exception_class,
    is_log_call,
    qualify,
    response_status,
    returns_of,
)
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import BLUEPRINT_TYPES, FLASK_TYPES, CallSite, FunctionInfo, Project
from flask_doctor.static.names import ImportTable, dotted


@dataclass(eq=False)
class ErrorHandler:
    """An error handler registered on an app, a blueprint or a flask-restx API."""

    function: FunctionInfo
    owner: str  # "app:<qualname>", "app:?" (an app we cannot name), "bp:<name>" or "api:<name>" (flask-restx)
    owner_label: str  # `@app.errorhandler` / `bp.register_error_handler`
    exceptions: list[ast.expr]
    table: ImportTable
    location: Location  # the decorator or registration call
    framework: str = "flask"  # "flask", or "restx" for a flask-restx ``Api``/``Namespace`` handler

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


def _owner_type(
    project: Project, fn: FunctionInfo | None, module_name: str, name: str, table: ImportTable | None
) -> tuple[str | None, str | None]:
    """(type, qualified object name) of the object a decorator or registration call is made on."""
    probe = fn
    while probe is not None:
        if "." not in name and name in probe.local_types:
            return probe.local_types[name], None
        probe = probe.parent
    qualified = (table.qualify(name) if table is not None else None) or f"{module_name}.{name}"
    obj = project.objects.get(qualified)
    return (obj.type, qualified) if obj is not None else (None, None)


def handler_owner(
    project: Project, fn: FunctionInfo | None, module_name: str, expr: ast.expr, table: ImportTable | None
) -> tuple[str, str] | None:
    """("app:x"|"bp:x", label) for a Flask app/blueprint expression, None for anything else."""
    name = dotted(expr)
    if name is None:
        return None
    type_name, resolved = _owner_type(project, fn, module_name, name, table)
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


#: flask-restx (and its parent flask-restplus) ``Api``/``Namespace``: their ``errorhandler`` is not Flask's.
RESTX_TYPES = {
    f"{package}.{module}{cls}"
    for package in ("flask_restx", "flask_restplus")
    for module, cls in (("", "Api"), ("", "Namespace"), ("api.", "Api"), ("namespace.", "Namespace"))
}


def restx_owner(
    project: Project, fn: FunctionInfo | None, module_name: str, expr: ast.expr, table: ImportTable | None
) -> tuple[str, str] | None:
    """("api:x", label) for a flask-restx ``Api``/``Namespace`` (also ``api.namespace(...)``), None otherwise.

    Only a known type counts: an ``api`` of unknown origin may be anything.
    """
    name = dotted(expr)
    if name is None:
        return None
    type_name, resolved = _owner_type(project, fn, module_name, name, table)
    if type_name is not None and type_name.endswith(".namespace"):
        # ``ns = api.namespace("items")``: the type recorded is the factory call on the Api object
        parent = project.objects.get(type_name[: -len(".namespace")])
        type_name = parent.type if parent is not None else None
    if type_name is None or not project.is_subtype(type_name, RESTX_TYPES):
        return None
    return (f"api:{resolved or name}", name)


@project_fact
def error_handlers(project: Project) -> list[ErrorHandler]:
    """Every Flask error handler registration (decorators and ``register_error_handler``), then flask-restx's."""
    found: list[ErrorHandler] = []
    # every ``def`` by its place: a handler redefined under the same name (``@app.errorhandler(500) def
    # error_page`` then ``@app.errorhandler(404) def error_page``) stays registered, though the name now binds
    # the second
    for fn in project.function_at.values():
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
    # ``app.errorhandler(404)(page_not_found)`` calls a call: a callee with no name (``""``)
    for site in calls_named(project, ("register_error_handler", "")):
        node = site.node
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "register_error_handler" and len(node.args) >= 2:
            registry, exception, handler, label = func.value, node.args[0], node.args[1], "register_error_handler"
        elif (
            isinstance(func, ast.Call)  # ``app.errorhandler(404)(page_not_found)``
            and isinstance(func.func, ast.Attribute)
            and func.func.attr in ("errorhandler", "app_errorhandler")
            and func.args
            and len(node.args) == 1
        ):
            registry, exception, handler, label = func.func.value, func.args[0], node.args[0], func.func.attr
        else:
            continue
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        owner = handler_owner(project, site.function, site.module.name, registry, table)
        if owner is None:
            continue
        target = project.resolve_function(dotted(handler) or "", site.function, site.module)
        if target is None:
            target = _method_of_argument(project, site.function, handler)
        if target is None:
            continue
        scope = site.function.node if site.function is not None else site.module.tree
        found.append(
            ErrorHandler(
                target,
                "app:?" if label == "app_errorhandler" else owner[0],
                f"{owner[1]}.{label}",
                _loop_values(scope, node, exception) or [exception],
                table or ImportTable(),
                node_location(site.module.path, node),
            )
        )
    found.extend(_restx_handlers(project))
    return found


def _method_of_argument(project: Project, scope: FunctionInfo | None, handler: ast.expr) -> FunctionInfo | None:
    """``server.handle_error`` where ``server`` is a parameter of ``scope``: that method of the one project class
    whose instances the calls of ``scope`` pass for it (``server = TAXIIServer(config); create_app(server)``)."""
    if scope is None or not (isinstance(handler, ast.Attribute) and isinstance(handler.value, ast.Name)):
        return None
    params = [a.arg for a in scope.node.args.posonlyargs + scope.node.args.args]
    if handler.value.id not in params:
        return None
    index = params.index(handler.value.id)
    types: set[str] = set()
    for site in project.calls:
        if site.name.rsplit(".", 1)[-1] != scope.name:
            continue
        if project.canonical(site.name) != scope.qualname and (
            project.resolve_function(site.name, site.function, site.module) is not scope
        ):
            continue
        args = site.node.args
        given = (
            args[index]
            if index < len(args) and not any(isinstance(a, ast.Starred) for a in args[: index + 1])
            else next((k.value for k in site.node.keywords if k.arg == handler.value.id), None)
        )
        types.add(_instance_type(project, site, given) or "?")
    if len(types) != 1:
        return None
    class_qual = types.pop()
    if class_qual not in project.classes:
        return None
    for current in project.lineage(class_qual):
        method = project.functions.get(f"{current}.{handler.attr}")
        if method is not None:
            return method
    return None


def _instance_type(project: Project, site: CallSite, given: ast.expr | None) -> str | None:
    """The project class ``given`` is an instance of: ``TAXIIServer(...)``, or a name typed as one."""
    table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
    if isinstance(given, ast.Call):
        name = dotted(given.func) or ""
        qualified = (table.qualify(name) if table is not None else None) or f"{site.module.name}.{name}"
        return project.canonical(qualified)
    if isinstance(given, ast.Name):
        if site.function is not None and given.id in site.function.local_types:
            return site.function.local_types[given.id]
        obj = project.objects.get(f"{site.module.name}.{given.id}")
        return obj.type if obj is not None else None
    return None


def _loop_values(scope: ast.AST, call: ast.Call, name: ast.expr) -> list[ast.expr]:
    """The literal items of ``for code in (404, 500): app.register_error_handler(code, f)``, else ``[]``.

    Registering for a few listed codes covers those codes only: the loop
    variable must not count as "every HTTP error has a handler".
    """
    if not isinstance(name, ast.Name):
        return []
    for loop in ast.walk(scope):
        if (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and loop.target.id == name.id
            and isinstance(loop.iter, (ast.Tuple, ast.List, ast.Set))
            and all(isinstance(e, ast.Constant) for e in loop.iter.elts)
            and any(n is call for stmt in loop.body for n in ast.walk(stmt))
        ):
            return list(loop.iter.elts)
    return []


def _restx_handlers(project: Project) -> list[ErrorHandler]:
    """``@api.errorhandler(SomeError)`` on a flask-restx ``Api``/``Namespace``.

    The model gives these no role (they are not Flask's), so the decorators
    are read here; the bare ``@api.errorhandler`` (the default handler, which
    flask-restx never calls for an ``HTTPException``) is left out.
    """
    found: list[ErrorHandler] = []
    for fn in project.functions.values():
        for deco in fn.node.decorator_list:
            if not (
                isinstance(deco, ast.Call)
                and isinstance(deco.func, ast.Attribute)
                and deco.func.attr == "errorhandler"
                and deco.args
            ):
                continue
            table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
            owner = restx_owner(project, fn.parent, fn.module.name, deco.func.value, table)
            if owner is None:
                continue
            found.append(
                ErrorHandler(
                    fn,
                    owner[0],
                    f"@{owner[1]}.errorhandler",
                    list(deco.args[:1]),
                    table or ImportTable(),
                    node_location(fn.module.path, deco),
                    framework="restx",
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
        # ``def page(*args)`` that never reads ``args`` cannot tell a 404 from a crash; otherwise: cannot tell
        return (depth > 0 or _reads_varargs(fn)), None
    table = fn.imports
    ok, reraise = _isinstance_passes(fn.node.body, param, table)
    if ok:
        return True, None
    if _status_from_exception(fn.node.body, param):
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


def _isinstance_passes(stmts: list[ast.stmt], param: str, table: ImportTable | None) -> tuple[bool, ast.AST | None]:
    """(True, None) when ``stmts`` answer an HTTPException ``param`` apart (``if isinstance(e, HTTPException):
    return e``) or return ``param`` itself; (False, the ``raise`` under such a check) otherwise."""
    reraise: ast.AST | None = None
    partial: set[ast.AST] = set()  # the answers under ``isinstance(e, NotFound)``: for that one class only
    for node in body_nodes(stmts):
        if node in partial:
            continue
        if isinstance(node, ast.If):
            checks = [
                n
                for n in ast.walk(node.test)
                if isinstance(n, ast.Call)
                and dotted(n.func) == "isinstance"
                and len(n.args) == 2
                and dotted(n.args[0]) == param
            ]
            # ``isinstance(e, NotFound)`` lets one HTTP error through: 405s and aborts still get the generic answer
            if checks and not any(exception_kind(c.args[1], table) == "http" for c in checks):
                if all(is_http_exception_class(c.args[1], table) for c in checks):
                    partial.update(n for n in body_nodes(node.body) if isinstance(n, (ast.Return, ast.Raise)))
            if any(exception_kind(c.args[1], table) == "http" for c in checks):
                if any(isinstance(n, ast.Return) for n in body_nodes(node.body)):
                    return True, None
                raised = next((n for n in body_nodes(node.body) if isinstance(n, ast.Raise)), None)
                if raised is not None:
                    reraise = raised
                elif node.orelse and any(isinstance(n, ast.Return) for n in body_nodes(node.orelse)):
                    return True, None  # ``if not isinstance(e, HTTPException): ... else: ...``
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == param:
            return True, None
    return False, reraise


def except_passes_http(handler: ast.ExceptHandler, table: ImportTable | None) -> bool:
    """A broad ``except ... as e:`` clause that keeps an HTTPException's status: ``if isinstance(e,
    HTTPException): return e``, ``return e``, or an answer with ``getattr(e, "code", 500)``."""
    if handler.name is None:
        return False
    return _isinstance_passes(handler.body, handler.name, table)[0] or _status_from_exception(
        handler.body, handler.name
    )


def http_subclasses_passed(fn: FunctionInfo, param: str | None) -> list[str]:
    """``NotFound`` for a handler that checks ``isinstance(e, NotFound)`` (one HTTP error class, not
    ``HTTPException``) and answers that one on its own."""
    if param is None:
        return []
    found: list[str] = []
    for node in body_nodes(fn.node.body):
        if not isinstance(node, ast.If):
            continue
        for n in ast.walk(node.test):
            if (
                isinstance(n, ast.Call)
                and dotted(n.func) == "isinstance"
                and len(n.args) == 2
                and dotted(n.args[0]) == param
                and is_http_exception_class(n.args[1], fn.imports)
            ):
                found.append(ast.unparse(n.args[1]))
    return found


def _reads_varargs(fn: FunctionInfo) -> bool:
    """The handler takes ``*args`` and reads it (the exception may be looked at), or takes no ``*args`` at all
    beyond ``self`` (a method registered in an unusual way: not judged)."""
    vararg = fn.node.args.vararg
    if vararg is None:
        return bool(fn.node.args.args or fn.node.args.posonlyargs)
    return any(isinstance(n, ast.Name) and n.id == vararg.arg for n in body_nodes(fn.node.body))


_STATUS_ATTRS = ("code", "get_response", "status_code")


def _reads_status(node: ast.AST, param: str) -> bool:
    """``e.code``, ``e.get_response()``, ``getattr(e, "code", 500)`` or ``hasattr(e, "code")`` in ``node``."""
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and n.attr in _STATUS_ATTRS and dotted(n.value) == param:
            return True
        if (
            isinstance(n, ast.Call)
            and dotted(n.func) in ("getattr", "hasattr")
            and len(n.args) >= 2
            and dotted(n.args[0]) == param
        ):
            return True
    return False


def _status_from_exception(stmts: list[ast.stmt], param: str) -> bool:
    """The exception's own status reaches the answer: read in a ``return``, in a value the ``return`` sends
    (``code = e.code`` ... ``return body, code``), in a ``response.status_code = ...``, or in the test of a
    branch that returns. Read only for a log line, it changes nothing."""
    body = list(body_nodes(stmts))
    sinks: set[str] = set()
    for node in body:
        if isinstance(node, ast.Return) and node.value is not None:
            sinks |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr in ("status_code", "status") for t in node.targets
        ):
            sinks |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    assigns = [n for n in body if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and n.value is not None]
    for _ in range(3):  # ``code = e.code; status = code or 500; return body, status``
        for node in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if names & sinks:
                sinks |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}  # type: ignore[arg-type]
    for node in body:
        if isinstance(node, ast.Return) and node.value is not None and _reads_status(node.value, param):
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            to_sink = any(
                (isinstance(t, ast.Name) and t.id in sinks)
                or (isinstance(t, ast.Attribute) and t.attr in ("status_code", "status"))
                or any(isinstance(n, ast.Name) and n.id in sinks for n in ast.walk(t))
                for t in targets
            )
            if to_sink and _reads_status(node.value, param):
                return True
        if (
            isinstance(node, (ast.If, ast.IfExp))
            and _reads_status(node.test, param)
            and (isinstance(node, ast.IfExp) or any(isinstance(n, ast.Return) for n in body_nodes(node.body)))
        ):
            return True
    return False


def status_label(project: Project, fn: FunctionInfo, default: int | None = None) -> str:
    """ "a 500" when every ``return`` of the handler sends that status, else a vaguer label.

    ``default`` is the status of a return without one (flask-restx sends 500 there, Flask 200).
    """
    codes: set[int] = set()
    for ret in returns_of(fn):
        explicit = isinstance(ret.value, ast.Tuple) and len(ret.value.elts) >= 2
        if default is not None and not explicit:
            codes.add(default)
            continue
        kind, code = response_status(ret.value, fn.imports, fn, project)
        if code is not None:
            codes.add(code)
    if len(codes) == 1:
        return f"a {next(iter(codes))}"
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


# ------------------------------------------------- handlers that fail themselves
def receives_http_errors(handler: ErrorHandler) -> bool:
    """The handler is called with ``HTTPException`` instances: registered for a status code, an HTTP class,
    ``Exception`` or a variable (``for code in default_exceptions:``)."""
    if handler.framework != "flask":
        return False
    if handler.kinds() & {"code", "http", "broad", "unknown"}:
        return True
    return any(is_http_exception_class(e, handler.table) for e in handler.exceptions)


def missing_response(project: Project, fn: FunctionInfo) -> ast.AST | None:
    """A ``return``/``return None`` of the handler, or the statement after which it can end without returning.

    Flask turns a handler's ``None`` into ``TypeError`` ("did not return a
    valid response"), which is answered as a 500.  A block that ends with
    ``abort(...)``, a ``raise``, or a call we cannot follow counts as
    exiting: only an ending we can see is reported.
    """
    for node in returns_of(fn):
        if node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None):
            return node
    return _falls_through(project, fn, fn.node.body)


@project_fact
def built_classes(project: Project) -> frozenset[str]:
    """Project classes the code instantiates somewhere (``TAXII2Server(config)``)."""
    found = {obj.type for obj in project.objects.values() if obj.type in project.classes}
    for site in project.calls:
        name = project.canonical(site.name)
        if name in project.classes:
            found.add(name)
    return frozenset(found)


def delegated_missing_response(project: Project, fn: FunctionInfo) -> tuple[ast.AST, FunctionInfo, str] | None:
    """``return context.server.handle_error(e)``: a handler handing the error to a method of an object the
    code does not type, when the one project hierarchy defining that method has a built class whose
    implementation returns None (a base's placeholder that subclass does not override).

    Returns (where the implementation fails to answer, the implementation, the class that runs it).
    """
    own = set(project.lineage(fn.qualname.rsplit(".", 1)[0])) if fn.class_name else set()
    for ret in returns_of(fn):
        call = ret.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        receiver = dotted(call.func.value)
        if receiver is None or receiver.split(".")[0] in ("self", "cls", "super"):
            continue
        if project.resolve_function(dotted(call.func) or "", fn, fn.module) is not None:
            continue
        name = call.func.attr
        definers = [q for q, c in project.classes.items() if q not in own and name in c.methods]
        roots = {q for q in definers if not project.base_defines(q, name)}
        if len(roots) != 1:
            continue  # unrelated hierarchies share the name: the receiver could be any of them
        root = roots.pop()
        for class_qual in sorted(built_classes(project)):
            lineage = list(project.lineage(class_qual))
            if root not in lineage:
                continue
            implementation = next(
                (project.functions[f"{q}.{name}"] for q in lineage if f"{q}.{name}" in project.functions), None
            )
            if implementation is None or implementation is fn:
                continue
            failure = missing_response(project, implementation)
            if failure is not None:
                return failure, implementation, class_qual
    return None


#: Request-local namespaces: reading an attribute nobody set raises AttributeError.
_LOCAL_TYPES = frozenset({"werkzeug.local.Local", "werkzeug.Local", "threading.local", "_threading_local.local"})


def _local_namespace(project: Project, fn: FunctionInfo, node: ast.expr) -> str | None:
    """The qualified name of ``node`` when it is ``flask.g`` or a module-level ``Local()``/``threading.local()``."""
    name = dotted(node)
    if not name or name.split(".")[0] in ("self", "cls"):
        return None
    qualified = (fn.imports.qualify(name) if fn.imports is not None else None) or f"{fn.module.name}.{name}"
    if qualified in ("flask.g", "flask.globals.g"):
        return "flask.g"
    qualified = project.canonical(qualified)
    obj = project.objects.get(qualified)
    return qualified if obj is not None and obj.type in _LOCAL_TYPES else None


#: What an import must bind for a dotted name in its module to qualify to ``flask.g`` or ``flask.globals.g``
#: (``ImportTable.qualify`` replaces the first segment by the import's target).
_FLASK_G_TARGETS = frozenset({"flask", "flask.g", "flask.globals", "flask.globals.g"})


def _may_name_flask_g(fn: FunctionInfo) -> bool:
    """Can :func:`_local_namespace` qualify a name in ``fn`` to ``flask.g``? (Its fallback, the module's own
    name, can only in a module named ``flask`` or ``flask.globals``.)"""
    if fn.module.name in ("flask", "flask.globals"):
        return True
    return fn.imports is not None and not _FLASK_G_TARGETS.isdisjoint(fn.imports.aliases.values())


def _catches_attribute_error(handler: ast.ExceptHandler, table: ImportTable | None) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(n) or "") in ("AttributeError", "Exception", "BaseException") for n in names)


def _guarded_reads(project: Project, fn: FunctionInfo) -> list[tuple[str, str]]:
    """(namespace, attribute) that ``fn`` reads as possibly unset: in a ``try`` catching AttributeError, or through
    ``hasattr``/``getattr`` with a default."""
    found: list[tuple[str, str]] = []
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Try) and any(_catches_attribute_error(h, fn.imports) for h in node.handlers):
            for inner in body_nodes(node.body):
                if isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Load):
                    space = _local_namespace(project, fn, inner.value)
                    if space is not None:
                        found.append((space, inner.attr))
        elif (
            isinstance(node, ast.Call)
            and dotted(node.func) in ("hasattr", "getattr")
            and len(node.args) >= (2 if dotted(node.func) == "hasattr" else 3)
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            space = _local_namespace(project, fn, node.args[0])
            if space is not None:
                found.append((space, node.args[1].value))
    return found


@project_fact
def possibly_unset_locals(project: Project) -> dict[tuple[str, str], FunctionInfo]:
    """Attributes of ``g`` or a ``Local()`` the project itself reads as possibly unset: (namespace, attr) -> where.

    Left out: attributes a request hook sets (``before_request``): every view
    and every later hook sees them, so a guard elsewhere is caution only.
    """
    found: dict[tuple[str, str], FunctionInfo] = {}
    any_local = any(obj.type in _LOCAL_TYPES for obj in project.objects.values())
    guards: dict[str, bool] = {}  # module name -> its text spells a guard (searched once per module)
    for fn in project.functions.values():
        text = fn.module.text
        guarded = guards.get(fn.module.name)
        if guarded is None:
            guarded = guards[fn.module.name] = "hasattr" in text or "getattr" in text or "AttributeError" in text
        if not guarded:
            continue
        if not any_local and not _may_name_flask_g(fn):
            continue  # ``_local_namespace`` names nothing in it
        for key in _guarded_reads(project, fn):
            found.setdefault(key, fn)
    if not found:
        return found
    for fn in project.functions.values():
        if "hook" not in fn.roles:
            continue
        for node in body_nodes(fn.node.body):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                space = _local_namespace(project, fn, node.value)
                if space is not None:
                    found.pop((space, node.attr), None)
    return found


def _tests_presence(fn: FunctionInfo, attr: str) -> bool:
    """``fn`` tests whether ``attr`` is set: ``"attr" in g``, ``g.get("attr")``, ``if g.attr`` in a test."""
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Constant) and node.value == attr:
            return True  # ``"attr" in g`` / ``g.get("attr")`` / ``getattr(ctx, "attr", None)``
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            if any(isinstance(n, ast.Attribute) and n.attr == attr for n in ast.walk(node.test)):
                return True
    return False


def unset_local_read(project: Project, fn: FunctionInfo) -> tuple[ast.Attribute, FunctionInfo] | None:
    """An unguarded read in handler ``fn`` of a ``g``/``Local()`` attribute that other code of the project guards
    as possibly unset (``try: context.server except AttributeError``): (the read, the guarding function)."""
    unset = possibly_unset_locals(project)
    if not unset or _guarded_reads(project, fn):
        return None
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Try) and node.handlers:
            return None  # the handler protects something itself: not followed
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            space = _local_namespace(project, fn, node.value)
            guard = unset.get((space, node.attr)) if space is not None else None
            if guard is not None and guard is not fn and not _tests_presence(fn, node.attr):
                return node, guard
    return None


def _falls_through(project: Project, fn: FunctionInfo, body: list[ast.stmt], depth: int = 0) -> ast.AST | None:
    """The last statement of ``body`` when control can run past it, else None."""
    if not body:
        return None
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return None
    if isinstance(last, ast.If):
        if not last.orelse:
            return last
        return _falls_through(project, fn, last.body, depth) or _falls_through(project, fn, last.orelse, depth)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _falls_through(project, fn, last.body, depth)
    if isinstance(last, ast.Try) or (hasattr(ast, "TryStar") and isinstance(last, ast.TryStar)):
        if last.finalbody and _falls_through(project, fn, last.finalbody, depth) is None:
            return None
        paths = [last.orelse or last.body] + [h.body for h in last.handlers]  # type: ignore[attr-defined]
        return next((n for n in (_falls_through(project, fn, p, depth) for p in paths) if n is not None), None)
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return last if _returns_normally(project, fn, last.value, depth) else None
    if isinstance(last, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass, ast.Delete)) or (
        isinstance(last, ast.Expr) and not isinstance(last.value, (ast.Await, ast.Yield, ast.YieldFrom))
    ):
        return last
    return None  # loops, match statements, ...: not followed


def _returns_normally(project: Project, fn: FunctionInfo, call: ast.Call, depth: int) -> bool:
    """The call comes back: a logging or ``flash`` call, or a project function that does not always raise
    (``render_error(e)`` without ``return`` in front is the classic slip)."""
    if (qualify(fn.imports, call.func) or "") in ABORT_FUNCTIONS:
        return False
    name = dotted(call.func) or ""
    if name.rsplit(".", 1)[-1] in ("abort", "exit", "_exit"):
        return False
    if is_log_call(call, fn.imports) or name.rsplit(".", 1)[-1] in ("flash", "rollback", "append", "update"):
        return True
    callee = project.resolve_function(name, fn, fn.module) if depth < 2 else None
    if callee is None or callee is fn:
        return False  # a call we cannot follow may always raise
    if any(isinstance(n, ast.Return) for n in body_nodes(callee.node.body)):
        return True
    return _falls_through(project, callee, callee.node.body, depth + 1) is not None


#: Calls whose result is the text of the exception being handled.
_TRACEBACK_TEXT = frozenset({"traceback.format_exc", "traceback.format_exception"})


def exception_text(expr: ast.expr, param: str) -> bool:
    """``expr`` carries the handled exception's text: ``str(e)``, ``repr(e)``, ``f"...{e}"``, ``e.args``,
    ``"%s" % e``/``"{}".format(e)`` or ``traceback.format_exc()``."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            if name in ("str", "repr") and node.args and _names(node.args[0], param):
                return True
            if name in _TRACEBACK_TEXT or name.endswith(".format") and any(_names(a, param) for a in node.args):
                return True
        elif isinstance(node, ast.FormattedValue) and _names(node.value, param):
            return True
        elif isinstance(node, ast.Attribute) and node.attr == "args" and _names(node.value, param):
            return True
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _names(node.right, param):
            return True
    return False


def _names(expr: ast.expr, param: str) -> bool:
    """``expr`` is the parameter itself (or a tuple holding it)."""
    if isinstance(expr, ast.Tuple):
        return any(_names(e, param) for e in expr.elts)
    return isinstance(expr, ast.Name) and expr.id == param


def generic_text(expr: ast.expr) -> bool:
    """A fixed message: a string literal, or a translation call on one (``_("Something went wrong")``)."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
        return isinstance(expr.args[0], ast.Constant) and isinstance(expr.args[0].value, str)
    return False


def debug_polarity(test: ast.expr) -> bool | None:
    """True for a test that holds in debug mode (``app.debug``, ``config["DEBUG"]``), False for its negation
    (``not app.debug``), None for a test that is not about the debug flag alone."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = debug_polarity(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Attribute) and test.attr.lower() == "debug":
        return True
    if isinstance(test, ast.Name) and test.id.lower() == "debug":
        return True
    if isinstance(test, ast.Subscript) and isinstance(test.slice, ast.Constant) and test.slice.value == "DEBUG":
        return True
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Attribute)
        and test.func.attr == "get"
        and test.args
        and isinstance(test.args[0], ast.Constant)
        and test.args[0].value == "DEBUG"
    ):
        return True
    return None


def empty_args_read(fn: FunctionInfo, param: str | None) -> ast.Subscript | None:
    """``e.args[0]`` outside any guard: an ``HTTPException`` (and the ``InternalServerError`` Flask wraps an
    unhandled error in) carries no ``args``, so the read raises ``IndexError`` inside the handler."""
    if param is None:
        return None
    return _unguarded_args_read(fn.node.body, param)


def _unguarded_args_read(stmts: list[ast.stmt], param: str) -> ast.Subscript | None:
    """The first ``param.args[<n>]`` in ``stmts`` that no test on ``param`` guards."""
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, ast.Try) and stmt.handlers:
            continue  # whatever the try catches, a read inside it may be expected to fail
        if isinstance(stmt, (ast.If, ast.While)) and _mentions(stmt.test, param):
            if isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
                return None  # ``if isinstance(e, HTTPException): return e``: the rest sees other errors only
            continue  # ``if e.args:`` / ``if isinstance(e, MyError):`` guard the branch
        for value in ast.iter_child_nodes(stmt):
            if not isinstance(value, (ast.stmt, ast.excepthandler)):
                found = _args_read_in(value, param)
                if found is not None:
                    return found
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                found = _unguarded_args_read(inner, param)
                if found is not None:
                    return found
    return None


def _args_read_in(expr: ast.AST, param: str) -> ast.Subscript | None:
    """``param.args[<n>]`` in an expression, outside ``x if test else y`` and ``test and x`` guards."""
    if isinstance(expr, ast.Lambda):
        return None
    if isinstance(expr, ast.IfExp) and _mentions(expr.test, param):
        return None
    if isinstance(expr, ast.BoolOp) and any(_mentions(v, param) for v in expr.values[:-1]):
        return None
    if (
        isinstance(expr, ast.Subscript)
        and isinstance(expr.value, ast.Attribute)
        and expr.value.attr == "args"
        and dotted(expr.value.value) == param
        and isinstance(expr.slice, ast.Constant)
        and isinstance(expr.slice.value, int)
    ):
        return expr
    for child in ast.iter_child_nodes(expr):
        if not isinstance(child, ast.stmt):  # keywords and comprehensions too
            found = _args_read_in(child, param)
            if found is not None:
                return found
    return None


def _mentions(test: ast.expr, param: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == param for n in ast.walk(test))


# ------------------------------------------- overridden exception dispatch
#: Methods that receive every HTTPException of the app (Flask) or of the API's resources (flask-restful/restx).
FLASK_DISPATCH = ("handle_user_exception", "handle_http_exception")
API_DISPATCH = ("handle_error",)
API_TYPES = RESTX_TYPES | {"flask_restful.Api", "flask_restful.__init__.Api"}


@project_fact
def dispatch_overrides(project: Project) -> list[FunctionInfo]:
    """``handle_user_exception``/``handle_http_exception`` of a Flask subclass and ``handle_error`` of a
    flask-restful/restx ``Api`` subclass that replace the library's dispatch (no ``super()`` call)."""
    found: list[FunctionInfo] = []
    for cls in project.classes.values():
        if project.is_subtype(cls.qualname, FLASK_TYPES):
            names: tuple[str, ...] = FLASK_DISPATCH
        elif project.is_subtype(cls.qualname, API_TYPES) and not _routes_around_handle_error(project, cls.qualname):
            names = API_DISPATCH
        else:
            continue
        for name in names:
            method = cls.methods.get(name)
            if method is not None and not _delegates(method, name):
                found.append(method)
    return found


def _routes_around_handle_error(project: Project, class_qual: str) -> bool:
    """An ``error_router`` of the class (or a project base) that never calls ``handle_error``: it is dead code."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        router = cls.methods.get("error_router") if cls is not None else None
        if router is not None:
            return not _delegates(router, "handle_error")
    return False


def _delegates(method: FunctionInfo, name: str) -> bool:
    """``super().name(...)`` or ``Base.name(self, ...)``: the library still dispatches what the override passes."""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
        for n in body_nodes(method.node.body)
    )


#: Extensions that register an app-wide ``HTTPException`` handler themselves (JSON error bodies).
_HTTP_HANDLING_EXTENSIONS = {"flask_smorest.Api", "flask_smorest.api.Api"}
_HTTP_HANDLING_APPS = {"apiflask.APIFlask", "apiflask.app.APIFlask"}


@project_fact
def extension_handles_http(project: Project) -> bool:
    """flask-smorest's ``Api`` (and an ``APIFlask`` app unless ``json_errors=False``) registers its own
    ``errorhandler(HTTPException)``: the more specific handler wins over an app's ``errorhandler(Exception)``."""
    for obj in project.objects.values():
        if project.is_subtype(obj.type, _HTTP_HANDLING_EXTENSIONS):
            return True
        if project.is_subtype(obj.type, _HTTP_HANDLING_APPS) and not any(
            k.arg == "json_errors" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in obj.call.keywords
        ):
            return True
    return False

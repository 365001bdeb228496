"""Exception-handling facts: what an ``except`` catches, what a ``return`` sends.

Flask already turns an unhandled exception into a 500 and keeps serving; the
bugs are in the code that *handles* errors: a broad ``except`` that also
catches the ``HTTPException`` of an ``abort(404)``, an ``except: pass`` that
makes a failed database write vanish, an error page sent with status 200.
These facts answer the questions such code raises -- which exceptions a
clause catches, whether its body is silent or logs, which HTTP status a
``return`` sends -- for the error rules (FD501-FD504) and the task rules
(``facts.tasks``) alike.  The registered error handlers themselves are in
``facts.error_handlers``.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from collections.abc import Iterator

from flask_doctor.static.context import Context
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.orm import mongo
from flask_doctor.static.facts.orm.queries import EXECUTE, query_of
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.syntax import all_child_nodes

BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
HTTP_EXCEPTION = {
    "werkzeug.exceptions.HTTPException",
    "werkzeug.HTTPException",
    "flask.HTTPException",
}
ABORT_FUNCTIONS = {
    "flask.abort",
    "flask.helpers.abort",
    "werkzeug.exceptions.abort",
    "werkzeug.abort",
    "flask_restx.abort",
    "flask_restful.abort",
    "flask_smorest.abort",
    "flask_restplus.abort",
    "apiflask.abort",
}
ABORTING_METHODS = {"get_or_404", "first_or_404", "one_or_404", "send_static_file"}
#: Flask/Werkzeug helpers that raise NotFound for a missing file (not FileNotFoundError).
NOT_FOUND_RAISERS = {
    "flask.send_from_directory",
    "flask.helpers.send_from_directory",
    "werkzeug.utils.send_from_directory",
}
RESPONSE_BUILDERS = {
    "flask.render_template",
    "flask.templating.render_template",
    "flask.render_template_string",
    "flask.templating.render_template_string",
    "flask.jsonify",
    "flask.json.jsonify",
    "flask_themes2.render_theme_template",
    "flask_themes.render_theme_template",
}
MAKE_RESPONSE = {"flask.make_response", "flask.helpers.make_response"}
#: ``jsonify(*args, **kwargs)``: serialises its positional or its keyword arguments (TypeError for both).
JSONIFY = {"flask.jsonify", "flask.json.jsonify"}
RESPONSE_CLASSES = {
    "flask.Response",
    "flask.wrappers.Response",
    "werkzeug.Response",
    "werkzeug.wrappers.Response",
    "werkzeug.wrappers.response.Response",
}
LOG_HEADS = {"logger", "log", "logging", "_logger", "_log", "LOG", "LOGGER", "app_logger"}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}


def body_nodes(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under ``stmts`` except inside nested functions, lambdas and classes."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(all_child_nodes(node)):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            stack.append(child)


def qualify(table: ImportTable | None, node: ast.AST) -> str | None:
    name = dotted(node)
    if name is None:
        return None
    qualified = table.qualify(name) if table is not None else None
    return qualified or name


def exception_kind(expr: ast.expr | None, table: ImportTable | None) -> str:
    """'broad' (bare/Exception/BaseException), 'http' (HTTPException) or 'narrow'."""
    if expr is None:
        return "broad"
    if isinstance(expr, ast.Tuple):
        kinds = {exception_kind(e, table) for e in expr.elts}
        return "broad" if "broad" in kinds else ("http" if "http" in kinds else "narrow")
    name = dotted(expr)
    if name is None:
        return "narrow"
    qualified = table.qualify(name) if table is not None else None
    if qualified is None and name in BROAD:
        return "broad"
    full = qualified or name
    if full in BROAD:
        return "broad"
    if full in HTTP_EXCEPTION or full.endswith(".HTTPException") or full == "HTTPException":
        return "http"
    return "narrow"


def is_http_exception_class(expr: ast.expr, table: ImportTable | None) -> bool:
    """HTTPException or any werkzeug HTTP error class (NotFound, BadRequest...)."""
    if isinstance(expr, ast.Tuple):
        return any(is_http_exception_class(e, table) for e in expr.elts)
    full = qualify(table, expr) or ""
    return exception_kind(expr, table) == "http" or full.startswith("werkzeug.exceptions.")


def handler_label(handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return f"except {ast.unparse(handler.type)}:"


def is_log_call(call: ast.Call, table: ImportTable | None) -> bool:
    """``logger.exception(...)``, ``current_app.logger.error``, ``print``, Sentry capture..."""
    name = dotted(call.func) or ""
    full = qualify(table, call.func) or name
    parts = name.split(".")
    if name in ("print", "traceback.print_exc", "traceback.print_exception") or full.startswith("traceback.print"):
        return True
    if full.startswith(("sentry_sdk.capture", "raven.", "rollbar.report", "bugsnag.notify")) or parts[-1] in (
        "capture_exception",
        "capture_message",
        "captureException",
        "report_exc_info",
        "notify",
    ):
        return True
    if full.startswith(("logging.", "warnings.warn")):
        return True
    if (
        len(parts) >= 2
        and parts[-1] in LOG_METHODS
        and (parts[-2] in LOG_HEADS or parts[-2].lower().endswith(("logger", "log")))
    ):
        return True
    return name.endswith((".stderr.write", ".stdout.write"))


def contains_raise(stmts: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Raise) for n in body_nodes(stmts))


def is_inert(stmt: ast.stmt) -> bool:
    """``pass``, ``...``, a bare string, ``continue``/``break``."""
    if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def is_rollback(stmt: ast.stmt) -> bool:
    """``db.session.rollback()`` (any ``<x>.rollback()`` call on its own): it undoes the write but tells no one."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "rollback"
        and not stmt.value.args
    )


def response_status(
    expr: ast.expr | None,
    table: ImportTable | None,
    fn: FunctionInfo | None = None,
    project: Project | None = None,
    depth: int = 0,
) -> tuple[str, int | None]:
    """What a ``return`` sends: ('success', 200) / ('error', code) / ('unknown', None).

    Only builders whose status is certain count as success: a Flask
    ``render_template``/``jsonify``/``make_response``/``Response`` without a
    status, a literal string/dict/list, or an explicit 2xx in a tuple.
    """
    if expr is None:
        return ("unknown", None)
    if isinstance(expr, ast.Tuple) and len(expr.elts) >= 2:
        second = expr.elts[1]
        if isinstance(second, ast.Constant) and isinstance(second.value, int) and not isinstance(second.value, bool):
            code = second.value
            return ("success" if 200 <= code < 300 else "error", code)
        if isinstance(second, ast.Constant) and isinstance(second.value, str) and second.value[:3].isdigit():
            code = int(second.value[:3])
            return ("success" if 200 <= code < 300 else "error", code)
        if (
            isinstance(second, ast.Dict)
            and len(expr.elts) == 2
            and response_status(expr.elts[0], table, fn)[0] == "success"
        ):
            return ("success", 200)
        return ("unknown", None)
    if isinstance(expr, (ast.JoinedStr, ast.Dict, ast.List)) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes))
    ):
        return ("success", 200)
    if _builds_text(expr, table):
        return ("success", 200)  # ``"failed: %s" % e``, ``str(e)``, ``json.dumps(...)``: a body, status 200
    if isinstance(expr, ast.Call):
        full = qualify(table, expr.func) or ""
        if full in RESPONSE_BUILDERS:
            return ("success", 200)
        if full in MAKE_RESPONSE:
            if len(expr.args) == 1 and not expr.keywords:
                inner = expr.args[0]
                if isinstance(inner, ast.Tuple):
                    return response_status(inner, table, fn, project, depth)
                return response_status(inner, table, fn, project, depth)
            if len(expr.args) >= 2:
                return response_status(ast.Tuple(elts=list(expr.args[:2]), ctx=ast.Load()), table, fn)
            return ("unknown", None)
        if full in RESPONSE_CLASSES:
            positional = expr.args[1] if len(expr.args) >= 2 else None
            status = next((kw.value for kw in expr.keywords if kw.arg == "status"), positional)
            if status is None and not any(kw.arg is None for kw in expr.keywords):
                return ("success", 200)
            if (
                isinstance(status, ast.Constant)
                and isinstance(status.value, (int, str))
                and str(status.value)[:3].isdigit()
            ):
                code = int(str(status.value)[:3])
                return ("success" if 200 <= code < 300 else "error", code)
            return ("unknown", None)
        if project is not None and fn is not None and depth < 2:
            # a project wrapper such as ``render_page(...)`` that only returns rendered pages
            callee = project.resolve_function(dotted(expr.func) or "", fn, fn.module)
            if callee is not None and callee is not fn:
                rets = [r for r in returns_of(callee)]
                if rets and all(
                    response_status(r.value, callee.imports, callee, project, depth + 1)[0] == "success" for r in rets
                ):
                    return ("success", 200)
        return ("unknown", None)
    if isinstance(expr, ast.Name) and fn is not None:
        return _local_response_status(expr.id, table, fn)
    return ("unknown", None)


_TEXT_BUILDERS = {"str", "json.dumps", "flask.json.dumps", "simplejson.dumps", "ujson.dumps"}


def _builds_text(expr: ast.expr, table: ImportTable | None) -> bool:
    """A string built in place: ``"..." % x``, ``"..." + x``, ``"...".format(x)``, ``str(x)``, ``json.dumps(x)``."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mod, ast.Add)):
        left = expr.left
        return (
            (isinstance(left, ast.Constant) and isinstance(left.value, str))
            or isinstance(left, ast.JoinedStr)
            or _builds_text(left, table)
        )
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
        name = dotted(func) or ""
        return (table.qualify(name) if table is not None else None) in _TEXT_BUILDERS or (
            name == "str" and (table is None or table.qualify(name) is None)
        )
    return False


def _local_response_status(name: str, table: ImportTable | None, fn: FunctionInfo) -> tuple[str, int | None]:
    """``resp = jsonify(...); return resp`` — success unless its status is set afterwards."""
    values: list[ast.expr] = []
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif (
                    isinstance(target, ast.Attribute)
                    and dotted(target.value) == name
                    and target.attr in ("status_code", "status")
                ) or (
                    isinstance(target, (ast.Tuple, ast.List))
                    and any(isinstance(e, ast.Name) and e.id == name for e in target.elts)
                ):
                    return ("unknown", None)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and dotted(node.target) == name:
            return ("unknown", None)
        elif isinstance(node, (ast.For, ast.With, ast.AsyncFor, ast.AsyncWith, ast.NamedExpr)):
            targets = (
                [node.target]
                if isinstance(node, (ast.For, ast.AsyncFor, ast.NamedExpr))
                else [i.optional_vars for i in node.items if i.optional_vars is not None]
            )
            if any(name in {n.id for n in ast.walk(t) if isinstance(n, ast.Name)} for t in targets):
                return ("unknown", None)
    if name in {a.arg for a in fn.node.args.args + fn.node.args.kwonlyargs + fn.node.args.posonlyargs}:
        return ("unknown", None)
    if not values:
        return ("unknown", None)
    statuses = [response_status(v, table, None) for v in values]
    if all(s[0] == "success" for s in statuses):
        return ("success", 200)
    return ("unknown", None)


def exception_answer_status(
    expr: ast.expr | None, handler: FunctionInfo, classes: list[ast.expr], project: Project
) -> tuple[str, int | None]:
    """What ``return error.render()`` sends in an error handler, ``error`` being its exception parameter and
    ``render`` a method of the project exception class it handles: ('success', 200) when every ``return`` of that
    method builds a body without a status (a JSON or XML string, a dict), ('unknown', None) otherwise."""
    if not (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and isinstance(expr.func.value, ast.Name)
        and not expr.args
        and not expr.keywords
    ):
        return ("unknown", None)
    params = handler.node.args.posonlyargs + handler.node.args.args
    if handler.class_name and params:
        params = params[1:]  # a method registered as handler: its first parameter is ``self``
    if not params or expr.func.value.id != params[0].arg:
        return ("unknown", None)
    for exc in classes:
        name = dotted(exc) or ""
        qualified = handler.imports.qualify(name) if name else None
        if qualified not in project.classes:
            qualified = f"{handler.module.name}.{name}"
        if qualified not in project.classes:
            continue
        method = next(
            (
                project.classes[c].methods[expr.func.attr]
                for c in project.lineage(qualified)
                if c in project.classes and expr.func.attr in project.classes[c].methods
            ),
            None,
        )
        rets = returns_of(method) if method is not None else []
        if rets and all(
            response_status(r.value, method.imports, method, project)[0] == "success"  # type: ignore[union-attr]
            for r in rets
        ):
            return ("success", 200)
    return ("unknown", None)


def returns_of(fn: FunctionInfo) -> list[ast.Return]:
    return [n for n in body_nodes(fn.node.body) if isinstance(n, ast.Return)]


# ------------------------------------------------------ try blocks (FD503)
DB_WRITE_METHODS = {"commit", "flush"}


def view_success_return(stmt: ast.stmt, ctx: Context) -> bool:
    if not isinstance(stmt, ast.Return) or ctx.function is None or "view" not in ctx.function.roles:
        return False
    return response_status(stmt.value, ctx.function.imports, ctx.function, ctx.project)[0] == "success"


#: Comment markers that are directives to tools (or to this project's examples), or that own the silence as a
#: defect to fix later: not an explanation of a choice.
_TOOL_COMMENTS = (
    "noqa",
    "type:",
    "pragma",
    "nosec",
    "pylint",
    "expect",
    "fmt:",
    "nocover",
    "no cover",
    "todo",
    "fixme",
    "xxx",
    "hack",
    "bug",
)


def explained_silence(handler: ast.ExceptHandler, lines: list[str]) -> bool:
    """The silent ``except`` says why it is silent: a comment in it of two words or more
    (``pass  # never fail the request over an access-log row``), not a tool directive (``# noqa``).

    The author chose to drop the failure and wrote down the reason: the code is best-effort by design.
    """
    end = handler.end_lineno or handler.lineno
    text = textwrap.dedent("\n".join(lines[handler.lineno - 1 : end])) + "\n"
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        words = token.string.lstrip("#").strip()
        if len(words.split()) >= 2 and not words.lower().startswith(_TOOL_COMMENTS):
            return True
    return False


def answer_carries_exception(expr: ast.expr | None, handler: ast.ExceptHandler) -> bool:
    """The answer an ``except`` sends carries the caught exception (``{"ok": False, "message": str(exc)}``):
    its text reaches whoever made the request."""
    if expr is None or handler.name is None:
        return False
    return any(isinstance(node, ast.Name) and node.id == handler.name for node in ast.walk(expr))


_DB_RECEIVERS = {"db", "sess", "conn", "connection", "con", "cnx", "database", "mydb", "dbconn", "db_conn"}
_DDL = ("alter ", "create ", "drop ")


def _is_ddl(text: str) -> bool:
    return text.strip().lower().startswith(_DDL)


def _connections(stmts: list[ast.stmt]) -> set[str]:
    """Names bound in ``stmts`` to a DB-API connection: ``conn2 = sqlite3.connect(path)``."""
    return {
        target.id
        for node in body_nodes(stmts)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and (dotted(node.value.func) or "").rsplit(".", 1)[-1] == "connect"
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def db_write(stmts: list[ast.stmt], ctx: Context | None = None) -> ast.Call | None:
    """``db.session.commit()`` / ``conn.commit()`` / ``session.flush()`` in ``stmts`` (not in nested functions),
    or, with ``ctx``, a MongoDB write (``users.update_one(...)``) on a collection the project's Mongo facts know.

    The receiver of ``commit()`` counts when it is spelt like a session or connection (``conn``, ``conn2``,
    ``db_session``) or was bound in ``stmts`` from a ``connect(...)`` call. A ``try`` that runs DDL
    (``ALTER TABLE ... ADD COLUMN``) is the idempotent-migration idiom ("the column already exists") and does
    not count.
    """
    found = None
    connections: set[str] | None = None
    for node in body_nodes(stmts):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_ddl(node.value):
            return None
        if found is not None or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr in DB_WRITE_METHODS:
            spelt = dotted(node.func.value) or ""
            receiver = spelt.rsplit(".", 1)[-1].lower()
            if receiver.endswith("session") or receiver.rstrip("0123456789_") in _DB_RECEIVERS:
                found = node
                continue
            if connections is None:
                connections = _connections(stmts)
            if spelt in connections:
                found = node
        elif ctx is not None and node.func.attr in mongo.WRITES and mongo.collection_of(node.func.value, ctx):
            found = node
    return found


#: DB-API cursor reads: their rows are the result whatever the query was.
_CURSOR_READS = frozenset({"fetchall", "fetchone", "fetchmany"})


def swallowed_read(node: ast.Try, ctx: Context) -> tuple[ast.Call, ast.Return] | None:
    """A view's top-level ``try`` that reads the database (``Item.query...all()``, ``cur.fetchall()``) and whose
    silent ``except`` lets the view carry on to its normal answer: the query, and the answer sent without its
    rows (200 OK, the defaults set before the ``try``), else ``None``.

    Only a ``try`` straight in the view's body whose last statement after it is a success ``return`` counts: a
    failed read then reaches the client as an empty or partial result.
    """
    fn = ctx.function
    if fn is None or "view" not in fn.roles or node not in fn.node.body:
        return None
    after = fn.node.body[fn.node.body.index(node) + 1 :]
    if not after or not view_success_return(after[-1], ctx):
        return None
    if any(isinstance(n, (ast.Return, ast.Raise)) for n in body_nodes(after[:-1])):
        return None  # another answer decides first
    if _answer_has_other_content(after[-1].value, node, fn):  # type: ignore[attr-defined]
        return None  # the read fills one optional part of a page the view built from other data
    for call in body_nodes(node.body):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr in _CURSOR_READS or (call.func.attr in EXECUTE and query_of(call, ctx) is not None):
            return call, after[-1]  # type: ignore[return-value]
    return None


def _answer_has_other_content(answer: ast.expr | None, node: ast.Try, fn: FunctionInfo) -> bool:
    """The answer also carries data the view built outside ``node``: an argument (or a value of the dict it
    answers) that calls something (``subnets6=load_v6()``) or names a local variable the ``try`` does not bind
    (``subnets=subnet_rows``).
    The read in ``node`` then fills one part of the page (a notes panel, a sidebar), and the page still shows
    its main content when it fails."""
    if not isinstance(answer, ast.Call):
        return False
    bound_in_try: set[str] = set()
    for n in body_nodes(node.body):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            bound_in_try.add(n.id)  # ``rows = ...``
        elif isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store):
            bound_in_try.add(dotted(n.value) or "")  # ``payload["rows"] = ...``
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            bound_in_try.add(dotted(n.func.value) or "")  # ``notes.update(...)``, ``rows.append(...)``
    local = {
        n.id for n in body_nodes(fn.node.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    } - bound_in_try
    values: list[ast.expr] = [kw.value for kw in answer.keywords if kw.arg is not None]
    for arg in answer.args:  # a template's name is a constant; a dict answer's values are its parts
        values.extend(arg.values if isinstance(arg, ast.Dict) else [arg])
    for value in values:
        names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        if names & bound_in_try:
            continue
        if names & local or any(isinstance(n, ast.Call) for n in ast.walk(value)):
            return True
    return False


# ------------------------------------------------ health checks (FD503)
#: URL path segments of health-check endpoints: Kubernetes' ``/healthz``, ``/livez``, ``/readyz`` and the
#: ``/health``/``/healthcheck`` of load balancers and uptime monitors; probes judge them by status alone.
HEALTH_SEGMENTS = frozenset(
    {
        "health",
        "healthz",
        "healthcheck",
        "health-check",
        "health_check",
        "livez",
        "readyz",
        "liveness",
        "readiness",
    }
)


def health_check_rule(fn: FunctionInfo) -> str | None:
    """The URL rule of ``fn`` when it serves a health check (a path segment such as ``health`` or ``readyz``)."""
    for route in fn.routes:
        segments = [s.lower() for s in (route.rule or "").split("/")]
        if any(s in HEALTH_SEGMENTS for s in segments):
            return route.rule
    return None


# ----------------------------------------------- HTTP errors raised (FD504)
#: Calls that only read or convert a value: a failure of theirs changes nothing that a fallback hides.
PARSE_NAMES = {
    "int",
    "float",
    "str",
    "bool",
    "bytes",
    "len",
    "decode",
    "encode",
    "loads",
    "load",
    "parse",
    "strptime",
    "fromisoformat",
    "fromtimestamp",
    "literal_eval",
    "Decimal",
    "UUID",
    "b64decode",
    "urlsafe_b64decode",
    "b64encode",
    "urlsafe_b64encode",
    "unquote",
    "unquote_plus",
    "urlparse",
    "urlsplit",
    "parse_qs",
    "strip",
    "split",
    "lower",
    "upper",
    "format",
    "get",
    "getlist",
    "get_json",
    "isoformat",
    "match",
    "search",
    "fullmatch",
    "compile",
    "escape",
    "quote",
    "normalize",
    "hexdigest",
    "sha256",
    "md5",
    "to_dict",
    "json",
}


def only_parses(stmts: list[ast.stmt]) -> bool:
    """The statements only read, convert and return values (``return base64.b64decode(v).decode()``).

    A broad ``except`` after such a block that answers with a fallback hides
    no lost write: the worst case is the fallback text, which is the point.
    """
    for node in body_nodes(stmts):
        if isinstance(node, (ast.Delete, ast.AugAssign, ast.Global, ast.Nonlocal, ast.With, ast.AsyncWith)):
            return False
        if isinstance(node, ast.Call):
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if not name and isinstance(node.func, ast.Attribute):
                name = node.func.attr
            if name not in PARSE_NAMES:
                return False
    return True


#: Calls that only wrap what a view answers.
_ANSWER_BUILDERS = {"jsonify", "make_response", "Response", "render_template", "redirect", "url_for"}


def only_parses_or_aborts(stmts: list[ast.stmt], fn: FunctionInfo, project: Project, depth: int = 0) -> bool:
    """As :func:`only_parses`, ``abort(...)`` calls aside, and calls of project helpers that themselves only
    parse or abort: the block can fail only on its input or on purpose, never on a database, a service or a bug
    elsewhere."""
    for node in body_nodes(stmts):
        if isinstance(node, (ast.Delete, ast.AugAssign, ast.Global, ast.Nonlocal, ast.With, ast.AsyncWith)):
            return False
        if not isinstance(node, ast.Call) or (qualify(fn.imports, node.func) or "") in ABORT_FUNCTIONS:
            continue
        name = dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1] if name else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        if last in PARSE_NAMES or last in _ANSWER_BUILDERS:
            continue
        callee = project.resolve_function(name, fn, fn.module) if name and depth < 2 else None
        if callee is None or callee is fn or not only_parses_or_aborts(callee.node.body, callee, project, depth + 1):
            return False
    return True


def http_raisers(stmts: list[ast.stmt], table: ImportTable | None) -> Iterator[ast.AST]:
    """abort()/get_or_404()/raise NotFound() in ``stmts``, not inside nested try blocks."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Try)):
            continue
        if isinstance(node, ast.Call):
            full = qualify(table, node.func) or ""
            if (
                full in ABORT_FUNCTIONS
                or full in NOT_FOUND_RAISERS
                or (isinstance(node.func, ast.Attribute) and node.func.attr in ABORTING_METHODS)
            ):
                yield node
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            full = qualify(table, exc) or ""
            if (table is not None and table.qualify(dotted(exc) or "")) and (
                full.startswith("werkzeug.exceptions.") or full in HTTP_EXCEPTION
            ):
                yield node
        stack.extend(reversed(all_child_nodes(node)))


def _calls_outside_try(stmts: list[ast.stmt]) -> Iterator[ast.Call]:
    """Calls in ``stmts``, not inside nested functions or nested try blocks (as :func:`http_raisers` walks)."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Try)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(reversed(all_child_nodes(node)))


def _restx_abort(project: Project, fn: FunctionInfo, call: ast.Call) -> bool:
    """``api.abort(404)`` / ``ns.abort(404)`` on a flask-restx ``Api``/``Namespace``: raises an HTTPException."""
    from flask_doctor.static.facts.error_handlers import restx_owner  # error_handlers builds on this module

    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "abort":
        return False
    return restx_owner(project, fn, fn.module.name, func.value, fn.imports) is not None


def project_http_raisers(
    project: Project, fn: FunctionInfo, stmts: list[ast.stmt], depth: int = 0, *, follow: bool = True
) -> Iterator[tuple[ast.AST, ast.AST, FunctionInfo | None]]:
    """(node in ``stmts``, raiser, helper) for what raises an HTTPException in ``stmts`` of ``fn``:
    :func:`http_raisers`, flask-restx ``api.abort(...)``, and (with ``follow``) calls of project functions (two
    levels deep) that abort outside a ``try`` of their own; ``helper`` is the function the raiser is in (None
    when in ``stmts``)."""
    table = fn.imports
    for raiser in http_raisers(stmts, table):
        yield raiser, raiser, None
    seen: set[str] = set()
    for call in _calls_outside_try(stmts):
        if _restx_abort(project, fn, call):
            yield call, call, None
            continue
        if not follow or depth >= 2 or isinstance(call.func, ast.Attribute) and call.func.attr in ABORTING_METHODS:
            continue
        name = dotted(call.func)
        callee = project.resolve_function(name, fn, fn.module) if name else None
        if callee is None or callee is fn or callee.qualname in seen or isinstance(callee.node, ast.Lambda):
            continue
        seen.add(callee.qualname)
        inner = next(iter(project_http_raisers(project, callee, callee.node.body, depth + 1)), None)
        if inner is not None:
            yield call, inner[1], inner[2] or callee


@project_fact
def decorated_views(project: Project) -> dict[str, list[FunctionInfo]]:
    """Project decorator function -> the views it is applied to (``@json_errors`` above a route)."""
    found: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if "view" not in fn.roles or isinstance(fn.node, ast.Lambda):
            continue
        for deco in fn.node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = dotted(target)
            decorator = project.resolve_function(name, fn.parent, fn.module) if name else None
            if decorator is not None and decorator is not fn:
                found.setdefault(decorator.qualname, []).append(fn)
    return found


def wrapped_view_raisers(
    project: Project, fn: FunctionInfo, stmts: list[ast.stmt]
) -> Iterator[tuple[ast.Call, ast.AST, FunctionInfo]]:
    """(call, raiser, view) for ``return view(*args, **kwargs)`` in ``stmts`` of a decorator's inner function
    ``fn`` (``view`` the decorator's parameter), one for each view it is applied to that raises an HTTPException
    (``abort(404)``, ``get_or_404()``, a helper that aborts) outside a ``try`` of its own."""
    outer = fn.parent
    if outer is None or isinstance(outer.node, ast.Lambda):
        return
    params = {a.arg for a in outer.node.args.posonlyargs + outer.node.args.args}
    calls = [c for c in _calls_outside_try(stmts) if isinstance(c.func, ast.Name) and c.func.id in params]
    if not calls:
        return
    for view in decorated_views(project).get(outer.qualname, ()):
        inner = next(iter(project_http_raisers(project, view, view.node.body)), None)
        if inner is not None:
            yield calls[0], inner[1], inner[2] or view


_STATUS_NAMES = {
    "INTERNAL_SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
    "BAD_GATEWAY": 502,
    "NOT_FOUND": 404,
    "FORBIDDEN": 403,
    "UNAUTHORIZED": 401,
    "BAD_REQUEST": 400,
    "CONFLICT": 409,
}


def status_of(node: ast.expr | None) -> int | None:
    """``500``, ``HTTPStatus.NOT_FOUND``, ``HTTP_STATUS_CODE_INTERNAL_SERVER_ERROR`` -> the code."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    name = (dotted(node) or "").upper() if node is not None else ""
    for key, code in _STATUS_NAMES.items():
        if name.endswith(key):
            return code
    return None


def raised_code(raiser: ast.AST, table: ImportTable | None = None) -> int | None:
    if isinstance(raiser, ast.Call) and isinstance(raiser.func, ast.Attribute) and raiser.func.attr in ABORTING_METHODS:
        return 404
    if isinstance(raiser, ast.Call) and (qualify(table, raiser.func) or "") in NOT_FOUND_RAISERS:
        return 404
    if isinstance(raiser, ast.Call):
        return status_of(raiser.args[0]) if raiser.args else None
    return None


def handler_codes(handler: ast.ExceptHandler, table: ImportTable | None) -> list[int]:
    """Statuses the handler answers with (its ``abort(...)`` calls and returned tuples); empty when unknown."""
    codes: list[int] = []
    for node in body_nodes(handler.body):
        if isinstance(node, ast.Call) and (qualify(table, node.func) or "") in ABORT_FUNCTIONS and node.args:
            code = status_of(node.args[0])
            if code is None:
                return []
            codes.append(code)
        elif isinstance(node, ast.Return):
            _kind, code = response_status(node.value, table)
            if code is None and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
                code = status_of(node.value.elts[1])
            if code is None:
                return []
            codes.append(code)
    return codes


# ----------------------------------------- broad excepts that answer 5xx (FD503)
#: Flask-AppBuilder's REST base: ``self.response_500(...)``/``self.response(500, ...)`` build a JSON answer, no log.
FAB_API_TYPES = {"flask_appbuilder.api.BaseApi", "flask_appbuilder.BaseApi", "flask_appbuilder.api.ModelRestApi"}


def _fab_response(call: ast.Call, fn: FunctionInfo | None, project: Project | None) -> int | None:
    """The status of ``self.response_500(...)``/``self.response(503, ...)`` in a Flask-AppBuilder API class;
    0 for another of its ``response_*`` helpers; None for anything else."""
    func = call.func
    if not (
        fn is not None
        and project is not None
        and isinstance(func, ast.Attribute)
        and dotted(func.value) == "self"
        and func.attr.startswith("response")
        and fn.class_name
        and project.is_subtype(fn.qualname.rsplit(".", 1)[0], FAB_API_TYPES)
    ):
        return None
    if func.attr == "response":
        return status_of(call.args[0] if call.args else None) or 0
    suffix = func.attr[len("response_") :]
    return int(suffix) if suffix.isdigit() else 0


def server_error_status(
    expr: ast.expr | None, table: ImportTable | None, fn: FunctionInfo | None = None, project: Project | None = None
) -> int | None:
    """The 5xx a ``return`` sends (``..., 500``, ``make_response(body, HTTPStatus.INTERNAL_SERVER_ERROR)``,
    ``Response(status=503)``, Flask-AppBuilder's ``self.response_500(...)``), None for anything else."""
    code = answer_error_code(expr, table, fn, project)
    return code if code is not None and 500 <= code < 600 else None


def answer_error_code(
    expr: ast.expr | None, table: ImportTable | None, fn: FunctionInfo | None = None, project: Project | None = None
) -> int | None:
    """The error status a ``return`` sends (``..., 404``, ``make_response(body, HTTPStatus.NOT_FOUND)``,
    ``Response(status=401)``, Flask-AppBuilder's ``self.response_404()``), None when unknown or a success."""
    if isinstance(expr, ast.Call):
        fab = _fab_response(expr, fn, project)
        if fab is not None:
            return fab if fab >= 400 else None
    kind, code = response_status(expr, table, fn, project)
    if kind != "error":
        code = None
        status: ast.expr | None = None
        if isinstance(expr, ast.Tuple) and len(expr.elts) >= 2:
            status = expr.elts[1]
        elif isinstance(expr, ast.Call):
            full = qualify(table, expr.func) or ""
            if full in MAKE_RESPONSE and len(expr.args) >= 2:
                status = expr.args[1]
            elif full in RESPONSE_CLASSES:
                status = next((k.value for k in expr.keywords if k.arg == "status"), None)
        code = status_of(status)
    return code if code is not None and code >= 400 else None


#: Calls that build an answer and cannot log: a handler made only of them keeps the exception to itself.
_QUIET_CALLS = {
    "str",
    "repr",
    "format",
    "dict",
    "list",
    "tuple",
    "int",
    "len",
    "getattr",
    "hasattr",
    "isinstance",
    "type",
    "join",
    "get",
    "jsonify",
    "make_response",
    "render_template",
    "url_for",
    "redirect",
    "Response",
    "flash",
    "gettext",
    "_",
    "lazy_gettext",
    "dumps",
    "rollback",
    "escape",
    "Markup",
}


def keeps_quiet(stmts: list[ast.stmt], fn: FunctionInfo, project: Project, depth: int = 0) -> bool:
    """Nothing in ``stmts`` logs, reports or re-raises the exception: every call is one of ``_QUIET_CALLS`` or a
    project function that itself keeps quiet. A call we cannot follow might log: not quiet."""
    for node in body_nodes(stmts):
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Attribute) and node.attr == "exc_info"):
            return False
        if not isinstance(node, ast.Call):
            continue
        if is_log_call(node, fn.imports):
            return False
        name = dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1] if name else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        if last in _QUIET_CALLS or _fab_response(node, fn, project) is not None:
            continue
        callee = project.resolve_function(name, fn, fn.module) if name and depth < 2 else None
        if callee is None or callee is fn or not keeps_quiet(callee.node.body, callee, project, depth + 1):
            return False
    return True

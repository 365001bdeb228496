"""FD308, FD311-FD322 — request handling: CSRF, proxies, injection, unsafe loaders.

Most of these rules ask one question: does a value come from the request?
:class:`Taint` answers it for one function without running anything. It
starts from ``flask.request`` attributes (``args``, ``form``, ``json``,
``files``, ``headers``, ``cookies``...) and the string parameters of a view
(``<path:name>`` yes, ``<int:id>`` no), and follows simple local assignments
(``next_url = request.args.get("next")``) through the operations that keep
the attacker's text: f-strings, ``+``, ``%``, ``.format``, string methods,
``os.path.join``. A call to any other function (``secure_filename(x)``,
``int(x)``, ``User.query.get(x)``) ends the trail: that is where a value is
checked or turned into something else, and guessing past it is how false
alarms are born.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.model import BLUEPRINT_TYPES, REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)
from flask_doctor.static.rules.secrets import (
    false_constant,
    is_test_path,
    live_in_production,
    settings,
)

# ================================================================ taint
REQUEST_NAMES = {"flask.request", "flask.globals.request", "quart.request"}
#: ``request.<attr>`` that carry data the client chose.
DATA_ATTRS = {
    "args", "form", "values", "json", "files", "headers", "cookies", "data", "view_args",
    "stream", "environ", "get_json", "get_data", "authorization", "query_string",
    "path", "full_path", "url", "base_url", "referrer", "user_agent", "host",
}
#: attributes that point back at this site (same host): never an open redirect.
SAME_SITE_ATTRS = {"path", "full_path", "url", "base_url", "url_root", "host_url", "script_root", "referrer", "host"}
#: calls whose result keeps the text of a tainted argument.
PASS_THROUGH = {
    "str", "bytes", "os.path.join", "posixpath.join", "ntpath.join", "os.path.normpath", "os.path.abspath",
    "os.path.expanduser", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "urllib.parse.unquote",
    "urllib.parse.unquote_plus", "urllib.parse.urljoin", "base64.b64decode", "base64.urlsafe_b64decode",
    "bytes.fromhex", "codecs.decode",
}
#: methods of a tainted value that return something harmless.
PREDICATE_METHODS = {
    "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "count",
    "find", "rfind", "index", "rindex", "keys", "__len__", "getlist_len", "isidentifier",
}
SAFE_CONVERTERS = {"int", "float", "uuid", "bool"}
_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@dataclass
class Taint:
    """Which local names of one function hold request data, and where each came from."""

    fn: FunctionInfo
    names: dict[str, ast.AST | str] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()

    def is_request(self, node: ast.AST) -> bool:
        name = dotted(node)
        if not name:
            return False
        if name == "request" and "request" in self._locals():
            return False
        qualified = self.fn.imports.qualify(name)
        return qualified in REQUEST_NAMES

    def _locals(self) -> set[str]:
        cached = getattr(self.fn, "_fd_web_locals", None)
        if cached is None:
            cached = {a.arg for a in self.fn.node.args.args + self.fn.node.args.kwonlyargs}
            self.fn._fd_web_locals = cached  # type: ignore[attr-defined]
        return cached

    def source(self, node: ast.AST | None) -> ast.AST | str | None:
        """The request expression (or route parameter) ``node`` carries, else ``None``."""
        if node is None:
            return None
        chain = self._request_chain(node)
        if chain is not None:
            return node if chain else None
        if isinstance(node, ast.Name):
            return self.names.get(node.id) if isinstance(node.ctx, ast.Load) else None
        if isinstance(node, ast.Attribute):
            if self.is_request(node.value):
                return node if node.attr in DATA_ATTRS and node.attr not in self.exclude else None
            return self.source(node.value)
        if isinstance(node, ast.Subscript):
            return self.source(node.value)
        if isinstance(node, ast.Call):
            return self._call_source(node)
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    found = self.source(value.value)
                    if found is not None:
                        return found
            return None
        if isinstance(node, ast.FormattedValue):
            return self.source(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod, ast.Div)):
            return self.source(node.left) or self.source(node.right)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                found = self.source(value)
                if found is not None:
                    return found
            return None
        if isinstance(node, ast.IfExp):
            return self.source(node.body) or self.source(node.orelse)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            for element in node.elts:
                found = self.source(element)
                if found is not None:
                    return found
            return None
        if isinstance(node, ast.Dict):
            for value in node.values:
                found = self.source(value)
                if found is not None:
                    return found
            return None
        if isinstance(node, (ast.Starred, ast.NamedExpr, ast.Await)):
            return self.source(node.value)
        return None

    def _request_chain(self, node: ast.AST) -> bool | None:
        """``None`` if ``node`` is not ``request.<...>``; else whether that chain carries client data.

        ``request.args.get("next")``, ``request.form["url"]``, ``request.headers.get(...).split(",")``
        are client data; ``request.args.get("page", type=int)``, ``request.method`` and
        ``request.form.get("x", "").startswith("a")`` are not.
        """
        current = node
        clean = False
        while True:
            if isinstance(current, ast.Call):
                if any(kw.arg == "type" and dotted(kw.value) in ("int", "float", "bool") for kw in current.keywords):
                    clean = True
                if "referrer" in self.exclude and current.args and _is_referer_key(current.args[0]):
                    clean = True
                current = current.func
            elif isinstance(current, ast.Subscript):
                if "referrer" in self.exclude and _is_referer_key(current.slice):
                    clean = True
                current = current.value
            elif isinstance(current, ast.Attribute):
                if self.is_request(current.value):
                    if clean or current.attr not in DATA_ATTRS or current.attr in self.exclude:
                        return False
                    return True
                if current.attr in PREDICATE_METHODS:
                    clean = True
                current = current.value
            else:
                return None

    def _call_source(self, node: ast.Call) -> ast.AST | str | None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if self.is_request(func.value):
                # request.get_json(), request.get_data()
                return node if func.attr in DATA_ATTRS and func.attr not in self.exclude else None
            if func.attr in PREDICATE_METHODS:
                return None
            if any(kw.arg == "type" and dotted(kw.value) in ("int", "float", "bool") for kw in node.keywords):
                return None  # request.args.get("page", 1, type=int)
            if func.attr in ("format", "join") and isinstance(func.value, ast.Constant):
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    found = self.source(arg)
                    if found is not None:
                        return found
                return None
            found = self.source(func.value)
            if found is not None:
                return found
        name = dotted(func) or ""
        qualified = self.fn.imports.qualify(name) or name
        if qualified in PASS_THROUGH or name in ("str", "bytes"):
            for arg in node.args:
                found = self.source(arg)
                if found is not None:
                    return found
        return None


def _is_referer_key(node: ast.AST) -> bool:
    """``headers.get("Referer")`` / ``environ["HTTP_REFERER"]``: where the user came from."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in ("referer", "http_referer", "referrer")


def taint(fn: FunctionInfo, exclude: frozenset[str] = frozenset()) -> Taint:
    """The (cached) taint facts of ``fn``."""
    cache = getattr(fn, "_fd_web_taint", None)
    if cache is None:
        cache = {}
        fn._fd_web_taint = cache  # type: ignore[attr-defined]
    if exclude in cache:
        return cache[exclude]
    state = Taint(fn, exclude=exclude)
    for name, converter in route_parameters(fn).items():
        if converter not in SAFE_CONVERTERS:
            state.names[name] = f"route parameter `<{converter + ':' if converter != 'string' else ''}{name}>`"
    assignments = _assignments(fn)
    for _ in range(4):  # a short fixpoint: chains of local assignments
        changed = False
        for target, value in assignments:
            if target in state.names:
                continue
            found = state.source(value)
            if found is not None:
                # name the assignment's right-hand side (``request.args.get("next")``), or the route parameter
                state.names[target] = found if isinstance(found, str) or isinstance(value, (ast.JoinedStr, ast.BinOp)) else value
                changed = True
        if not changed:
            break
    cache[exclude] = state
    return state


def _assignments(fn: FunctionInfo) -> list[tuple[str, ast.expr]]:
    cached = getattr(fn, "_fd_web_assign", None)
    if cached is not None:
        return cached
    found: list[tuple[str, ast.expr]] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _target_names(target):
                    found.append((name, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None and isinstance(node.target, ast.Name):
            found.append((node.target.id, node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for name in _target_names(node.target):
                found.append((name, node.iter))
        elif isinstance(node, ast.NamedExpr):
            found.append((node.target.id, node.value))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        found.append((name, item.context_expr))
    fn._fd_web_assign = found  # type: ignore[attr-defined]
    return found


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out: list[str] = []
        for element in target.elts:
            out.extend(_target_names(element))
        return out
    return []


def route_parameters(fn: FunctionInfo) -> dict[str, str]:
    """``{name: converter}`` for the URL variables a view receives."""
    if "view" not in fn.roles:
        return {}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    converters: dict[str, str] = {}
    for route in fn.routes:
        for converter, name in _CONVERTER.findall(route.rule):
            converters[name] = converter or "string"
    out: dict[str, str] = {}
    for name in params:
        if name in converters:
            out[name] = converters[name]
        elif not fn.routes and fn.class_name:
            out[name] = "string"  # MethodView.get(self, slug): the rule lives elsewhere
    return out


def _callers(project: Project) -> dict[str, list[tuple[ast.Call, FunctionInfo]]]:
    """Project function -> the calls (inside other functions) that reach it. Built once, lazily."""
    cached = getattr(project, "_fd_web_callers", None)
    if cached is None:
        cached = {}
        for caller in project.functions.values():
            for name, call in caller.calls:
                callee = project.resolve_function(name, caller, caller.module)
                if callee is not None and callee is not caller:
                    cached.setdefault(callee.qualname, []).append((call, caller))
        project._fd_web_callers = cached  # type: ignore[attr-defined]
    return cached


def parameter_source(project: Project, fn: FunctionInfo, param: str) -> tuple[ast.AST | str, FunctionInfo, ast.Call] | None:
    """Request data a caller passes as ``param`` of ``fn`` (one call level up)."""
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param not in args and param not in {a.arg for a in fn.node.args.kwonlyargs}:
        return None
    index = args.index(param) if param in args else None
    if index is not None and fn.class_name and args and args[0] in ("self", "cls"):
        index -= 1
    for call, caller in _callers(project).get(fn.qualname, ()):
        value: ast.expr | None = next((kw.value for kw in call.keywords if kw.arg == param), None)
        if value is None and index is not None and 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            value = call.args[index]
        if value is None:
            continue
        found = taint(caller).source(value)
        if found is not None:
            return found, caller, call
    return None


def sink_source(ctx: Context, expr: ast.expr, guards: tuple[str, ...] = ()) -> tuple[str, list[Evidence]] | None:
    """Request data reaching ``expr``: read in this function, or passed in by a caller (one level up).

    Returns a description for the message and evidence pointing at the caller.
    """
    fn = ctx.function
    if fn is None:
        return None
    found = taint(fn).source(expr)
    if found is not None:
        return describe_source(found), []
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    for name in sorted({n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} | _local_sources(fn, expr)):
        if name not in params or not _tainted_if(fn, name, expr):
            continue
        via = parameter_source(ctx.project, fn, name)
        if via is None:
            continue
        origin, caller, call = via
        if guards and _mentions(caller, guards):
            continue
        return (
            f"its parameter `{name}`, which `{caller.display}` fills with {describe_source(origin)}",
            [Evidence(f"called with request data from {caller.display}", Location(caller.module.path, call.lineno, call.col_offset + 1))],
        )
    return None


def _local_sources(fn: FunctionInfo, expr: ast.expr) -> set[str]:
    """Names that flow into the locals ``expr`` reads (``path = join(base, name)`` -> ``base``, ``name``)."""
    wanted = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    out: set[str] = set()
    for _ in range(3):
        for target, value in _assignments(fn):
            if target in wanted:
                out |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        wanted |= out
    return out


def _tainted_if(fn: FunctionInfo, param: str, expr: ast.expr) -> bool:
    """Would ``expr`` carry ``param``'s text (through local assignments and string operations)?"""
    state = Taint(fn)
    state.names[param] = param
    assignments = _assignments(fn)
    for _ in range(4):
        changed = False
        for target, value in assignments:
            if target not in state.names and state.source(value) is not None:
                state.names[target] = value
                changed = True
        if not changed:
            break
    return state.source(expr) is not None


def describe_source(source: ast.AST | str) -> str:
    if isinstance(source, str):
        return source
    text = ast.unparse(source)
    return f"`{text if len(text) <= 50 else text[:47] + '...'}`"


def code_text(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolved(ctx: Context, node: ast.AST) -> str:
    name = dotted(node) or ""
    return ctx.qualified(node) or name


def in_checked_code(ctx: Context) -> bool:
    return ctx.function is not None and not ctx.is_test_code()


# ============================================================ FD314
TEMPLATE_SINKS = {
    "flask.render_template_string", "flask.templating.render_template_string", "jinja2.Template",
    "flask.stream_template_string", "flask.templating.stream_template_string",
}


class TemplateInjection(Rule):
    """
    ## What it does
    Finds `render_template_string` (and `jinja2.Template`,
    `jinja_env.from_string`) called with a template *built from* request
    data: an f-string, `+`, `%` or `.format` that puts `request.args[...]`,
    form fields or a URL variable into the template source, in the view or
    in a helper the view passes the value to.

    ## Why is this bad?
    Jinja evaluates expressions inside the template source, so whoever
    controls part of the source runs code on the server: `{{ 7*7 }}` in a
    query parameter comes back as `49`, and the well-known payloads reach
    `os.popen` from there (server-side template injection). Passing request
    data as a *context variable* of a constant template is safe, because
    Jinja escapes values and never evaluates them, and is not reported.

    ## Example
    ```python
    @app.get("/hello")
    def hello():
        name = request.args.get("name", "")
        return render_template_string(f"<h1>Hello {name}</h1>")
    ```

    ## Use instead
    ```python
    @app.get("/hello")
    def hello():
        name = request.args.get("name", "")
        return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
    ```

    ## Fix safety
    No automatic fix: the template has to be rewritten with variables.

    ## References
    - Flask docs, Templates: `render_template_string`, autoescaping
    - Jinja docs, Sandbox (for templates that users really must write)
    - OWASP: Server-Side Template Injection
    """

    code = "FD314"
    name = "template-injection"
    severity = Severity.ERROR
    catalog = ()
    summary = "A Jinja template is built from request data (server-side template injection)."

    VALID = (
        Valid("""
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/hello")
            def hello():
                return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args.get("name", ""))
            """),
        Valid("""
            from flask import Flask, render_template_string
            app = Flask(__name__)
            LAYOUT = "<main>{}</main>"

            @app.get("/about")
            def about():
                body = LAYOUT.format("{{ config.SITE_NAME }}")
                return render_template_string(body)
            """),
        Valid("""
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/page/<int:number>")
            def page(number):
                return render_template_string(f"<p>page {number}</p>")
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/hello")
            def hello():
                name = request.args.get("name", "")
                return render_template_string(f"<h1>Hello {name}</h1>")  # expect
            """, message="request.args.get"),
        Invalid("""
            import flask
            app = flask.Flask(__name__)

            @app.route("/greet/<user>")
            def greet(user):
                template = "<p>Hi %s</p>" % user
                return flask.render_template_string(template)  # expect
            """, message="<user>"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or not in_checked_code(ctx):
            return
        name = resolved(ctx, node.func)
        is_sink = name in TEMPLATE_SINKS
        if not is_sink and isinstance(node.func, ast.Attribute) and node.func.attr == "from_string":
            receiver = dotted(node.func.value) or ""
            is_sink = receiver.endswith("jinja_env") or (ctx.type_of(node.func.value) or "").startswith("jinja2.")
        if not is_sink:
            return
        found = sink_source(ctx, node.args[0])
        if found is None:
            return
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{code_text(node.func)}(...)` in {describe_context(ctx)} renders a template whose source contains "
                f"{source}: request data in the template source is executed by Jinja "
                f"(server-side template injection)",
                hint="Keep the template constant and pass the value as a variable: "
                "render_template_string(\"... {{ name }} ...\", name=name).",
                evidence=evidence,
            )
        )


# ============================================================ FD315
FILE_SINKS = {"flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file"}
PATH_GUARDS = ("commonpath", "is_relative_to", "safe_join", "secure_filename", "realpath", "basename")


class PathTraversalFileSend(Rule):
    """
    ## What it does
    Finds `send_file(path)` where `path` is request data, or is built from
    it (`os.path.join(UPLOADS, filename)`, `f"{BASE}/{name}"`), with no
    `secure_filename`, `safe_join`, `basename` or containment check in the
    view, including helpers that a view calls with the request value.

    ## Why is this bad?
    `send_file` serves whatever path it is given. A filename such as
    `../../etc/passwd` (or an absolute path, which `os.path.join` lets win
    over the base directory) reads any file the worker can read: config
    files with secrets, the SQLite database, SSH keys.
    `send_from_directory(directory, filename)` is safe by design (it uses
    `werkzeug.security.safe_join` and answers 404 for paths outside the
    directory) and is not reported.

    ## Example
    ```python
    @app.get("/files/<path:name>")
    def download(name):
        return send_file(os.path.join(UPLOAD_DIR, name))
    ```

    ## Use instead
    ```python
    @app.get("/files/<path:name>")
    def download(name):
        return send_from_directory(UPLOAD_DIR, name)
    ```

    ## Fix safety
    Replacing `send_file(os.path.join(d, f))` by `send_from_directory(d, f)`
    changes the response for missing files (404); review before applying.

    ## References
    - Flask docs, API: `send_from_directory` ("This is a secure way to serve files from a folder")
    - Werkzeug docs: `werkzeug.security.safe_join`, `werkzeug.utils.secure_filename`
    """

    code = "FD315"
    name = "path-traversal-file-send"
    severity = Severity.ERROR
    catalog = ()
    summary = "send_file() of a path built from request data (path traversal)."

    VALID = (
        Valid("""
            from flask import Flask, send_from_directory
            app = Flask(__name__)

            @app.get("/files/<path:name>")
            def download(name):
                return send_from_directory("uploads", name)
            """),
        Valid("""
            import os
            from flask import Flask, request, send_file
            from werkzeug.utils import secure_filename
            app = Flask(__name__)

            @app.get("/export")
            def export():
                name = secure_filename(request.args["name"])
                return send_file(os.path.join("exports", name))
            """),
        Valid("""
            from flask import Flask, send_file
            app = Flask(__name__)

            @app.get("/report/<int:report_id>")
            def report(report_id):
                return send_file(f"reports/{report_id}.pdf")
            """),
    )
    INVALID = (
        Invalid("""
            import os
            from flask import Flask, send_file
            app = Flask(__name__)
            UPLOAD_DIR = "/srv/uploads"

            @app.get("/files/<path:name>")
            def download(name):
                return send_file(os.path.join(UPLOAD_DIR, name))  # expect
            """, message="<path:name>"),
        Invalid("""
            from flask import Flask, request, send_file
            app = Flask(__name__)

            @app.get("/download")
            def download():
                path = request.args.get("file")
                return send_file(path, as_attachment=True)  # expect
            """, message="request.args.get"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or not in_checked_code(ctx):
            return
        if resolved(ctx, node.func) not in FILE_SINKS:
            return
        assert ctx.function is not None
        if _mentions(ctx.function, PATH_GUARDS):
            return
        found = sink_source(ctx, node.args[0], PATH_GUARDS)
        if found is None:
            return
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`send_file({code_text(node.args[0], 50)})` in {describe_context(ctx)} serves a path built from "
                f"{source}: `../` or an absolute path reads any file the worker can read",
                hint="Use send_from_directory(directory, filename), which refuses paths outside the directory, "
                "or werkzeug.utils.secure_filename().",
                evidence=evidence,
            )
        )


def _mentions(fn: FunctionInfo, words: tuple[str, ...]) -> bool:
    """Does the function's source call or name one of ``words`` (guards, checks)?"""
    start, end = fn.node.lineno, getattr(fn.node, "end_lineno", fn.node.lineno) or fn.node.lineno
    text = "\n".join(fn.module.lines[start - 1: end])
    return any(word in text for word in words)


# ============================================================ FD316
REDIRECT_SINKS = {"flask.redirect", "flask.helpers.redirect", "werkzeug.utils.redirect", "quart.redirect"}
REDIRECT_GUARDS = (
    "url_has_allowed_host_and_scheme", "is_safe_url", "is_safe_redirect", "safe_url", "is_safe_next",
    "netloc", "url_is_safe", "is_local_url", "is_relative_url", "check_next", "validate_redirect",
    "safe_redirect", "is_internal_url", "url_for_security",
)


class OpenRedirect(Rule):
    """
    ## What it does
    Finds `redirect(target)` where `target` comes from the request
    (`request.args.get("next")`, a form field, a header) and the view never
    checks it: no `url_has_allowed_host_and_scheme`/`is_safe_url`-style
    helper, no `urlparse(...).netloc` comparison, no `if` that tests the
    value beyond truthiness (`if not nxt.startswith("/"): nxt = "/"`).
    Targets whose scheme and host the code fixes (`url_for(...)`,
    `"/books/" + slug`, `IMAGE_HOST + "/" + uuid`) are not reported: the user
    only picks a path on a known site.

    ## Why is this bad?
    A link such as `https://your.site/login?next=https://evil.example`
    carries your domain, so users trust it; after logging in they land on
    the attacker's look-alike page, which asks for the password again or
    for a payment. Redirects to `url_for(...)`, to `request.url` or
    `request.referrer` (same site, or where the user came from) and to
    values that went through another function first are not reported.

    ## Example
    ```python
    @app.post("/login")
    def login():
        login_user(check_password(request.form))
        return redirect(request.args.get("next") or url_for("index"))
    ```

    ## Use instead
    ```python
    from urllib.parse import urlsplit

    @app.post("/login")
    def login():
        login_user(check_password(request.form))
        target = request.args.get("next", "")
        if urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
            target = url_for("index")
        return redirect(target)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-Login docs, "Login Example": validate `next` before redirecting
    - OWASP Unvalidated Redirects and Forwards Cheat Sheet
    """

    code = "FD316"
    name = "open-redirect"
    severity = Severity.WARNING
    catalog = ()
    summary = "redirect() to a URL taken from the request without checking its host."

    VALID = (
        Valid("""
            from urllib.parse import urlparse
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.get("/login")
            def login():
                target = request.args.get("next", "")
                if urlparse(target).netloc:
                    target = url_for("index")
                return redirect(target)
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.get("/back")
            def back():
                return redirect(request.referrer or url_for("index"))
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            def safe_target(value):
                return value if value.startswith("/") and not value.startswith("//") else "/"

            @app.get("/go")
            def go():
                return redirect(safe_target(request.args.get("to", "/")))
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)
            COVER_HOST = "https://covers.example.com"

            @app.post("/login")
            def login():
                next_page = request.form.get("next")
                if not next_page or not next_page.startswith("/") or next_page[1:2] in ("/", "\\\\"):
                    next_page = url_for("index")
                return redirect(next_page)

            @app.get("/cover/<uuid>")
            def cover(uuid):
                return redirect(COVER_HOST + "/" + uuid + ".jpg")
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.post("/login")
            def login():
                next_url = request.args.get("next")
                return redirect(next_url or url_for("index"))  # expect
            """, message="request.args.get('next')"),
        Invalid("""
            import flask
            app = flask.Flask(__name__)

            @app.route("/out")
            def out():
                return flask.redirect(flask.request.form["url"])  # expect
            """, message="`out`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or not in_checked_code(ctx):
            return
        if resolved(ctx, node.func) not in REDIRECT_SINKS:
            return
        assert ctx.function is not None
        state = taint(ctx.function, frozenset(SAME_SITE_ATTRS))
        source = state.source(node.args[0])
        if source is None or _mentions(ctx.function, REDIRECT_GUARDS) or _validated(ctx.function, node.args[0]):
            return
        if _fixed_host(node.args[0], ctx.function, state, set()):
            return  # f"/books/{slug}", IMAGE_HOST + "/" + uuid: the user picks a path, not a site
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{code_text(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} without "
                f"checking its host: a link to this page can send users to any site (open redirect)",
                hint="Accept only relative paths (no scheme or netloc, not starting with '//'), or compare "
                "urlsplit(target).netloc with request.host before redirecting.",
            )
        )


_FIXED_URL = re.compile(r"^(/(?![/\\])|https?://[^/{}%?#]+/|\.\.?/|[\w-]+/)", re.IGNORECASE)


def _fixed_host(node: ast.AST, fn: FunctionInfo, state: Taint, seen: set[str]) -> bool:
    """Does the code fix the scheme and host of this URL, so that request data only fills the path?"""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_FIXED_URL.match(node.value))
    if isinstance(node, ast.JoinedStr):
        if not node.values:
            return False
        first = node.values[0]
        if isinstance(first, ast.Constant):
            return _fixed_host(first, fn, state, seen)
        if isinstance(first, ast.FormattedValue):
            return _fixed_host(first.value, fn, state, seen)
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _fixed_host(node.left, fn, state, seen)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return _fixed_host(func.value, fn, state, seen)
        name = fn.imports.qualify(dotted(func) or "") or dotted(func) or ""
        return name in ("flask.url_for", "flask.helpers.url_for")
    if isinstance(node, ast.Attribute):
        if state.is_request(node.value):
            return node.attr in ("url", "base_url", "url_root", "host_url", "path", "full_path", "script_root")
        return node.attr.isupper()
    if isinstance(node, ast.Name):
        if node.id.isupper():
            return True  # a constant such as IMAGE_HOST
        if node.id in seen:
            return True  # ``url = f"{url}&x"`` keeps the prefix it already had
        seen.add(node.id)
        values = [
            n.value for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]  # ``url += "?" + qs`` only appends: it cannot change the host
        return bool(values) and all(_fixed_host(v, fn, state, seen) for v in values)
    return False


_TRIVIAL_TEST = (ast.Name, ast.Constant)


def _validated(fn: FunctionInfo, target: ast.expr) -> bool:
    """Is a local that flows into ``target`` checked by an ``if`` beyond truthiness?

    ``if not nxt or not nxt.startswith("/") or nxt[1:2] in ("/", "\\"): nxt = url_for("index")``
    is a check; ``if nxt: return redirect(nxt)`` is not.
    """
    assigned = {t for t, _ in _assignments(fn)}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    # only the function's own variables: ``if request.method == "POST":`` checks nothing about ``request.args``
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & (assigned | params)
    if not names:
        return False
    for node in ast.walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp, ast.Assert)):
            continue
        test = node.test
        for part in ast.walk(test):
            if isinstance(part, ast.Call) and any(isinstance(a, ast.Name) and a.id in names for a in ast.walk(part)):
                return True
            if isinstance(part, ast.Subscript) and isinstance(part.value, ast.Name) and part.value.id in names:
                return True
            if isinstance(part, ast.Compare) and any(isinstance(a, ast.Name) and a.id in names for a in ast.walk(part)):
                if not all(isinstance(c, ast.Constant) and c.value is None for c in part.comparators):
                    return True
    return False


# ============================================================ FD317
MARKUP_SINKS = {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.helpers.Markup"}


class MarkupFromRequestData(Rule):
    """
    ## What it does
    Finds `Markup(...)` (markupsafe, `flask.Markup`) wrapped around request
    data, directly or through an f-string, `+`, `%` or `.format`, in a view
    or in a helper a view calls with the value.

    ## Why is this bad?
    `Markup` tells Jinja "this string is already safe HTML, do not escape
    it". Wrapping user input in it switches autoescaping off for exactly
    the value that needs it: a comment containing `<script>` runs in every
    visitor's browser (stored or reflected XSS). `Markup("<b>%s</b>") % value`
    and `Markup("<b>{}</b>").format(value)` escape `value` and are fine, as
    is `escape(value)`.

    ## Example
    ```python
    flash(Markup(f"Welcome back, {request.form['name']}!"))
    ```

    ## Use instead
    ```python
    flash(Markup("Welcome back, {}!").format(request.form["name"]))
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - MarkupSafe docs: `Markup`, `escape`, formatting escapes its arguments
    - Flask docs, Security Considerations: Cross-Site Scripting
    """

    code = "FD317"
    name = "markup-from-request-data"
    severity = Severity.ERROR
    catalog = ()
    summary = "Markup() marks request data as safe HTML (cross-site scripting)."

    VALID = (
        Valid("""
            from flask import Flask, flash, request
            from markupsafe import Markup
            app = Flask(__name__)

            @app.post("/hello")
            def hello():
                flash(Markup("Welcome back, <b>{}</b>!").format(request.form["name"]))
                flash(Markup("<i>%s</i>") % request.form["name"])
                return "ok"
            """),
        Valid("""
            from markupsafe import Markup
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return Markup("<p>static</p>")
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, flash, request
            from markupsafe import Markup
            app = Flask(__name__)

            @app.post("/hello")
            def hello():
                name = request.form["name"]
                flash(Markup(f"Welcome back, <b>{name}</b>!"))  # expect
                return "ok"
            """, message="request.form['name']"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or not in_checked_code(ctx):
            return
        if resolved(ctx, node.func) not in MARKUP_SINKS:
            return
        assert ctx.function is not None
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Attribute) and parent.attr in ("unescape", "striptags"):
            return  # Markup(text).unescape() turns entities back into plain text; nothing is rendered
        found = sink_source(ctx, node.args[0], ("escape", "bleach", "clean", "sanitize", "nh3"))
        if found is None:
            return
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`Markup({code_text(node.args[0], 50)})` in {describe_context(ctx)} marks {source} "
                f"as safe HTML: Jinja will not escape it, so a `<script>` in it runs in the visitor's browser",
                hint="Let Markup escape the value: Markup(\"<b>{}</b>\").format(value), or use escape(value).",
                evidence=evidence,
            )
        )


# ============================================================ FD318
SQL_START = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with|replace|merge|create|drop|alter|truncate|exec|call|pragma)\b", re.IGNORECASE)
SQL_WORDS = re.compile(r"\b(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|where\s)", re.IGNORECASE | re.DOTALL)
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "raw"}
SQL_FUNCS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "pandas.read_sql", "pandas.read_sql_query"}
SQL_ESCAPES = ("quote", "escape", "literal", "int", "float", "len", "bool", "ident", "sanitize", "bindparam")


class SqlBuiltFromStrings(Rule):
    """
    ## What it does
    Finds SQL strings built with f-strings, `%`, `+` or `.format` and
    passed to `text()`, `execute()`, `cursor.execute()` or
    `pandas.read_sql()`, when what is put in is request data: read in the
    same function, or passed in by a caller that got it from the request.

    ## Why is this bad?
    The database cannot tell the statement from the data: a value such as
    `' OR '1'='1` or `'; DROP TABLE users; --` becomes SQL (SQL injection),
    and reads or changes anything the database user may. Bound parameters
    (`text("... WHERE id = :id")` with `{"id": value}`, or
    `cursor.execute("... = %s", (value,))`) send the value separately and
    are safe. Constant-only f-strings and values the code itself chooses
    (table names, ids read from its own database) are not reported: flagging
    every f-string, as generic linters do, buries the real injections; pass
    identifiers through a whitelist anyway.

    ## Example
    ```python
    @app.get("/users")
    def users():
        name = request.args["name"]
        rows = db.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    ```

    ## Use instead
    ```python
    rows = db.session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - SQLAlchemy docs: "Using Textual SQL" and bound parameters
    - Python DB-API (PEP 249): `paramstyle`, parameters to `execute`
    - OWASP SQL Injection Prevention Cheat Sheet
    """

    code = "FD318"
    name = "sql-built-from-strings"
    severity = Severity.ERROR
    catalog = ()
    summary = "SQL text built from request data with f-strings, +, % or .format (SQL injection)."

    VALID = (
        Valid("""
            from flask import Flask, request
            from sqlalchemy import text
            from .db import db
            app = Flask(__name__)

            @app.get("/users")
            def users():
                rows = db.session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": request.args["name"]})
                return str(rows.all())
            """),
        Valid("""
            import sqlite3
            TABLES = {"users", "posts"}

            def count(conn, table):
                if table not in TABLES:
                    raise ValueError(table)
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            """),
        Valid("""
            def cancel(cursor, pid):
                cursor.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = '{pid}'")

            def delete_many(cursor, ids):
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"DELETE FROM items WHERE id IN ({marks})", ids)
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request
            from sqlalchemy import text
            from .db import db
            app = Flask(__name__)

            @app.get("/users")
            def users():
                name = request.args["name"]
                rows = db.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))  # expect
                return str(rows.all())
            """, message="request.args['name']"),
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)

            def find_user(cursor, email):
                query = "SELECT id FROM users WHERE email = '%s'" % email
                cursor.execute(query)  # expect
                return cursor.fetchone()

            @app.post("/lookup")
            def lookup():
                return str(find_user(get_cursor(), request.form["email"]))
            """, message="request.form['email']"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        func = node.func
        name = resolved(ctx, func)
        if name not in SQL_FUNCS and not (isinstance(func, ast.Attribute) and func.attr in SQL_METHODS):
            return
        arg = node.args[0]
        if isinstance(arg, ast.Call) and resolved(ctx, arg.func) in SQL_FUNCS:
            return  # execute(text(...)): the inner call is checked on its own
        pieces = self._pieces(arg, ctx)
        if not pieces:
            return
        state = taint(ctx.function) if ctx.function is not None else None
        for built in pieces:
            template, holes = _sql_template(built)
            if template is None or not holes or not (SQL_START.search(template) or SQL_WORDS.search(template)):
                continue
            for hole, _quoted in holes:
                if _escaped(hole) or (ctx.function is not None and _validated(ctx.function, hole)):
                    continue  # ``if table not in TABLES: raise``: a whitelist
                source = state.source(hole) if state is not None else None
                evidence: list[Evidence] = []
                if source is not None:
                    message = (
                        f"`{code_text(func)}(...)` in {describe_context(ctx)} runs SQL built from "
                        f"{describe_source(source)}: a crafted value becomes part of the statement (SQL injection)"
                    )
                elif ctx.function is not None and isinstance(hole, ast.Name) and (
                    via := parameter_source(ctx.project, ctx.function, hole.id)
                ) is not None:
                    origin, caller, call = via
                    message = (
                        f"`{code_text(func)}(...)` in `{ctx.function.display}` runs SQL built from its parameter "
                        f"`{hole.id}`, which `{caller.display}` fills with {describe_source(origin)}: a crafted value "
                        f"becomes part of the statement (SQL injection)"
                    )
                    evidence.append(Evidence(f"called with request data from {caller.display}", Location(caller.module.path, call.lineno, call.col_offset + 1)))
                else:
                    continue
                if built is not arg:
                    evidence.insert(0, Evidence("statement built here", ctx.location(built)))
                ctx.report(
                    self.finding(
                        ctx.location(node),
                        message,
                        hint="Pass values as bound parameters: text(\"... = :value\") with {\"value\": v}, or "
                        "cursor.execute(\"... = %s\", (v,)).",
                        evidence=evidence,
                    )
                )
                return

    def _pieces(self, arg: ast.expr, ctx: Context) -> list[ast.expr]:
        """The string expressions that make up the SQL (following a local variable)."""
        if isinstance(arg, ast.Name) and ctx.function is not None:
            line = arg.lineno
            pieces = [
                value for target, value in _assignments(ctx.function)
                if target == arg.id and getattr(value, "lineno", 0) <= line
            ]
            return pieces
        return [arg]


def _sql_template(node: ast.expr) -> tuple[str | None, list[tuple[ast.expr, bool]]]:
    """The constant text of a built string (holes as ``?``) and its holes, each with 'inside quotes'."""
    parts: list[str | ast.expr] = []
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(value.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        chunks = re.split(r"(%(?:\([^)]*\))?[sdrif])", node.left.value)
        index = 0
        for chunk in chunks:
            if re.fullmatch(r"%(?:\([^)]*\))?[sdrif]", chunk) and not isinstance(node.right, ast.Dict):
                if index < len(values):
                    parts.append(values[index])
                    index += 1
            else:
                parts.append(chunk)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        stack: list[ast.expr] = [node]
        flat: list[ast.expr] = []
        while stack:
            current = stack.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                stack.append(current.right)
                stack.append(current.left)
            else:
                flat.append(current)
        if not any(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in flat):
            return None, []
        for piece in flat:
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                parts.append(piece.value)
            elif isinstance(piece, ast.JoinedStr):
                text, holes = _sql_template(piece)
                parts.extend(_split_template(text or "", holes))
            else:
                parts.append(piece)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        chunks = re.split(r"(\{[^{}]*\})", node.func.value.value)
        positional = list(node.args)
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        auto = 0
        for chunk in chunks:
            if re.fullmatch(r"\{[^{}]*\}", chunk):
                key = chunk[1:-1].split(":")[0].split("!")[0]
                if key == "":
                    value = positional[auto] if auto < len(positional) else None
                    auto += 1
                elif key.isdigit():
                    value = positional[int(key)] if int(key) < len(positional) else None
                else:
                    value = keywords.get(key.split(".")[0].split("[")[0])
                if value is not None:
                    parts.append(value)
            else:
                parts.append(chunk)
    else:
        return None, []
    text = ""
    holes: list[tuple[ast.expr, bool]] = []
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            quoted = text.count("'") % 2 == 1 or (text.count('"') % 2 == 1 and not text.rstrip().endswith('"'))
            holes.append((part, quoted))
            text += "?"
    return text, holes


def _split_template(text: str, holes: list[tuple[ast.expr, bool]]) -> list[str | ast.expr]:
    out: list[str | ast.expr] = []
    pieces = text.split("?")
    for i, piece in enumerate(pieces):
        out.append(piece)
        if i < len(holes):
            out.append(holes[i][0])
    return out


def _escaped(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        name = (dotted(node.func) or "").rsplit(".", 1)[-1].lower()
        return any(word in name for word in SQL_ESCAPES) or name == "join"
    return False


def _constant_name(node: ast.expr, ctx: Context) -> bool:
    """An UPPER_CASE module constant or class attribute: chosen by the code, not the user."""
    name = dotted(node) or ""
    last = name.rsplit(".", 1)[-1]
    return bool(last) and last.isupper()


# ============================================================ FD319
YAML_UNSAFE_LOADERS = {
    "yaml.Loader": "yaml.Loader", "yaml.UnsafeLoader": "yaml.UnsafeLoader", "yaml.FullLoader": "yaml.FullLoader",
    "yaml.CLoader": "yaml.CLoader", "yaml.CUnsafeLoader": "yaml.CUnsafeLoader", "yaml.CFullLoader": "yaml.CFullLoader",
    "yaml.loader.Loader": "yaml.Loader", "yaml.loader.UnsafeLoader": "yaml.UnsafeLoader",
    "yaml.loader.FullLoader": "yaml.FullLoader",
}
YAML_UNSAFE_FUNCS = {"yaml.unsafe_load": "yaml.unsafe_load", "yaml.unsafe_load_all": "yaml.unsafe_load_all",
                     "yaml.full_load": "yaml.full_load", "yaml.full_load_all": "yaml.full_load_all"}


class UnsafeYamlLoad(Rule):
    """
    ## What it does
    Finds `yaml.load()` / `yaml.load_all()` without a safe `Loader`, with
    `Loader=yaml.Loader`, `UnsafeLoader`, `FullLoader` or `CLoader`, and
    `yaml.unsafe_load()` / `yaml.full_load()`.

    ## Why is this bad?
    PyYAML's full and unsafe loaders build arbitrary Python objects from
    tags such as `!!python/object/apply:os.system`: loading a document an
    attacker wrote (an upload, an API body, a file in a shared volume) runs
    their code. `FullLoader` was meant to be safer but has had several
    bypasses (CVE-2020-1747, CVE-2020-14343). `yaml.load(stream)` without
    `Loader` ran the unsafe loader before PyYAML 5.1 and raises `TypeError`
    since PyYAML 6. `yaml.safe_load` and `Loader=yaml.SafeLoader`/`CSafeLoader`
    build only plain data and are not reported. Request data makes any of
    these an error; `FullLoader` on other data (usually the app's own files)
    is a note.

    ## Example
    ```python
    data = yaml.load(request.files["config"].read(), Loader=yaml.FullLoader)
    ```

    ## Use instead
    ```python
    data = yaml.safe_load(request.files["config"].read())
    ```

    ## Fix safety
    Replacing the loader by `SafeLoader` is safe unless the documents really
    use Python tags, which then fail to load.

    ## References
    - PyYAML docs, "yaml.load(input) Deprecation"
    - CVE-2017-18342, CVE-2020-1747, CVE-2020-14343
    """

    code = "FD319"
    name = "unsafe-yaml-load"
    severity = Severity.WARNING
    catalog = ()
    fix_safety = "unsafe"
    summary = "yaml.load with a loader that builds arbitrary Python objects."

    VALID = (
        Valid("""
            import yaml

            def read(path):
                with open(path) as fh:
                    return yaml.safe_load(fh)
            """),
        Valid("""
            import yaml
            from yaml import CSafeLoader

            def read(text):
                return yaml.load(text, Loader=yaml.SafeLoader), yaml.load(text, CSafeLoader)
            """),
    )
    INVALID = (
        Invalid("""
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/import")
            def import_config():
                return yaml.load(request.data, Loader=yaml.FullLoader)  # expect
            """, message="FullLoader"),
        Invalid("""
            from yaml import load

            def read(text):
                return load(text)  # expect
            """, message="TypeError"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = resolved(ctx, node.func)
        label: str | None = None
        if name in YAML_UNSAFE_FUNCS:
            label = f"`{YAML_UNSAFE_FUNCS[name]}()`"
        elif name in ("yaml.load", "yaml.load_all"):
            loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), node.args[1] if len(node.args) > 1 else None)
            if loader is None:
                if node.keywords and any(kw.arg is None for kw in node.keywords):
                    return  # **kwargs may carry a Loader
                label = f"`{name}()` without `Loader`"
            else:
                loader_name = resolved(ctx, loader)
                if loader_name in YAML_UNSAFE_LOADERS:
                    label = f"`{name}(..., Loader={YAML_UNSAFE_LOADERS[loader_name]})`"
        if label is None:
            return
        source = taint(ctx.function).source(node.args[0]) if ctx.function is not None and node.args else None
        origin = f" on {describe_source(source)}" if source is not None else ""
        severity = Severity.ERROR if source is not None else self.effective_severity
        if source is None and ("Full" in label or "full_load" in label):
            # FullLoader refuses the known gadgets since PyYAML 5.4; on the app's own files this is hygiene
            severity = Severity.NOTE
        if "without" in label:
            risk = "runs the unsafe loader on PyYAML < 5.1 and raises TypeError on PyYAML >= 6"
        else:
            risk = "builds arbitrary Python objects, so a crafted document runs code in the worker"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label}{origin} {risk}",
                hint="Use yaml.safe_load() (or Loader=yaml.SafeLoader / CSafeLoader).",
                severity=severity,
            )
        )


# ============================================================ FD320
PICKLE_FUNCS = {
    "pickle.loads": "pickle.loads", "pickle.load": "pickle.load", "_pickle.loads": "pickle.loads",
    "cPickle.loads": "cPickle.loads", "dill.loads": "dill.loads", "dill.load": "dill.load",
    "cloudpickle.loads": "cloudpickle.loads", "jsonpickle.decode": "jsonpickle.decode",
    "marshal.loads": "marshal.loads", "marshal.load": "marshal.load", "pandas.read_pickle": "pandas.read_pickle",
    "joblib.load": "joblib.load", "shelve.open": "shelve.open",
}
CACHE_READS = {"get", "hget", "mget", "hgetall", "lpop", "rpop", "blpop", "brpop", "getdel", "getex", "lindex", "lrange", "hmget"}
CACHE_TYPES = ("redis.", "flask_redis.", "flask_caching.", "pymemcache.", "memcache.", "cachelib.", "werkzeug.contrib.cache")


class UnsafeDeserialisation(Rule):
    """
    ## What it does
    Finds `pickle.loads`/`pickle.load` (and `dill`, `cloudpickle`,
    `jsonpickle.decode`, `marshal.loads`, `pandas.read_pickle`) of request
    data (a body, an upload, a cookie, a header) or of bytes read from Redis
    or a cache.

    ## Why is this bad?
    Unpickling calls whatever the data asks for (`__reduce__` returns
    `os.system` and its argument): a client that can send pickle data, or
    write to the Redis the app reads, runs code in the worker. Request data
    is an error; cache and Redis data is a warning, because it takes a
    second foothold (network access to Redis, a cache key the user can
    write) to exploit.

    ## Example
    ```python
    @app.post("/restore")
    def restore():
        state = pickle.loads(request.get_data())
    ```

    ## Use instead
    ```python
    @app.post("/restore")
    def restore():
        state = json.loads(request.get_data())
    ```
    or sign what you must pickle (`itsdangerous`) and verify before loading.

    ## Fix safety
    No automatic fix: the data format changes.

    ## References
    - Python docs, pickle: "Warning: The pickle module is not secure. Only unpickle data you trust."
    - jsonpickle docs: "do not load untrusted data"
    """

    code = "FD320"
    name = "unsafe-deserialisation"
    severity = Severity.ERROR
    catalog = ()
    summary = "pickle/marshal/jsonpickle loading request or cache data (code execution)."

    VALID = (
        Valid("""
            import json
            import pickle
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/restore")
            def restore():
                return json.loads(request.get_data())

            def load_model(path="model.pkl"):
                with open(path, "rb") as fh:
                    return pickle.load(fh)
            """),
        Valid("""
            import pickle

            def roundtrip(obj):
                return pickle.loads(pickle.dumps(obj))
            """),
    )
    INVALID = (
        Invalid("""
            import pickle
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/restore")
            def restore():
                state = pickle.loads(request.get_data())  # expect
                return str(state)
            """, message="request.get_data()"),
        Invalid("""
            import pickle
            import redis
            r = redis.Redis()

            def cached_report(key):
                raw = r.get(key)
                return pickle.loads(raw) if raw else None  # expect
            """, message="Redis"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        name = resolved(ctx, node.func)
        label = PICKLE_FUNCS.get(name)
        if label is None:
            return
        arg = node.args[0]
        source = taint(ctx.function).source(arg) if ctx.function is not None else None
        if source is not None:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{label}()` in {describe_context(ctx)} deserialises {describe_source(source)}: the client chooses "
                    f"which callables run while loading (remote code execution)",
                    hint="Use JSON (or another data-only format) for data from clients.",
                )
            )
            return
        cache = self._cache_read(arg, ctx)
        if cache is not None:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{label}()` deserialises `{code_text(cache, 50)}` read from Redis/a cache: whoever can write that "
                    f"key (anyone who reaches the Redis port) runs code in the worker",
                    hint="Store JSON in the cache, or sign pickled values (itsdangerous) and verify before loading.",
                    severity=min(Severity.WARNING, self.effective_severity),
                )
            )

    def _cache_read(self, arg: ast.expr, ctx: Context) -> ast.expr | None:
        candidates: list[ast.expr] = [arg]
        if isinstance(arg, ast.Name) and ctx.function is not None:
            candidates = [v for t, v in _assignments(ctx.function) if t == arg.id]
        elif isinstance(arg, ast.Name):
            return None
        for value in candidates:
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in CACHE_READS:
                receiver = value.func.value
                type_name = ctx.type_of(receiver) or ""
                text = (dotted(receiver) or "").lower()
                if type_name.startswith(CACHE_TYPES) or re.search(r"(^|[._])(redis|r|rdb|redis_client|cache|rd)$", text):
                    return value
        return None


# ============================================================ FD321
HTTP_CLIENTS = ("requests.", "httpx.", "urllib3.", "aiohttp.")
HTTP_TYPES = ("requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient", "requests.session")


_OPT_IN = re.compile(r"verify|ssl|tls|insecure|skip|cert|unsafe|debug|testing", re.IGNORECASE)


class TlsVerificationDisabled(Rule):
    """
    ## What it does
    Finds TLS certificate checks switched off: `verify=False` on
    `requests`/`httpx` calls, sessions and clients (`session.verify = False`),
    `ssl._create_unverified_context()`, `ssl.CERT_NONE` and
    `check_hostname = False`.

    ## Why is this bad?
    Without certificate verification, anyone on the network path (a
    compromised router, a cloud neighbour, public Wi-Fi) can impersonate the
    server the app talks to and read or change the traffic: API keys,
    payment calls, OAuth tokens. A `verify=` that comes from configuration
    (`verify=app.config["CA_BUNDLE"]`) is not reported, nor code under an
    explicit opt-in (`if config.SKIP_SSL_VERIFY:`).

    ## Example
    ```python
    resp = requests.get(url, timeout=10, verify=False)
    ```

    ## Use instead
    ```python
    resp = requests.get(url, timeout=10, verify="/etc/ssl/certs/internal-ca.pem")
    ```

    ## Fix safety
    No automatic fix: servers with self-signed certificates need their CA
    bundle configured.

    ## References
    - Requests docs, "SSL Cert Verification"
    - Python docs, ssl: "Security considerations"
    """

    code = "FD321"
    name = "tls-verification-disabled"
    severity = Severity.WARNING
    catalog = ()
    summary = "TLS certificate verification is switched off for outgoing requests."

    VALID = (
        Valid("""
            import requests

            def fetch(url, ca_bundle):
                return requests.get(url, timeout=10, verify=ca_bundle)
            """),
        Valid("""
            import ssl

            def smtp_context(skip_ssl_verify):
                ctx = ssl.create_default_context()
                if skip_ssl_verify:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                return ctx
            """),
        Valid("""
            import jwt

            def claims(token, key):
                return jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
            """),
    )
    INVALID = (
        Invalid("""
            import requests

            def fetch(url):
                return requests.get(url, timeout=10, verify=False)  # expect
            """, message="verify=False"),
        Invalid("""
            import ssl
            import urllib.request

            def fetch(url):
                ctx = ssl._create_unverified_context()  # expect
                return urllib.request.urlopen(url, context=ctx, timeout=10)
            """, message="_create_unverified_context"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = resolved(ctx, node.func)
        if name in ("ssl._create_unverified_context", "ssl._create_stdlib_context"):
            self._report(ctx, node, f"`{name}()` builds an SSL context that accepts any certificate")
            return
        keyword = next((kw for kw in node.keywords if kw.arg in ("verify", "ssl", "verify_ssl")), None)
        if keyword is None or not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
            return
        if not self._http_call(node, ctx, name):
            return
        self._report(ctx, node, f"`{code_text(node.func)}(...)` with `{keyword.arg}=False` skips certificate checks")

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr != "CERT_NONE" or ctx.is_test_code():
            return
        if resolved(ctx, node) != "ssl.CERT_NONE":
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Compare):
            return  # ``if ctx.verify_mode == ssl.CERT_NONE:`` reads it
        self._report(ctx, node, "`ssl.CERT_NONE` accepts any certificate")

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        if ctx.is_test_code() or not false_constant(node.value):
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in ("verify", "check_hostname"):
                type_name = ctx.type_of(target.value) or ""
                if target.attr == "check_hostname" or type_name.startswith(HTTP_TYPES):
                    self._report(ctx, node, f"`{code_text(target)} = False` switches certificate checks off")

    def _http_call(self, node: ast.Call, ctx: Context, name: str) -> bool:
        if name.startswith(HTTP_CLIENTS):
            return True
        if isinstance(node.func, ast.Attribute):
            type_name = ctx.type_of(node.func.value) or ""
            if type_name.startswith(HTTP_TYPES) or type_name.startswith(HTTP_CLIENTS):
                return True
        return False

    def _report(self, ctx: Context, node: ast.AST, what: str) -> None:
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, (ast.If, ast.IfExp)) and _OPT_IN.search(ast.unparse(ancestor.test)):
                return  # ``if app.config["SKIP_SSL_VERIFY"]:``: an operator's explicit choice
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what}: anyone on the network path can impersonate the server and read or change the traffic",
                hint="Keep verification on; for private CAs pass verify=\"/path/to/ca.pem\" (or set REQUESTS_CA_BUNDLE).",
            )
        )


# ============================================================ FD308
CSRF_TYPES = {
    "flask_wtf.csrf.CSRFProtect", "flask_wtf.CSRFProtect", "flask_wtf.csrf.CsrfProtect", "flask_wtf.CsrfProtect",
    "flask_seasurf.SeaSurf",
}
FORM_ATTRS = {"form", "files", "values"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_AUTH = ("flask_login", "flask_security", "flask_user", "flask_principal", "flask_praetorian_session")


@dataclass
class CsrfFacts:
    protected_at: Location | None
    exempt: set[str]
    exempt_blueprints: set[str]
    cookie_auth: bool
    samesite: str | None
    flask_wtf: bool = False
    jwt_cookies: bool = False  # Flask-JWT-Extended tokens in cookies with its CSRF check switched off


def csrf_facts(project: Project) -> CsrfFacts:
    cached = getattr(project, "_fd_web_csrf", None)
    if cached is not None:
        return cached
    protected_at: Location | None = None
    exempt: set[str] = set()
    exempt_blueprints: set[str] = set()
    csrf_types = set(CSRF_TYPES) | {q for q, cls in project.classes.items() if project.is_subtype(q, CSRF_TYPES)}
    csrf_objects = {o.qualname for o in project.objects.values() if o.type in csrf_types}
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        if site.name in csrf_types and protected_at is None:
            protected_at = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        func = site.node.func
        if isinstance(func, ast.Attribute) and func.attr == "exempt" and site.node.args:
            owner = site.name.rsplit(".", 1)[0]
            if owner in csrf_objects or (dotted(func.value) or "").endswith("csrf"):
                target = dotted(site.node.args[0]) or ""
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                qualified = (table.qualify(target) if table else None) or f"{site.module.name}.{target}"
                obj = project.objects.get(qualified)
                if obj is not None and "Blueprint" in obj.type:
                    exempt_blueprints.add(qualified)
                else:
                    exempt.add(qualified)
                    exempt.add(target.rsplit(".", 1)[-1])
    cookie_auth = False
    for module, records in project.imports.items():
        if is_test_path(project.modules[module].path) if module in project.modules else False:
            continue
        for record in records:
            if record.module.split(".")[0] in SESSION_AUTH or (record.module == "flask" and "session" in record.names):
                cookie_auth = True
                break
        if cookie_auth:
            break
    samesite = None
    for setting in settings(project, ("SESSION_COOKIE_SAMESITE",)):
        if live_in_production(project, setting) and isinstance(setting.value, ast.Constant) and isinstance(setting.value.value, str):
            samesite = setting.value.value
    flask_wtf = any(r.module.split(".")[0] == "flask_wtf" for records in project.imports.values() for r in records)
    locations = [s for s in settings(project, ("JWT_TOKEN_LOCATION",)) if "cookies" in ast.unparse(s.value)]
    jwt_csrf_off = any(false_constant(s.value) for s in settings(project, ("JWT_COOKIE_CSRF_PROTECT",)))
    jwt_cookies = bool(locations) and jwt_csrf_off
    facts = CsrfFacts(protected_at, exempt, exempt_blueprints, cookie_auth or jwt_cookies, samesite, flask_wtf, jwt_cookies)
    project._fd_web_csrf = facts  # type: ignore[attr-defined]
    return facts


class FormWithoutCsrf(Rule):
    """
    ## What it does
    Finds views that accept POST/PUT/PATCH/DELETE, read form data
    (`request.form`, `request.files`, `request.values`) and act as the
    logged-in user (a `login_required`-style decorator, `current_user`,
    `session`, a blueprint `before_request` hook that checks the login, or
    an app-wide login wall) in a
    project with no CSRF protection: no `CSRFProtect` anywhere, and no
    Flask-WTF form validated in the view. Flask-JWT-Extended views count
    when tokens live in cookies with `JWT_COOKIE_CSRF_PROTECT = False`. Views marked with
    `csrf.exempt` that read form data are reported even when `CSRFProtect`
    is on.

    ## Why is this bad?
    The browser attaches the session cookie to a form that *another* site
    submits to yours, so without a CSRF token that site can post as the
    logged-in user: change the email or password, delete data, make a
    purchase. Views that only read JSON (`request.get_json()`) are not
    reported: browsers cannot send a cross-site JSON body without a CORS
    preflight. Neither are views that use no login at all (a forged request
    gains nothing), nor endpoints that receive cross-site POSTs by design
    (SAML assertion consumers, OAuth callbacks, webhooks). When production sets `SESSION_COOKIE_SAMESITE` to `"Lax"` or
    `"Strict"`, browsers already withhold the cookie from cross-site POSTs
    and the finding is a note.

    ## Example
    ```python
    @app.route("/settings", methods=["GET", "POST"])
    @login_required
    def settings():
        if request.method == "POST":
            current_user.email = request.form["email"]
    ```

    ## Use instead
    ```python
    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect(app)  # and {{ csrf_token() }} in every form
    ```

    ## Fix safety
    No automatic fix: templates need the token field.

    ## References
    - Flask-WTF docs, "CSRF Protection"
    - Flask docs, Security Considerations: Cross-Site Request Forgery
    - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    """

    code = "FD308"
    name = "form-without-csrf"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A form-handling POST view without CSRF protection in a cookie-session app."

    VALID = (
        Valid("""
            from flask import Flask, request, session
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @app.route("/settings", methods=["GET", "POST"])
            def settings():
                session["email"] = request.form["email"]
                return "ok"
            """),
        Valid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.post("/api/items")
            def create_item():
                data = request.get_json()
                return {"name": data["name"], "user": session.get("uid")}
            """),
        Valid("""
            from flask import Flask, redirect
            from flask_login import login_required
            from .forms import ProfileForm
            app = Flask(__name__)

            @app.route("/profile", methods=["GET", "POST"])
            @login_required
            def profile():
                form = ProfileForm()
                if form.validate_on_submit():
                    return redirect("/")
                return form.errors
            """),
        Valid("""
            from flask import Flask, request
            from flask_login import LoginManager
            app = Flask(__name__)
            login_manager = LoginManager(app)

            @app.post("/newsletter")
            def subscribe():
                return f"subscribed {request.form['email']}"
            """),
        Valid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.post("/saml/acs")
            def saml_acs():
                session["user"] = parse_assertion(request.form["SAMLResponse"])
                return "ok"
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.route("/settings", methods=["GET", "POST"])
            def settings():
                if request.method == "POST":
                    session["email"] = request.form["email"]  # expect
                return "ok"
            """, message="`settings`"),
        Invalid("""
            from flask import Flask, request
            from flask_login import login_required
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @app.post("/transfer")
            @csrf.exempt
            @login_required
            def transfer():
                return request.form["amount"]  # expect
            """, message="exempt"),
        Invalid("""
            from flask import Flask, redirect, request, url_for
            from flask_login import current_user
            app = Flask(__name__)

            @app.before_request
            def login_wall():
                if not current_user.is_authenticated and request.endpoint != "login":
                    return redirect(url_for("login"))

            @app.post("/notes/delete")
            def delete_note():
                return request.form["note_id"]  # expect
            """, message="delete_note"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        facts = csrf_facts(project)
        for fn in list(project.views()):
            if is_test_path(fn.module.path):
                continue
            exempt = self._exempt(project, fn, facts)
            if facts.protected_at is not None and not exempt:
                continue
            if not facts.cookie_auth and not exempt:
                continue
            if not _acts_as_user(project, fn, facts):
                continue  # no login, no session: a forged request gains nothing the attacker lacks
            read = _form_read(fn)
            if read is None or not _accepts_unsafe_method(fn) or _cross_site_by_design(fn):
                continue
            if not exempt and (_mentions(fn, ("validate_on_submit",)) or (facts.flask_wtf and _mentions(fn, (".validate(",)))):
                continue  # a Flask-WTF form checks its CSRF token when it validates
            attr = read.attr if isinstance(read, ast.Attribute) else "form"
            if exempt:
                message = (
                    f"view `{fn.display}` reads `request.{attr}` but is exempt from CSRFProtect (`csrf.exempt`): another "
                    f"site can submit this form with the user's session cookie"
                )
            else:
                message = (
                    f"view `{fn.display}` handles a form (`request.{attr}`) with no CSRF protection (no CSRFProtect in "
                    f"the project, no validated FlaskForm here): another site can submit it with the user's session cookie"
                )
            severity = self.effective_severity
            if facts.samesite and facts.samesite.lower() in ("lax", "strict"):
                severity = Severity.NOTE
                message += f" (softened by SESSION_COOKIE_SAMESITE={facts.samesite!r})"
            report(
                self.finding(
                    Location(fn.module.path, read.lineno, read.col_offset + 1),
                    message,
                    hint="Enable flask_wtf.csrf.CSRFProtect(app) and render {{ csrf_token() }} in the form, or validate "
                    "a FlaskForm with form.validate_on_submit().",
                    severity=severity,
                    evidence=[Evidence(f"route {r.rule or '?'} {'/'.join(r.methods)}", r.location) for r in fn.routes[:2]],
                )
            )

    @staticmethod
    def _exempt(project: Project, fn: FunctionInfo, facts: CsrfFacts) -> bool:
        for deco in fn.decorators:
            if deco.endswith(".exempt") and ("csrf" in deco.lower() or deco.rsplit(".", 1)[0] in {o.qualname for o in project.objects.values() if o.type in CSRF_TYPES}):
                return True
        if fn.qualname in facts.exempt or (fn.parent is None and fn.class_name is None and fn.name in facts.exempt and fn.qualname.rsplit(".", 1)[0] in {e.rsplit(".", 1)[0] for e in facts.exempt if "." in e}):
            return True
        return any(route.owner in facts.exempt_blueprints for route in fn.routes)


_AUTH_DECORATOR = re.compile(
    r"login_required|auth_required|roles?_(required|accepted)|permission|requires?_(auth|login|admin|role|user)|admin_required"
    r"|jwt_required|token_required|(^|[._])auth\.|has_access|protect",
    re.IGNORECASE,
)
_USER_WORDS = ("current_user", "login_user", "logout_user", "session[", "session.get", "session.pop", "g.user", "authenticated")


def _acts_as_user(project: Project, fn: FunctionInfo, facts: CsrfFacts) -> bool:
    """Does the view act with the user's cookie-borne authority (login decorator, session, current_user)?"""
    for deco in fn.decorators:
        if _AUTH_DECORATOR.search(deco):
            if "jwt_required" in deco and not facts.jwt_cookies:
                continue  # JWT in headers, or in cookies with Flask-JWT-Extended's own CSRF check
            return True
    if _mentions(fn, _USER_WORDS):
        return True
    owners = {r.owner for r in fn.routes}
    hooks = _auth_hooks(project)
    return bool(owners & hooks) or "*" in hooks


def _auth_hooks(project: Project) -> set[str]:
    """Blueprints whose ``before_request`` hook checks the login (an admin blueprint, say).

    An app-wide hook (``*``) counts only when it is a login wall: it turns
    away anonymous users (``if not current_user.is_authenticated: return
    redirect(...)``). Hooks that guard a list of protected endpoints would
    make every public form look authenticated.
    """
    cached = getattr(project, "_fd_web_auth_hooks", None)
    if cached is not None:
        return cached
    owners: set[str] = set()
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) or not _mentions(hook, (*_USER_WORDS, "abort(401", "abort(403")):
            continue
        for deco in hook.decorators:
            owner, _, attr = deco.rpartition(".")
            obj = project.objects.get(owner)
            if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
                owners.add(owner)
            elif attr in ("before_request", "before_app_request") and _login_wall(hook):
                owners.add("*")
    project._fd_web_auth_hooks = owners  # type: ignore[attr-defined]
    return owners


_LOGIN_WALL = re.compile(r"not\s+[\w.]*current_user\.is_authenticated|not\s+[\w.]*session\.get\(|[\w.]*current_user\.is_anonymous")
_TURN_AWAY = ("redirect(", "abort(401", "abort(403", "unauthorized(", "Unauthorized", "Forbidden")


def _login_wall(hook: FunctionInfo) -> bool:
    start, end = hook.node.lineno, getattr(hook.node, "end_lineno", hook.node.lineno) or hook.node.lineno
    text = "\n".join(hook.module.lines[start - 1: end])
    return bool(_LOGIN_WALL.search(text)) and any(word in text for word in _TURN_AWAY)


_CROSS_SITE = re.compile(r"saml|(^|[^a-z])acs([^a-z]|$)|sso|oidc|oauth|callback|webhook|hook|ipn|notify|assertion", re.IGNORECASE)


def _cross_site_by_design(fn: FunctionInfo) -> bool:
    """SAML assertion consumers, OAuth callbacks and webhooks receive cross-site POSTs by design
    and authenticate them by signature, not by the session cookie."""
    names = [fn.name, fn.class_name or "", *(r.rule for r in fn.routes)]
    return any(_CROSS_SITE.search(n) for n in names if n)


def _form_read(fn: FunctionInfo) -> ast.Attribute | None:
    table = fn.imports
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and node.attr in FORM_ATTRS:
            base = dotted(node.value)
            if base and (table.qualify(base) or "") in REQUEST_NAMES:
                return node
    return None


def _accepts_unsafe_method(fn: FunctionInfo) -> bool:
    methods = {m for route in fn.routes for m in route.methods}
    if methods:
        return bool(methods & UNSAFE_METHODS)
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        return True
    return _mentions(fn, ('"POST"', "'POST'"))


# ============================================================ FD311
FORWARDED_HEADERS = {
    "x-forwarded-for": "X-Forwarded-For", "x-real-ip": "X-Real-IP", "x-client-ip": "X-Client-IP",
    "forwarded": "Forwarded", "x-forwarded-proto": "X-Forwarded-Proto", "x-forwarded-host": "X-Forwarded-Host",
    "x-forwarded-scheme": "X-Forwarded-Scheme", "x-forwarded-port": "X-Forwarded-Port",
}


class SpoofableForwardedHeader(Rule):
    """
    ## What it does
    Finds code that reads `X-Forwarded-For`, `X-Real-IP`,
    `X-Forwarded-Proto`/`-Host` (or `Forwarded`) by hand from
    `request.headers` or `request.environ`, and `request.access_route`.

    ## Why is this bad?
    Any client can send these headers. Unless a proxy you control
    *replaces* them, the "client IP" taken from the first
    `X-Forwarded-For` entry is whatever the client wrote: rate limits are
    bypassed by sending a new value each time, IP allow-lists are opened,
    audit logs record fake addresses, and `X-Forwarded-Host` poisons
    password-reset links. Werkzeug's `ProxyFix` trusts exactly as many hops
    as you say, and then `request.remote_addr`, `request.scheme` and
    `request.host` are right. Taking the *last* `X-Forwarded-For` entry
    (`.split(",")[-1]`, what one proxy appended) is not reported.

    ## Example
    ```python
    ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0]
    ```

    ## Use instead
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    ...
    ip = request.remote_addr
    ```

    ## Fix safety
    No automatic fix: the number of proxies has to be known.

    ## References
    - Werkzeug docs, "X-Forwarded-For Proxy Fix" (ProxyFix)
    - Flask docs, Deploying: "Tell Flask it is Behind a Proxy"
    """

    code = "FD311"
    name = "spoofable-forwarded-header"
    severity = Severity.WARNING
    catalog = ("S24",)
    summary = "X-Forwarded-For/-Proto/-Host read by hand: any client can set them."

    VALID = (
        Valid("""
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            """),
        Valid("""
            from flask import request

            def behind_proxy():
                return bool(request.headers.get("X-Forwarded-For"))
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/login")
            def login():
                ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0]  # expect
                return ip
            """, message="X-Forwarded-For"),
        Invalid("""
            from flask import request

            def client_ip():
                return request.environ.get("HTTP_X_REAL_IP") or request.remote_addr  # expect
            """, message="X-Real-IP"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("get", "__getitem__", "getlist")):
            return
        header = _forwarded_header(node.args[0])
        if header is None or not self._request_mapping(func.value, ctx):
            return
        if self._takes_last(ctx) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{code_text(node, 60)}`", header)

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> None:
        if ctx.is_test_code() or isinstance(node.ctx, ast.Store):
            return
        header = _forwarded_header(node.slice)
        if header is None or not self._request_mapping(node.value, ctx):
            return
        if self._takes_last(ctx) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{code_text(node, 60)}`", header)

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr != "access_route" or ctx.is_test_code():
            return
        if resolved(ctx, node.value) not in REQUEST_NAMES:
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Subscript) and _is_last_index(parent.slice):
            return
        self._report(ctx, node, "`request.access_route`", "X-Forwarded-For")

    def _request_mapping(self, node: ast.expr, ctx: Context) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in ("headers", "environ"):
            return resolved(ctx, node.value) in REQUEST_NAMES
        return False

    @staticmethod
    def _presence_only(ctx: Context) -> bool:
        """``bool(request.headers.get("X-Forwarded-For"))`` or ``if request.headers.get(...):`` only asks whether a proxy is there."""
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Call) and dotted(parent.func) == "bool":
            return True
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and parent.test is not None:
            return True
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        return isinstance(parent, ast.Compare) and all(isinstance(c, ast.Constant) and c.value is None for c in parent.comparators)

    def _takes_last(self, ctx: Context) -> bool:
        """``...split(",")[-1]`` around the read: the hop the proxy appended."""
        for parent in reversed(ctx.ancestors[-4:]):
            if isinstance(parent, ast.Subscript) and _is_last_index(parent.slice):
                return True
        return False

    def _report(self, ctx: Context, node: ast.AST, text: str, header: str) -> None:
        if header in ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Scheme", "X-Forwarded-Port"):
            risk = "a client can send any value, and URLs built from it (password-reset links, redirects) point where it says"
        else:
            risk = "a client can send any address, so rate limits, IP allow-lists and audit logs keyed on it can be fooled"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{text} in {describe_context(ctx)} reads the `{header}` header by hand: {risk}",
                hint="Wrap the app in werkzeug's ProxyFix with the number of proxies you run, then use "
                "request.remote_addr / request.scheme / request.host.",
            )
        )


def _forwarded_header(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        key = node.value.lower().replace("_", "-")
        key = key.removeprefix("http-")
        return FORWARDED_HEADERS.get(key)
    return None


def _is_last_index(node: ast.AST) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and node.operand.value == 1


# ============================================================ FD312 / FD313
PROXY_FIX = {"werkzeug.middleware.proxy_fix.ProxyFix", "werkzeug.contrib.fixers.ProxyFix", "flask_proxyfix.ProxyFix"}
PROXY_SENSITIVE_ATTRS = {"remote_addr": "the client address"}
REMOTE_ADDRESS_FUNCS = {"flask_limiter.util.get_remote_address", "flask_limiter.util.get_ipaddr"}


def proxy_fixes(project: Project) -> list[tuple[ast.Call, Location]]:
    cached = getattr(project, "_fd_web_proxyfix", None)
    if cached is None:
        cached = []
        for site in project.calls:
            if site.name in PROXY_FIX or site.name.endswith(".ProxyFix") or site.name == "ProxyFix":
                if not is_test_path(site.module.path):
                    cached.append((site.node, Location(site.module.path, site.node.lineno, site.node.col_offset + 1)))
        project._fd_web_proxyfix = cached  # type: ignore[attr-defined]
    return cached


def declared_proxies(project: Project) -> list:
    deploy = project.deploy
    if deploy is None:
        return []
    from flask_doctor.static.rules.secrets import production_deploy_path

    return [p for p in getattr(deploy, "proxies", ()) if production_deploy_path(p.source.path)]


def server_handles_proxy(project: Project) -> bool:
    """waitress ``--trusted-proxy``, uvicorn ``--proxy-headers``: the server already rewrites the address."""
    deploy = project.deploy
    for cmd in getattr(deploy, "commands", ()) if deploy is not None else ():
        text = " ".join(cmd.argv)
        if "--trusted-proxy" in text or "--proxy-headers" in text:
            return True
    return False


class MissingProxyFix(Rule):
    """
    ## What it does
    In a project whose deploy files put a reverse proxy in front of the app
    (an nginx config, an nginx/traefik/caddy service in compose) and that
    never wraps the app in `ProxyFix`, finds code that relies on the client
    address the proxy hides: `request.remote_addr` and Flask-Limiter's
    `get_remote_address`.

    ## Why is this bad?
    Behind a proxy the WSGI server sees the proxy's connection: every
    request comes from `127.0.0.1` (or the proxy container). Rate limits
    keyed on the address then throttle all users together (one user's burst
    locks everyone out), logins are logged from one IP, and IP allow-lists
    allow everyone. `ProxyFix` reads the `X-Forwarded-*` headers the proxy
    sets, for exactly the number of proxies you declare. (`request.scheme`
    and external URLs are also affected unless the server trusts the proxy's
    `X-Forwarded-Proto` and the proxy passes `Host`; that depends on server
    settings and is left to `flask-doctor audit`.) Servers that rewrite the
    address themselves (waitress `--trusted-proxy`, uvicorn
    `--proxy-headers`) are not reported.

    ## Example
    ```python
    limiter = Limiter(get_remote_address, app=app)
    ```
    with `proxy_pass http://web:8000;` in `nginx.conf`.

    ## Use instead
    ```python
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    ```

    ## Fix safety
    No automatic fix: the counts must match the proxies really in front.

    ## References
    - Flask docs, "Tell Flask it is Behind a Proxy"
    - Werkzeug docs, ProxyFix
    """

    code = "FD312"
    name = "missing-proxy-fix"
    severity = Severity.NOTE
    catalog = ("S24",)
    summary = "Behind a declared reverse proxy without ProxyFix: request.remote_addr is the proxy's."

    VALID = (
        Valid("""
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """, files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"}),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr  # expect
            """, message="nginx.conf", files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        proxies = declared_proxies(project)
        if not proxies or proxy_fixes(project) or server_handles_proxy(project):
            return
        proxy = proxies[0]
        evidence = [Evidence(f"reverse proxy `{proxy.name}` declared here", proxy.source)]
        seen_functions: set[str] = set()
        for module in project.modules.values():
            if is_test_path(module.path):
                continue
            for node, what in _proxy_sensitive_uses(project, module):
                fn_key = f"{module.path}:{what}"
                if fn_key in seen_functions:
                    continue
                seen_functions.add(fn_key)
                report(
                    self.finding(
                        Location(module.path, node.lineno, node.col_offset + 1),
                        f"{what} behind the reverse proxy declared in `{proxy.source.path}`, and the app never applies "
                        f"ProxyFix: it sees the proxy's connection, not the client's",
                        hint="app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1) — one per proxy in front.",
                        evidence=evidence,
                    )
                )


def _proxy_sensitive_uses(project: Project, module) -> Iterator[tuple[ast.AST, str]]:
    table = project.module_imports.get(module.name)
    if table is None:
        return
    text = module.text
    if not any(word in text for word in ("remote_addr", "get_remote_address", "get_ipaddr")):
        return
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and node.attr in PROXY_SENSITIVE_ATTRS:
            base = dotted(node.value)
            if base and _qualify_any(project, module, base) in REQUEST_NAMES:
                yield node, f"`request.{node.attr}` ({PROXY_SENSITIVE_ATTRS[node.attr]})"
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            name = _qualify_any(project, module, dotted(node) or "")
            if name in REMOTE_ADDRESS_FUNCS:
                yield node, f"Flask-Limiter's `{name.rsplit('.', 1)[-1]}` (rate-limit key)"


def _qualify_any(project: Project, module, name: str) -> str:
    """Qualify with the module table, falling back to any function table of the module (local imports)."""
    table = project.module_imports.get(module.name)
    found = table.qualify(name) if table is not None else None
    if found:
        return found
    head = name.split(".")[0]
    cache = getattr(module, "_fd_web_fn_aliases", None)
    if cache is None:
        cache = {}
        for fn in project.functions.values():
            if fn.module is module:
                for alias, target in fn.imports.aliases.items():
                    cache.setdefault(alias, target)
        module._fd_web_fn_aliases = cache
    target = cache.get(head)
    if target:
        rest = name[len(head):]
        return target + rest
    return name


class ProxyFixCountMismatch(Rule):
    """
    ## What it does
    Finds `ProxyFix(app.wsgi_app, x_for=N, ...)` whose counts exceed the
    number of reverse proxies the deploy files declare (for example
    `x_for=2` with one nginx in front).

    ## Why is this bad?
    `x_for=N` tells Werkzeug to trust the last N addresses in
    `X-Forwarded-For`. With fewer real proxies than N, the extra entries are
    whatever the client sent, so the client picks its own
    `request.remote_addr` (and with `x_host`/`x_proto`, its own host and
    scheme) — exactly what ProxyFix is meant to prevent. When the deploy
    files do not declare any proxy, nothing is reported (a load balancer
    may live outside the repository).

    ## Example
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=2)
    ```
    with one nginx in `docker-compose.yml`.

    ## Use instead
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    ```

    ## Fix safety
    No automatic fix: a proxy outside the repository (a cloud load balancer)
    also counts.

    ## References
    - Werkzeug docs, ProxyFix: "setting a value greater than the number of proxies ... allows clients to spoof"
    - Flask docs, "Tell Flask it is Behind a Proxy"
    """

    code = "FD313"
    name = "proxy-fix-count-mismatch"
    severity = Severity.WARNING
    catalog = ("S24",)
    #: A cloud load balancer in front of the declared nginx is invisible in the
    #: repository and makes x_for=2 right; no real deploy tree exercised this yet.
    preview = True
    summary = "ProxyFix trusts more proxy hops than the deployment declares."

    VALID = (
        Valid("""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
            """, files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"}),
        Valid("""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2)
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=3, x_proto=1)  # expect
            """, message="x_for=3", files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        proxies = declared_proxies(project)
        if not proxies:
            return
        # an nginx service in compose and its nginx.conf are one proxy: count distinct kinds
        count = max(1, len({p.kind or p.name for p in proxies}))
        for call, location in proxy_fixes(project):
            over = []
            for kw in call.keywords:
                if kw.arg in ("x_for", "x_proto", "x_host", "x_port", "x_prefix", "num_proxies") and isinstance(kw.value, ast.Constant) \
                        and isinstance(kw.value.value, int) and not isinstance(kw.value.value, bool) and kw.value.value > count:
                    over.append(f"{kw.arg}={kw.value.value}")
            if not over:
                continue
            names = ", ".join(f"`{p.name}`" for p in proxies[:3])
            report(
                self.finding(
                    location,
                    f"`ProxyFix(..., {', '.join(over)})` trusts more hops than the {count} reverse prox"
                    f"{'y' if count == 1 else 'ies'} the deploy files declare ({names}): clients can spoof the extra "
                    f"X-Forwarded-* entries and choose their own address/host",
                    hint=f"Set each x_* count to the number of proxies really in front ({count} here), "
                    "counting load balancers outside the repository.",
                    evidence=[Evidence(f"proxy `{p.name}`", p.source) for p in proxies[:3]],
                )
            )


# ============================================================ FD322
class UploadWithoutSizeLimit(Rule):
    """
    ## What it does
    Finds views that read uploaded files (`request.files`) in a project that
    never sets `MAX_CONTENT_LENGTH` (in a config class, a config module or
    `app.config`) and has no reverse proxy declared (nginx limits bodies to
    1 MB by default).

    ## Why is this bad?
    Flask's default `MAX_CONTENT_LENGTH` is `None`: a client can upload a
    body of any size, which Werkzeug spools to memory and disk. A few large
    uploads fill the disk or memory of a worker and take the site down.
    `MAX_CONTENT_LENGTH` makes Flask answer 413 before reading the body.

    ## Example
    ```python
    @app.post("/avatar")
    def avatar():
        request.files["image"].save(path)
    ```
    with no `MAX_CONTENT_LENGTH` anywhere.

    ## Use instead
    ```python
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024  # 16 MB
    ```

    ## Fix safety
    No automatic fix: the limit depends on what users upload.

    ## References
    - Flask docs, "Uploading Files": "Improving Uploads" / `MAX_CONTENT_LENGTH`
    - Flask docs, Configuration: `MAX_CONTENT_LENGTH`, `MAX_FORM_MEMORY_SIZE`
    """

    code = "FD322"
    name = "upload-without-size-limit"
    severity = Severity.NOTE
    catalog = ()
    summary = "File uploads with no MAX_CONTENT_LENGTH anywhere in the project."

    VALID = (
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)
            app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

            @app.post("/avatar")
            def avatar():
                request.files["image"].save("/tmp/avatar.png")
                return "ok"
            """),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/name")
            def name():
                return request.form["name"]
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/avatar")
            def avatar():
                request.files["image"].save("/tmp/avatar.png")  # expect
                return "ok"
            """, message="MAX_CONTENT_LENGTH"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if any(s.key in ("MAX_CONTENT_LENGTH",) for s in project.config):
            return
        if any("MAX_CONTENT_LENGTH" in m.text or "max_content_length" in m.text for m in project.modules.values()):
            return
        if declared_proxies(project):
            return
        for fn in project.functions.values():
            if REQUEST not in fn.contexts or is_test_path(fn.module.path):
                continue
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Attribute) and node.attr == "files":
                    base = dotted(node.value)
                    if base and (fn.imports.qualify(base) or "") in REQUEST_NAMES:
                        report(
                            self.finding(
                                Location(fn.module.path, node.lineno, node.col_offset + 1),
                                f"`{fn.display}` reads uploaded files (`request.files`) and the project never sets "
                                f"MAX_CONTENT_LENGTH: a client can send a body of any size and fill the worker's "
                                f"memory or disk",
                                hint="Set app.config[\"MAX_CONTENT_LENGTH\"] to the largest upload you accept "
                                "(Flask answers 413 above it).",
                            )
                        )
                        break

"""Facts shared by the web security rules (moved from the family module).

FD308, FD311-FD322 — request handling: CSRF, proxies, injection, unsafe loaders.

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
from collections.abc import Iterator
from dataclasses import dataclass, field
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.model import BLUEPRINT_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)
from flask_doctor.static.facts.config import (
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


# ============================================================ FD315
FILE_SINKS = {"flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file"}
PATH_GUARDS = ("commonpath", "is_relative_to", "safe_join", "secure_filename", "realpath", "basename")


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


# ============================================================ FD318
SQL_START = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with|replace|merge|create|drop|alter|truncate|exec|call|pragma)\b", re.IGNORECASE)
SQL_WORDS = re.compile(r"\b(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|where\s)", re.IGNORECASE | re.DOTALL)
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "raw"}
SQL_FUNCS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "pandas.read_sql", "pandas.read_sql_query"}
SQL_ESCAPES = ("quote", "escape", "literal", "int", "float", "len", "bool", "ident", "sanitize", "bindparam")


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


# ============================================================ FD321
HTTP_CLIENTS = ("requests.", "httpx.", "urllib3.", "aiohttp.")
HTTP_TYPES = ("requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient", "requests.session")


_OPT_IN = re.compile(r"verify|ssl|tls|insecure|skip|cert|unsafe|debug|testing", re.IGNORECASE)


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
    from flask_doctor.static.facts.config import production_deploy_path

    return [p for p in getattr(deploy, "proxies", ()) if production_deploy_path(p.source.path)]


def server_handles_proxy(project: Project) -> bool:
    """waitress ``--trusted-proxy``, uvicorn ``--proxy-headers``: the server already rewrites the address."""
    deploy = project.deploy
    for cmd in getattr(deploy, "commands", ()) if deploy is not None else ():
        text = " ".join(cmd.argv)
        if "--trusted-proxy" in text or "--proxy-headers" in text:
            return True
    return False


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

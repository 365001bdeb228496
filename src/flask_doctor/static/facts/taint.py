"""Taint: does a value come from the request?  One engine, configured per question.

Rules ask two different questions about request data, and each needs its own
answer to stay quiet where it should:

* :data:`REQUEST_DATA` -- "does this value depend on the current request at
  all?"  A cache keyed by anything read from ``request``, ``session``, ``g``
  or ``current_user`` grows with the traffic; a cache keyed by a class name
  does not.  Any mention of a source taints the whole expression (``int(x)``
  still varies per request), every parameter of a view is request data, and
  local assignments are followed to a fixed point.
* :data:`USER_INPUT` -- "does text the client chose survive into this value?"
  That is what an injection needs.  Only ``flask.request`` attributes that
  carry client data (``args``, ``form``, ``json``, ``headers``...) and string
  URL variables (``<path:name>`` yes, ``<int:id>`` no) are sources, and the
  trail is followed only through operations that keep the text: f-strings,
  ``+``, ``%``, ``.format``, string methods, ``os.path.join``.  Any other call
  (``secure_filename(x)``, ``int(x)``, ``User.query.get(x)``) ends it: that is
  where a value is checked or turned into something else, and guessing past
  it is how false alarms are born.

Both are a :class:`TaintPolicy` -- which names are the request, which of its
attributes carry data, how values propagate, which bindings are followed and
for how many rounds -- run by one engine, :class:`Taint`, memoised per
function and policy in ``project.facts``.  Nothing here follows values
through calls; :mod:`flask_doctor.static.facts.flows` adds one caller level.
"""

from __future__ import annotations

import ast
import enum
import functools
from collections.abc import Iterable
from dataclasses import field, replace

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.model.dispatch import LOCAL_PROXIES
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import walk

#: The request object itself (what ``request`` is imported as).
REQUEST_NAMES = frozenset({"flask.request", "flask.globals.request", "quart.request"})


@project_fact
def request_names(project: Project) -> frozenset[str]:
    """:data:`REQUEST_NAMES` plus the project's own proxies of the request.

    A project that wraps the request to add helpers (``request =
    CKANRequest(_get_request)`` with ``class CKANRequest(LocalProxy)`` and
    ``def _get_request(): return flask.request``, or ``LocalProxy(lambda:
    flask.request)``) and imports its ``request`` everywhere from there reads
    the same headers, arguments and environ as ``flask.request``.
    """
    found = set(REQUEST_NAMES)
    for obj in project.objects.values():
        if obj.in_function is not None or not obj.call.args or not _is_local_proxy(project, obj.type):
            continue
        getter = obj.call.args[0]
        table = project.module_imports.get(obj.module.name)
        if isinstance(getter, ast.Lambda):
            returned = [getter.body]
        else:
            name = dotted(getter)
            fn = project.resolve_function(name, None, obj.module) if name else None
            if fn is None:
                continue
            table = fn.imports
            returned = [n.value for n in walk(fn.node) if isinstance(n, ast.Return) and n.value is not None]
        names = {dotted(value) or "" for value in returned}
        qualified = {(table.qualify(n) if table is not None else None) or n for n in names}
        if returned and qualified <= REQUEST_NAMES:
            found.add(obj.qualname)
    return frozenset(found)


def _is_local_proxy(project: Project, type_name: str) -> bool:
    """``LocalProxy`` itself, or a project class deriving from it (``class CKANRequest(LocalProxy[Request])``)."""
    seen: set[str] = set()
    stack = [type_name]
    while stack:
        current = stack.pop()
        if current in LOCAL_PROXIES:
            return True
        if current in seen:
            continue
        seen.add(current)
        cls = project.classes.get(current)
        if cls is None:
            continue
        for base in cls.node.bases:
            node = base.value if isinstance(base, ast.Subscript) else base  # ``LocalProxy[Request]``
            name = dotted(node)
            table = project.module_imports.get(cls.module.name)
            if name:
                stack.append((table.qualify(name) if table is not None else None) or f"{cls.module.name}.{name}")
    return False


#: Everything that varies per request: the request, the session, ``g`` and the logged-in user.
REQUEST_STATE = frozenset(
    {
        "flask.request",
        "flask.session",
        "flask.g",
        "flask.globals.request",
        "flask.globals.session",
        "flask.globals.g",
        "flask_login.current_user",
        "flask_login.utils.current_user",
    }
)
#: ``request.<attr>`` that carry data the client chose.
DATA_ATTRS = frozenset(
    {
        "args",
        "form",
        "values",
        "json",
        "files",
        "headers",
        "cookies",
        "data",
        "view_args",
        "stream",
        "environ",
        "get_json",
        "get_data",
        "authorization",
        "query_string",
        "path",
        "full_path",
        "url",
        "base_url",
        "referrer",
        "user_agent",
        "host",
    }
)
#: calls whose result keeps the text of a tainted argument.
PASS_THROUGH = frozenset(
    {
        "str",
        "bytes",
        "os.path.join",
        "posixpath.join",
        "ntpath.join",
        "os.path.normpath",
        "os.path.abspath",
        "os.path.expanduser",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "urllib.parse.unquote",
        "urllib.parse.unquote_plus",
        "urllib.parse.urljoin",
        "base64.b64decode",
        "base64.urlsafe_b64decode",
        "bytes.fromhex",
        "codecs.decode",
    }
)
#: methods of a tainted value that return something harmless.
PREDICATE_METHODS = frozenset(
    {
        "startswith",
        "endswith",
        "isdigit",
        "isalnum",
        "isalpha",
        "isnumeric",
        "isdecimal",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "keys",
        "__len__",
        "getlist_len",
        "isidentifier",
    }
)
#: URL converters whose value cannot carry text (``<int:id>``).
SAFE_CONVERTERS = frozenset({"int", "float", "uuid", "bool"})
_CONVERTER = on_first_use(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_TYPE_CASTS = ("int", "float", "bool")


class Follow(enum.Enum):
    """How a value carries the taint of what it is built from."""

    #: any sub-expression that mentions a source taints the whole value
    MENTION = "mention"
    #: only operations that keep the client's text (f-strings, ``+``, ``%``, str methods, path joins)
    TEXT = "text"


class Seeds(enum.Enum):
    """Which parameters of a function are tainted before any assignment is read."""

    #: every parameter of a view (the URL values, whatever their converter)
    VIEW_ARGS = "view-args"
    #: URL variables whose converter keeps text (``<path:p>``, ``<name>``; not ``<int:id>``)
    ROUTE_TEXT = "route-text"


class Binding(enum.Enum):
    """The statements that bind a local name to a value."""

    ASSIGN = "assign"  # ``x = v``, ``x: T = v``, ``x += v``
    FOR = "for"  # ``for x in v``
    ASYNC_FOR = "async-for"  # ``async for x in v``
    COMPREHENSION = "comprehension"  # ``[... for x in v]``
    WALRUS = "walrus"  # ``(x := v)``
    WITH = "with"  # ``with v as x``


@dataclass(frozen=True)
class TaintPolicy:
    """One question about request data: what is a source, and how far taint travels."""

    #: qualified names of the request objects
    roots: frozenset[str]
    #: how a value carries taint
    follow: Follow
    #: which parameters start tainted
    seeds: Seeds
    #: which binding statements are followed
    bindings: frozenset[Binding]
    #: rounds over the bindings (``None``: until nothing changes)
    rounds: int | None
    #: attributes of a root that carry client data (``None``: any use of a root is data)
    data_attrs: frozenset[str] | None = None
    #: data attributes that do not count for this question (a redirect to ``request.referrer`` stays on the site)
    exclude: frozenset[str] = frozenset()
    #: ``flask.g.user`` counts as its root, and so does a ``current_user`` vendored anywhere
    root_members: bool = False
    #: a parameter named ``request`` hides the imported one
    params_shadow: bool = False
    #: bind the object an item or attribute is stored on too (``d[k] = v`` binds ``d``), not only plain names
    whole_targets: bool = False

    def without(self, attrs: frozenset[str]) -> TaintPolicy:
        """The same question, with ``attrs`` of the request no longer sources."""
        return replace(self, exclude=self.exclude | attrs)


#: "Does this value depend on the current request?" (caching and state rules).
REQUEST_DATA = TaintPolicy(
    roots=REQUEST_STATE,
    follow=Follow.MENTION,
    seeds=Seeds.VIEW_ARGS,
    bindings=frozenset({Binding.ASSIGN, Binding.FOR, Binding.COMPREHENSION, Binding.WALRUS}),
    rounds=None,
    root_members=True,
    whole_targets=True,
)
#: Request attributes with a fixed set of values, one per route, method or blueprint
#: (``request.endpoint``, ``request.method``, ``request.url_rule``): a cache keyed by them stays small.
FIXED_REQUEST_ATTRS = frozenset(
    {"method", "endpoint", "url_rule", "blueprint", "blueprints", "scheme", "is_secure", "is_json", "is_xhr"}
)
#: "Does this value take more values than the app has routes?" (container growth).
VARYING_REQUEST_DATA = REQUEST_DATA.without(FIXED_REQUEST_ATTRS)
#: "Does text the client chose reach this value?" (injection rules).
USER_INPUT = TaintPolicy(
    roots=REQUEST_NAMES,
    follow=Follow.TEXT,
    seeds=Seeds.ROUTE_TEXT,
    bindings=frozenset({Binding.ASSIGN, Binding.FOR, Binding.ASYNC_FOR, Binding.WALRUS, Binding.WITH}),
    rounds=4,
    data_attrs=DATA_ATTRS,
    params_shadow=True,
)


# ------------------------------------------------------------------ bindings
@dataclass(frozen=True, eq=False)
class Bound:
    """One binding statement: the names it binds and the value it binds them to."""

    kind: Binding
    names: tuple[str, ...]  # plain names and tuple/list elements
    all_names: tuple[str, ...]  # every name in the target (``d[k] = v``: ``d``, ``k``)
    value: ast.expr


_LOOP_KINDS = {ast.For: Binding.FOR, ast.AsyncFor: Binding.ASYNC_FOR, ast.comprehension: Binding.COMPREHENSION}


@keyed_fact
def bindings(project: Project, fn: FunctionInfo) -> tuple[Bound, ...]:
    """Every binding statement in ``fn`` (nested scopes included), in ``ast.walk`` order."""
    found: list[Bound] = []
    for node in walk(fn.node):
        if isinstance(node, ast.Assign):
            plain = tuple(name for target in node.targets for name in _target_names(target))
            every = tuple(name for target in node.targets for name in _holder_names(target))
            found.append(Bound(Binding.ASSIGN, plain, every, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if node.value is not None and isinstance(node.target, ast.Name):
                found.append(Bound(Binding.ASSIGN, (node.target.id,), (node.target.id,), node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            kind = _LOOP_KINDS[type(node)]
            every = tuple(t.id for t in walk(node.target) if isinstance(t, ast.Name))
            found.append(Bound(kind, tuple(_target_names(node.target)), every, node.iter))
        elif isinstance(node, ast.NamedExpr):
            found.append(Bound(Binding.WALRUS, (node.target.id,), (node.target.id,), node.value))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    target = item.optional_vars
                    every = tuple(t.id for t in walk(target) if isinstance(t, ast.Name))
                    found.append(Bound(Binding.WITH, tuple(_target_names(target)), every, item.context_expr))
    return tuple(found)


@keyed_fact
def assignments(project: Project, fn: FunctionInfo) -> tuple[tuple[str, ast.expr], ...]:
    """``(name, value)`` for each local :data:`USER_INPUT` follows (``x = v``, ``for x in v``, ``with v as x``)."""
    return tuple((name, b.value) for b in bindings(project, fn) if b.kind in USER_INPUT.bindings for name in b.names)


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out: list[str] = []
        for element in target.elts:
            out.extend(_target_names(element))
        return out
    return []


def _holder_names(target: ast.expr) -> list[str]:
    """The names an assignment to ``target`` puts the value in: ``x``, the elements of a tuple, and the object
    an item or attribute is stored on (``d`` of ``d[k] = v`` and ``d.attr = v``). The names in a key
    (``k``, ``current_app`` of ``d[current_app.config["K"]] = v``) are read, not assigned: they do not hold
    the value afterwards."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _holder_names(element)]
    if isinstance(target, ast.Starred):
        return _holder_names(target.value)
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return [target.id] if isinstance(target, ast.Name) else []


def route_parameters(fn: FunctionInfo) -> dict[str, str]:
    """``{name: converter}`` for the URL variables a view receives."""
    if "view" not in fn.roles:
        return {}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    converters: dict[str, str] = {}
    for route in fn.routes:
        for converter, name in _CONVERTER().findall(route.rule):
            converters[name] = converter or "string"
    out: dict[str, str] = {}
    for name in params:
        if name in converters:
            out[name] = converters[name]
        elif not fn.routes and fn.class_name:
            out[name] = "string"  # MethodView.get(self, slug): the rule lives elsewhere
    return out


def _seeds(fn: FunctionInfo, seeds: Seeds) -> dict[str, ast.AST | str]:
    if seeds is Seeds.VIEW_ARGS:
        if "view" not in fn.roles:
            return {}
        args = fn.node.args
        return {
            a.arg: f"view parameter `{a.arg}`"
            for a in args.posonlyargs + args.args + args.kwonlyargs
            if a.arg not in ("self", "cls")
        }
    out: dict[str, ast.AST | str] = {}
    for name, converter in route_parameters(fn).items():
        if converter not in SAFE_CONVERTERS:
            out[name] = f"route parameter `<{converter + ':' if converter != 'string' else ''}{name}>`"
    return out


# -------------------------------------------------------------------- engine
@dataclass(eq=False)
class Taint:
    """Which local names of one function hold request data under ``policy``, and where each came from."""

    fn: FunctionInfo
    policy: TaintPolicy
    names: dict[str, ast.AST | str] = field(default_factory=dict)
    #: module-level objects that hand out request data (:func:`request_parsers`), for :attr:`Follow.MENTION`
    parsers: dict[str, frozenset[str]] = field(default_factory=dict)

    @functools.cached_property
    def _params(self) -> frozenset[str]:
        args = self.fn.node.args
        return frozenset(a.arg for a in args.args + args.kwonlyargs)

    def is_request(self, node: ast.AST) -> bool:
        """Is ``node`` (a name or attribute chain) one of the policy's request objects?"""
        name = dotted(node)
        if not name:
            return False
        if self.policy.params_shadow and name == "request" and "request" in self._params:
            return False
        qualified = self.fn.imports.qualify(name)
        if qualified is None:
            return False
        if qualified in self.policy.roots:
            return True
        if not self.policy.root_members:
            return False
        if any(qualified.startswith(root + ".") for root in self.policy.roots):
            return True
        return "current_user" in qualified.split(".")[1:]  # vendored or wrapped login managers

    def source(self, node: ast.AST | None) -> ast.AST | str | None:
        """The request expression (or parameter) that ``node`` carries, else ``None``."""
        if node is None:
            return None
        if self.policy.follow is Follow.MENTION:
            return self._mentioned(node)
        return self._text_source(node)

    def _mentioned(self, expr: ast.AST) -> ast.AST | str | None:
        if self.policy.exclude:
            return self._mentioned_except(expr)
        for node in walk(expr):
            if isinstance(node, ast.Name):
                if node.id in self.names:
                    return self.names[node.id]
                if self.is_request(node):
                    return node
            elif isinstance(node, ast.Attribute) and (self.is_request(node) or self._parsed(node)):
                return node
        return None

    def _parsed(self, node: ast.Attribute) -> bool:
        """``parser.parse_args`` / ``api.payload`` on a module-level request parser (:func:`request_parsers`)."""
        if not self.parsers or node.attr not in ("parse_args", "payload"):
            return False
        name = dotted(node.value)
        if not name:
            return False
        qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
        return node.attr in self.parsers.get(qualified, ())

    def _mentioned_except(self, expr: ast.AST) -> ast.AST | str | None:
        """:meth:`_mentioned`, skipping ``request.<attr>`` for the policy's excluded attributes
        (``request.endpoint.split(".")`` and ``request.url_rule.rule`` mention nothing then)."""
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if node.id in self.names:
                    return self.names[node.id]
                if self.is_request(node):
                    return node
                continue
            if isinstance(node, ast.Attribute) and self.is_request(node):
                if self._root_attr(node) in self.policy.exclude:
                    continue
                return node
            if isinstance(node, ast.Attribute) and self._parsed(node):
                return node
            stack.extend(ast.iter_child_nodes(node))
        return None

    def _root_attr(self, node: ast.Attribute) -> str | None:
        """The attribute read directly off a request root in the chain ``node`` (``request.url_rule.rule``:
        ``url_rule``)."""
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            name = dotted(current.value)
            if name and (self.fn.imports.qualify(name) or "") in self.policy.roots:
                return current.attr
            current = current.value
        return None

    def _data_attr(self, attr: str) -> bool:
        data = self.policy.data_attrs
        return (data is None or attr in data) and attr not in self.policy.exclude

    def _text_source(self, node: ast.AST) -> ast.AST | str | None:
        chain = self._request_chain(node)
        if chain is not None:
            return node if chain else None
        if isinstance(node, ast.Name):
            return self.names.get(node.id) if isinstance(node.ctx, ast.Load) else None
        if isinstance(node, ast.Attribute):
            if self.is_request(node.value):
                return node if self._data_attr(node.attr) else None
            return self._text_source(node.value)
        if isinstance(node, ast.Subscript):
            return self._text_source(node.value)
        if isinstance(node, ast.Call):
            return self._call_source(node)
        if isinstance(node, ast.JoinedStr):
            return self._first(v.value for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.FormattedValue):
            return self._text_source(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod, ast.Div)):
            return self._text_source(node.left) or self._text_source(node.right)
        if isinstance(node, ast.BoolOp):
            return self._first(node.values)
        if isinstance(node, ast.IfExp):
            return self._text_source(node.body) or self._text_source(node.orelse)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return self._first(node.elts)
        if isinstance(node, ast.Dict):
            return self._first(node.values)
        if isinstance(node, (ast.Starred, ast.NamedExpr, ast.Await)):
            return self._text_source(node.value)
        return None

    def _first(self, nodes: Iterable[ast.AST]) -> ast.AST | str | None:
        for element in nodes:
            found = self._text_source(element)
            if found is not None:
                return found
        return None

    def _request_chain(self, node: ast.AST) -> bool | None:
        """``None`` if ``node`` is not ``request.<...>``; else whether that chain carries client data.

        ``request.args.get("next")``, ``request.form["url"]``, ``request.headers.get(...).split(",")``
        are client data; ``request.args.get("page", type=int)``, ``request.method`` and
        ``request.form.get("x", "").startswith("a")`` are not.
        """
        current = node
        clean = False
        referer_clean = "referrer" in self.policy.exclude
        while True:
            if isinstance(current, ast.Call):
                if any(kw.arg == "type" and dotted(kw.value) in _TYPE_CASTS for kw in current.keywords):
                    clean = True
                if referer_clean and current.args and _is_referer_key(current.args[0]):
                    clean = True
                current = current.func
            elif isinstance(current, ast.Subscript):
                if referer_clean and _is_referer_key(current.slice):
                    clean = True
                current = current.value
            elif isinstance(current, ast.Attribute):
                if self.is_request(current.value):
                    return not clean and self._data_attr(current.attr)
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
                return node if self._data_attr(func.attr) else None
            if func.attr in PREDICATE_METHODS:
                return None
            if any(kw.arg == "type" and dotted(kw.value) in _TYPE_CASTS for kw in node.keywords):
                return None  # request.args.get("page", 1, type=int)
            if func.attr in ("format", "join") and isinstance(func.value, ast.Constant):
                return self._first([*node.args, *(kw.value for kw in node.keywords)])
            found = self._text_source(func.value)
            if found is not None:
                return found
        name = dotted(func) or ""
        qualified = self.fn.imports.qualify(name) or name
        if qualified in PASS_THROUGH or name in ("str", "bytes"):
            return self._first(node.args)
        return None

    def spread(self, project: Project, named: bool) -> Taint:
        """Follow the policy's bindings from the seeded names.

        ``named``: remember for each name the request expression it carries (for
        messages); otherwise the right-hand side that bound it.
        """
        policy = self.policy
        records = [b for b in bindings(project, self.fn) if b.kind in policy.bindings]
        rounds = 0
        while policy.rounds is None or rounds < policy.rounds:
            rounds += 1
            changed = False
            for bound in records:
                for target in bound.all_names if policy.whole_targets else bound.names:
                    if target in self.names:
                        continue
                    found = self.source(bound.value)
                    if found is not None:
                        # name the right-hand side (``request.args.get("next")``), or the route parameter
                        keep = named and (isinstance(found, str) or isinstance(bound.value, (ast.JoinedStr, ast.BinOp)))
                        self.names[target] = found if keep else bound.value
                        changed = True
            if not changed:
                break
        return self


def _is_referer_key(node: ast.AST) -> bool:
    """``headers.get("Referer")`` / ``environ["HTTP_REFERER"]``: where the user came from."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.lower() in ("referer", "http_referer", "referrer")
    )


# ---------------------------------------------------------------- the facts
@keyed_fact
def _taint(project: Project, key: tuple[FunctionInfo, TaintPolicy, str | None]) -> Taint:
    fn, policy, param = key
    parsers = request_parsers(project) if policy.follow is Follow.MENTION else {}
    if param is None:
        return Taint(fn, policy, _seeds(fn, policy.seeds), parsers).spread(project, named=True)
    return Taint(fn, policy, {param: param}, parsers).spread(project, named=False)


#: Flask-RESTful / flask-restx objects whose members hand out the request's data, by constructor.
_PARSER_TYPES = {
    "flask_restful.reqparse.RequestParser": frozenset({"parse_args"}),
    "flask_restx.reqparse.RequestParser": frozenset({"parse_args"}),
    "flask_restplus.reqparse.RequestParser": frozenset({"parse_args"}),
    "flask_restx.Api": frozenset({"payload"}),
    "flask_restx.Namespace": frozenset({"payload"}),
    "flask_restplus.Api": frozenset({"payload"}),
    "flask_restplus.Namespace": frozenset({"payload"}),
}


@project_fact
def request_parsers(project: Project) -> dict[str, frozenset[str]]:
    """Module-level objects whose members return this request's data, by qualified name: a reqparse
    ``RequestParser`` (``parser.parse_args()``) and a flask-restx ``Api``/``Namespace`` (``ns.payload``)."""
    found: dict[str, frozenset[str]] = {}
    for obj in project.objects.values():
        members = _PARSER_TYPES.get(obj.type)
        if members is not None and obj.in_function is None:
            found[obj.qualname] = members
    return found


def taint(project: Project, fn: FunctionInfo, policy: TaintPolicy = USER_INPUT) -> Taint:
    """The taint of ``fn``'s locals under ``policy`` (computed once per function and policy)."""
    return _taint(project, (fn, policy, None))


def parameter_taint(project: Project, fn: FunctionInfo, param: str) -> Taint:
    """:data:`USER_INPUT` taint of ``fn`` if its parameter ``param`` held client text (and no URL variable did)."""
    return _taint(project, (fn, USER_INPUT, param))


def tainted_locals(project: Project, fn: FunctionInfo) -> frozenset[str]:
    """Local names of ``fn`` that hold request data (:data:`REQUEST_DATA`)."""
    return frozenset(taint(project, fn, REQUEST_DATA).names)


def request_derived(project: Project, expr: ast.AST, fn: FunctionInfo | None) -> bool:
    """True when ``expr`` (inside ``fn``) is built from the current request (:data:`REQUEST_DATA`)."""
    if fn is None:
        return False
    return taint(project, fn, REQUEST_DATA).source(expr) is not None


def request_varied(project: Project, expr: ast.AST, fn: FunctionInfo | None) -> bool:
    """True when ``expr`` takes request data with more values than the app has routes
    (:data:`VARYING_REQUEST_DATA`): not only ``request.endpoint``/``request.method``."""
    if fn is None:
        return False
    return taint(project, fn, VARYING_REQUEST_DATA).source(expr) is not None


def describe_source(source: ast.AST | str) -> str:
    """A request source for a message: ``request.args.get('next')`` or ``route parameter `<path:p>```."""
    if isinstance(source, str):
        return source
    text = ast.unparse(source)
    return f"`{text if len(text) <= 50 else text[:47] + '...'}`"


__all__ = [
    "DATA_ATTRS",
    "REQUEST_DATA",
    "REQUEST_NAMES",
    "REQUEST_STATE",
    "FIXED_REQUEST_ATTRS",
    "VARYING_REQUEST_DATA",
    "USER_INPUT",
    "Binding",
    "Bound",
    "Follow",
    "Seeds",
    "Taint",
    "TaintPolicy",
    "assignments",
    "bindings",
    "describe_source",
    "parameter_taint",
    "request_derived",
    "request_varied",
    "request_names",
    "route_parameters",
    "taint",
    "tainted_locals",
]

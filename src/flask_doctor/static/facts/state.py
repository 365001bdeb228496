"""Facts about process state: module-level containers request code fills, and values weak references refuse.

A worker process lives for thousands of requests.  A dict, list or set
created at module level and filled by request code keeps every entry for
the life of the worker unless something in the project removes entries
(``pop``, ``clear``, ``del``, a ``len()`` check: how bounded caches evict).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.shared_containers import APP, SharedPath, built_once, shared_facts, shared_path
from flask_doctor.static.facts.taint import assignments
from flask_doctor.static.model import HTTP_METHOD_NAMES, REQUEST, VIEW_BASES
from flask_doctor.static.model.plugins import own_nodes
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.syntax import assignment_targets

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

#: Methods that add entries to a list, set, dict or deque.
GROWING_METHODS = frozenset({"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"})
CONTAINER_CALLS = {
    "dict",
    "list",
    "set",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "deque",
}


@dataclass(eq=False)
class ModuleContainer:
    """A mutable container assigned at module level."""

    qualname: str
    name: str
    kind: str
    location: Location | None  # None: an ``app.extensions`` entry the project never creates itself
    evicted: bool = False  # something in the project removes entries
    #: How far it is shared, for messages: "module-level", "application-wide", "process-wide".
    where: str = "module-level"
    #: Why it lives as long as the worker, for the evidence.
    origin: str = "defined at module level"


@project_fact
def module_containers(project: Project) -> dict[str, ModuleContainer]:
    """Module-level mutable containers, by qualified name, and whether anything ever evicts from them."""
    found: dict[str, ModuleContainer] = {}
    for module in project.modules.values():
        table = project.module_imports.get(module.name)
        for stmt in module.tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            if value is None:
                continue
            kind = container_kind(value, table)
            if kind is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    qual = f"{module.name}.{target.id}"
                    location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                    found[qual] = ModuleContainer(qual, target.id, kind, location)
        for cls in module.tree.body:
            if isinstance(cls, ast.ClassDef):
                found.update(_class_containers(module.name, module.path, cls, table))
    # eviction anywhere (pop/clear/del/len-check) makes a container a bounded cache
    class_attrs: dict[tuple[str, str], list[ModuleContainer]] = {}
    for container in found.values():
        if "." in container.name:
            class_attrs.setdefault((container.qualname.rsplit(".", 2)[0], container.name.split(".")[1]), []).append(
                container
            )
    for module_name, name in project.evictions:
        for qual in (f"{module_name}.{name}", _qualify(project, module_name, name)):
            if qual in found:
                found[qual].evicted = True
        head, _, attr = name.partition(".")
        if head in ("self", "cls") and "." not in attr:
            for container in class_attrs.get((module_name, attr), ()):
                container.evicted = True  # ``cls.active.pop(key)`` in a method of the class
    return found


def _class_containers(
    module_name: str, path: str, cls: ast.ClassDef, table: ImportTable | None
) -> dict[str, ModuleContainer]:
    """Containers assigned in the body of a module-level class (``class Sessions: active = {}``): one object
    shared by every instance and every request, like a module-level one."""
    found: dict[str, ModuleContainer] = {}
    for stmt in cls.body:
        targets = assignment_targets(stmt)
        value = getattr(stmt, "value", None)
        kind = container_kind(value, table) if value is not None else None
        if kind is None:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                name = f"{cls.name}.{target.id}"
                location = Location(path, stmt.lineno, stmt.col_offset + 1)
                found[f"{module_name}.{name}"] = ModuleContainer(f"{module_name}.{name}", name, kind, location)
    return found


def _qualify(project: Project, module_name: str, name: str) -> str:
    table = project.module_imports.get(module_name)
    return (table.qualify(name) if table else None) or ""


def container_kind(value: ast.expr, table: ImportTable | None) -> str | None:
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        qualified = table.qualify(name) if table is not None and name else None
        full = qualified or name
        if full in CONTAINER_CALLS or name in CONTAINER_CALLS:
            if full.endswith("deque") and any(kw.arg == "maxlen" for kw in value.keywords):
                return None
            if full.endswith("deque") and len(value.args) >= 2:
                return None
            return full.rsplit(".", 1)[-1]
    return None


def module_container_for(ctx: Context, node: ast.expr) -> ModuleContainer | None:
    """The process-wide container ``node`` names where the walk is: a module-level one (a local of the same
    name shadows it), or one reached through the application or an object built once (:func:`shared_container`)."""
    name = dotted(node)
    found = _module_level(ctx, node, name) if name and name.count(".") <= 1 else None
    if found is not None:
        return found
    if not isinstance(node, (ast.Attribute, ast.Subscript)):
        return None
    path = shared_path(ctx.project, ctx.module.name, ctx.function, node)
    return shared_container(ctx.project, path) if path is not None else None


def _module_level(ctx: Context, node: ast.expr, name: str) -> ModuleContainer | None:
    if isinstance(node, ast.Name) and ctx.function is not None:
        default = default_container(ctx.project, ctx.function, name)
        if default is not None:
            return default
    # a local variable of the same name shadows the module-level one
    if ctx.function is not None and _is_local(ctx, name.split(".")[0]):
        return None
    containers = module_containers(ctx.project)
    found = containers.get(f"{ctx.module.name}.{name}")
    if found is None:
        qualified = ctx.qualified(node)
        if qualified:
            found = containers.get(qualified)
    return found


def default_container(project: Project, fn: FunctionInfo, name: str) -> ModuleContainer | None:
    """A parameter whose default is a mutable container (``def thumb(url, _memo={}):``) that no caller of
    ``fn`` passes: Python builds the default once, when the ``def`` runs, and every call shares it, so it lives
    as long as the worker, like a module-level one. Removing entries in ``fn`` (``pop``/``clear``/``del``/a
    ``len()`` check) makes it a bounded cache."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    match = next(((a, d) for a, d in pairs if a.arg == name), None)
    if match is None:
        return None
    kind = container_kind(match[1], fn.imports)
    if kind is None or name in fn.global_names:
        return None
    if any(dotted(target) == name for target in _rebinds(fn.node)):
        return None  # ``_memo = dict(_memo)``: a fresh copy per call
    if any(module == fn.module.name and shrunk == name for module, shrunk in project.evictions):
        return None
    if _passed_by_caller(project, fn, name, positional.index(match[0]) if match[0] in positional else None):
        return None
    location = Location(fn.module.path, match[1].lineno, match[1].col_offset + 1)
    return ModuleContainer(
        f"{fn.qualname}.{name}",
        name,
        kind,
        location,
        where="shared default-argument",
        origin=f"is the default value of a parameter of `{fn.display}`, built once when the function is defined",
    )


def _rebinds(node: ast.AST) -> list[ast.expr]:
    return [
        t for stmt in ast.walk(node) if isinstance(stmt, (ast.Assign, ast.AugAssign)) for t in assignment_targets(stmt)
    ]


def _passed_by_caller(project: Project, fn: FunctionInfo, name: str, position: int | None) -> bool:
    """Some call of ``fn`` gives the parameter a value of its own (a caller's dict, not the shared default)."""
    short = fn.node.name
    for site in project.calls:
        if not site.name or site.name.rsplit(".", 1)[-1] != short:
            continue
        call = site.node
        if any(kw.arg == name or kw.arg is None for kw in call.keywords):
            return True
        offset = 1 if fn.class_name and isinstance(call.func, ast.Attribute) else 0
        if position is not None and len(call.args) + offset > position:
            return True
        if any(isinstance(a, ast.Starred) for a in call.args):
            return True
    return False


@keyed_fact
def shared_container(project: Project, path: SharedPath) -> ModuleContainer | None:
    """The container at ``path`` when it lives as long as the worker.

    * On the application (``app.previews = {}`` in a factory or module,
      ``app.extensions["audit"] = {"seen": {}}``, ``app.config["SEEN"] =
      {}``): every definition must be a plain dict/list/set (a
      ``TTLCache``, a Flask-Caching ``Cache`` or an extension object is
      not). An ``app.extensions`` entry the project never creates is taken
      for a dict only when written with a key directly.
    * On a project class: a container in the class body (one object shared
      by every instance), or one ``__init__`` assigns (``self.visits = {}``)
      when the instance is built once per process (at module level or in
      the app factory), reached through that instance or its ``self``.
    """
    if path.steps[0].startswith("__"):
        return None  # ``self.__dict__``, ``app.__class__``: the object's own machinery, no container it fills
    if path.root == APP:
        return _on_app(project, path)
    return _on_class(project, path)


def _on_app(project: Project, path: SharedPath) -> ModuleContainer | None:
    facts = shared_facts(project, path)
    made = [d for d in facts.definitions if not d.reset]
    name = path.display("app")
    if made:
        kinds = {d.kind for d in made}
        if None in kinds or len(kinds) > 1:
            return None  # a bounded cache, an extension object, or several kinds: not a plain container
        kind, location = kinds.pop(), made[0].location
    elif not facts.definitions and len(path.steps) == 2 and path.steps[0] == "extensions":
        kind, location = "dict", None
    else:
        return None
    assert kind is not None
    return ModuleContainer(
        f"{APP}.{name}", name, kind, location, facts.evicted, "application-wide", "kept on the application object"
    )


def _on_class(project: Project, path: SharedPath) -> ModuleContainer | None:
    containers = module_containers(project)
    attr, rest = path.steps[0], path.steps[1:]
    lineage = list(project.lineage(path.root))
    if not rest:
        for current in lineage:
            body = containers.get(f"{current}.{attr}")
            if body is not None and not _instance_defined(project, lineage, path):
                return body  # a class attribute: one object, whatever instance reaches it
    if path.via_self and path.root not in built_once(project):
        return None  # per-instance state of a class built per request (or we cannot tell)
    cls_name = path.root.rsplit(".", 1)[-1]
    for current in lineage:
        facts = shared_facts(project, SharedPath(current, path.steps, path.via_self))
        made = [d for d in facts.definitions if not d.reset]
        kinds = {d.kind for d in made}
        if not made or None in kinds or len(kinds) > 1:
            continue
        # only a removal that bounds the size counts: an object kept for the process with a dict it empties
        # only of the keys callers name again (lazy expiry on read) still keeps every other key
        evicted = facts.bounded or any(shared_facts(project, SharedPath(c, path.steps[:1])).bounded for c in lineage)
        name = path.display(cls_name)
        return ModuleContainer(
            f"{path.root}.{name}",
            name,
            kinds.pop() or "dict",
            made[0].location,
            evicted,
            "process-wide",
            f"held by the one `{cls_name}` object the process builds",
        )
    return None


def _instance_defined(project: Project, lineage: list[str], path: SharedPath) -> bool:
    """``self.<attr> = ...`` in a method of the class: each instance has its own, hiding the class attribute."""
    return any(shared_facts(project, SharedPath(c, path.steps, True)).definitions for c in lineage)


@dataclass(frozen=True, eq=False)
class AddingOnRead:
    """A project class whose ``obj[key]`` stores ``key`` in a container of its own and nothing bounds it
    (``def __getitem__(self, k): if k not in self._locks: self._locks[k] = Lock()``): reading a new key
    adds an entry, as with a ``defaultdict``."""

    class_qual: str
    attr: str  # the container the keys go into
    location: Location  # the write in ``__getitem__``/``__missing__``


_ADDING_DUNDERS = ("__getitem__", "__missing__")


@project_fact
def adding_on_read(project: Project) -> dict[str, AddingOnRead]:
    """Project classes (by qualified name) whose item lookup adds the key (:class:`AddingOnRead`)."""
    found: dict[str, AddingOnRead] = {}
    for qual, cls in project.classes.items():
        for dunder in _ADDING_DUNDERS:
            method = cls.methods.get(dunder)
            if method is None or is_test_path(method.module.path):
                continue
            args = method.node.args.posonlyargs + method.node.args.args
            if len(args) < 2:
                continue
            own, key = args[0].arg, args[1].arg
            for node in ast.walk(method.node):
                if not isinstance(node, ast.Assign):
                    continue
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Attribute)
                        and dotted(target.value.value) == own
                        and isinstance(target.slice, ast.Name)
                        and target.slice.id == key
                        and not shared_facts(project, SharedPath(qual, (target.value.attr,), True)).bounded
                    ):
                        at = Location(method.module.path, node.lineno, node.col_offset + 1)
                        found.setdefault(qual, AddingOnRead(qual, target.value.attr, at))
    return found


@project_fact
def adding_attributes(project: Project) -> dict[str, list[tuple[str, AddingOnRead]]]:
    """``self.<name> = Adding()`` in a method of a class: attribute name -> (holder class, what it adds to)."""
    adding = adding_on_read(project)
    found: dict[str, list[tuple[str, AddingOnRead]]] = {}
    if not adding:
        return found
    for site in project.calls:
        made = adding.get(site.name)
        fn = site.function
        if made is None or fn is None or not fn.class_name:
            continue
        own = _self_name(fn)
        for node in own_nodes(fn.node):
            if isinstance(node, ast.Assign) and node.value is site.node:
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and dotted(target.value) == own:
                        found.setdefault(target.attr, []).append((fn.qualname.rsplit(".", 1)[0], made))
    return found


def container_evidence(container: ModuleContainer) -> list[Evidence]:
    """Where the container is created, when the project creates it."""
    if container.location is None:
        return []
    return [Evidence(f"`{container.name}` {container.origin}", container.location)]


def _is_local(ctx: Context, name: str) -> bool:
    fn = ctx.function
    assert fn is not None
    return name in fn.local_names and name not in fn.global_names


def in_request_code(ctx: Context) -> bool:
    """The walk is in code requests run, not in a test or a ``before_first_request`` hook (runs once)."""
    if not ctx.in_request or ctx.is_test_code():
        return False
    fn = ctx.function
    return fn is None or "before_first_request" not in fn.roles


#: Names whose attributes identify the logged-in user (Flask-Login's proxy, ``g.user``).
_USER_HOLDERS = ("current_user", "g.user", "flask.g.user", "flask_login.current_user")
_USER_KEYS = ("id", "user_id", "get_id", "username", "email", "uid", "name", "login")
_SESSION_USER_KEYS = ("user_id", "uid", "_user_id", "username", "user")


def keyed_by_user(key: ast.expr) -> bool:
    """The key is the logged-in user's identity (``current_user.id``, ``session["user_id"]``).

    A dict keyed so holds one entry per user, overwritten on each request:
    it is bounded by the number of accounts, not by the traffic.
    """
    if isinstance(key, ast.Call) and not key.args and not key.keywords:
        key = key.func  # ``current_user.get_id()``
    if isinstance(key, ast.Attribute) and key.attr in _USER_KEYS:
        owner = dotted(key.value) or ""
        return owner in _USER_HOLDERS or owner.endswith(".current_user")
    if isinstance(key, ast.Subscript) and dotted(key.value) in ("session", "flask.session"):
        return isinstance(key.slice, ast.Constant) and key.slice.value in _SESSION_USER_KEYS
    return False


#: The bases of an enumeration: calling or indexing the class returns one of the members written in the code.
_ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})


def fixed_choice(project: Project, fn: FunctionInfo, key: ast.expr) -> bool:
    """The key is one of a set of values written in the code, whatever the client sends: a member of one of
    the project's ``Enum`` classes (``Format(name)``, ``Format[name]``: any other value raises), what
    ``request.accept_languages.best_match(LANGUAGES)`` picks among the languages it is given, either of them
    with a constant fallback (``... or "en"``), or a local every assignment of which is one of these."""
    if isinstance(key, ast.Name):
        values = [v for name, v in assignments(project, fn) if name == key.id]
        return bool(values) and all(_chosen(project, fn, v) for v in values)
    return _chosen(project, fn, key)


def _chosen(project: Project, fn: FunctionInfo, value: ast.expr) -> bool:
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return all(isinstance(v, ast.Constant) or _chosen(project, fn, v) for v in value.values)
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "best_match"
        and value.args
    ):
        return True  # werkzeug's MIMEAccept/LanguageAccept: one of the offered values, or the default
    return _enum_call(project, fn, value)


def _enum_call(project: Project, fn: FunctionInfo, value: ast.expr) -> bool:
    if isinstance(value, ast.Call):
        owner = value.func
    elif isinstance(value, ast.Subscript):
        owner = value.value
    else:
        return False
    name = dotted(owner)
    if not name or name.split(".", 1)[0] in fn.local_names:
        return False
    qualified = f"{fn.module.name}.{name}"
    if qualified not in project.classes:
        qualified = project.canonical(fn.imports.qualify(name) or name)
    if qualified not in project.classes:
        return False
    return any(base in _ENUM_BASES for base in project.lineage(qualified))


def filled_once(ctx: Context, container: ast.expr) -> bool:
    """The function returns early while the container already holds entries (``if _names: return _names``),
    so it fills the container once per process: a lazily built cache, not one that grows."""
    name = ast.unparse(container)
    fn = ctx.function
    if fn is None:
        return False
    for stmt in fn.node.body:
        if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise))):
            continue
        test = stmt.test.operand if isinstance(stmt.test, ast.UnaryOp) else stmt.test
        if any(
            ast.unparse(node) == name
            for node in ast.walk(test)
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))
        ):
            return True
    return False


_LOGIN_WORDS = ("login", "signin", "sign_in", "logon", "signup", "sign_up", "register", "authenticate")


def login_flow(ctx: Context) -> str | None:
    """The view at the root of the request path is a login/sign-up view (its name or route says so)."""
    fn = ctx.function
    if fn is None:
        return None
    root = ctx.project.functions.get(ctx.project.chain(fn.qualname, REQUEST)[0])
    if root is None:
        return None
    texts = [root.name.lower(), *(route.rule.lower() for route in root.routes)]
    return root.display if any(word in text for text in texts for word in _LOGIN_WORDS) else None


_IMMORTAL_CALLS = ("str", "int", "float", "tuple", "bytes")


def immortal_kind(value: ast.expr) -> str | None:
    """The type name of a value a weak reference cannot point to (``str``, ``int``, ``tuple``...), else None."""
    if isinstance(value, ast.Constant):
        return type(value.value).__name__ if value.value is not None else "NoneType"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Tuple):
        return "tuple"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _IMMORTAL_CALLS:
        return value.func.id
    return None


@dataclass(frozen=True, eq=False)
class SharedSelf:
    """The instance a function's ``self`` names is the one every request shares.

    Three ways make one instance serve every request, in the worker's
    threads at the same time:

    * ``closure``: a route, hook or error handler defined as a closure inside
      a method (``@self.app.route("/")`` in ``define_routes(self)``) captures
      that method's ``self``, built once at set-up;
    * ``view``: a bound method registered as a view (``add_url_rule("/",
      view_func=self.prompt)``, Flask-Admin's ``@expose``): the instance is
      built once at set-up (not a ``View``/``MethodView``, which Flask builds
      per request);
    * ``wsgi``: a WSGI application class (``def __call__(self, environ,
      start_response)``): the server calls the one instance it was given for
      every request (PEP 3333).

    The methods those functions call or hand out as callbacks through
    ``self`` (``self.m(...)``, ``app(environ, self.start_response)``),
    including subclass overrides, and the closures inside them, run on the
    same instance.
    """

    name: str  # how the function names the instance (``self``)
    class_qual: str  # the class of the instance
    setup: FunctionInfo  # the method that defines the closures (the view or ``__call__`` itself otherwise)
    view: FunctionInfo  # the function request code enters by
    how: str = "closure"  # "closure", "view" or "wsgi"

    def reason(self) -> str:
        """Why one instance serves every request, for a message."""
        if self.how == "wsgi":
            return (
                f"`{self.view.display}` makes it a WSGI application: the server calls the one instance for every "
                "request"
            )
        if self.how == "view":
            return f"its bound method `{self.view.display}` is registered as a view"
        return f"its routes are closures over `{self.name}`, defined in `{self.setup.display}`"

    def evidence_text(self) -> str:
        if self.how == "wsgi":
            return "the WSGI entry point of the shared instance"
        if self.how == "view":
            return f"bound method `{self.view.name}` serves requests"
        return f"route closure `{self.view.name}` captures `{self.name}`"


#: Roles of functions Flask calls for a request.
_REQUEST_ROLES = frozenset({"view", "hook", "error_handler"})

#: Class-based views built anew for every request (Flask-Classful/Classy make an instance per call).
_PER_REQUEST_VIEW_BASES = frozenset({"flask_classful.FlaskView", "flask_classy.FlaskView"})


@project_fact
def route_serving_selves(project: Project) -> dict[str, SharedSelf]:
    """Functions (by qualname) whose ``self`` is an instance every request shares (:class:`SharedSelf`)."""
    nested: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if fn.parent is not None:
            nested.setdefault(fn.parent.qualname, []).append(fn)
    found: dict[str, SharedSelf] = {}
    queue: list[tuple[FunctionInfo, SharedSelf]] = []
    for fn in project.functions.values():
        if is_test_path(fn.module.path):
            continue
        shared = _seed(project, fn)
        if shared is not None:
            queue.append((fn, shared))
    while queue:
        fn, shared = queue.pop()
        if fn.qualname in found:
            continue
        found[fn.qualname] = shared
        for inner in nested.get(fn.qualname, ()):
            if shared.name not in inner.local_names:  # a closure of a reached function sees the same ``self``
                queue.append((inner, shared))
        for name in _self_members(fn, shared.name):
            for method in _methods_of(project, shared.class_qual, name):
                own = _self_name(method)
                if own is not None:
                    # the instance's class, or the subclass whose override runs
                    defined_in = method.qualname.rsplit(".", 1)[0]
                    known = defined_in in set(project.lineage(shared.class_qual))
                    instance_class = shared.class_qual if known else defined_in
                    queue.append((method, SharedSelf(own, instance_class, shared.setup, shared.view, shared.how)))
    return found


def _seed(project: Project, fn: FunctionInfo) -> SharedSelf | None:
    """The shared instance a request enters ``fn`` on, when ``fn`` is where requests enter one."""
    if fn.roles & _REQUEST_ROLES and fn.parent is not None:
        return _captured_self(fn)
    if fn.parent is not None or not fn.class_name:
        return None
    own = _self_name(fn)
    if own is None:
        return None
    class_qual = fn.qualname.rsplit(".", 1)[0]
    if "view" in fn.roles and fn.name not in HTTP_METHOD_NAMES and not _per_request_view(project, class_qual):
        return SharedSelf(own, class_qual, fn, fn, "view")
    if fn.name == "__call__" and _wsgi_method(fn) and _own_class(project, class_qual):
        return SharedSelf(own, class_qual, fn, fn, "wsgi")
    return None


def _per_request_view(project: Project, class_qual: str) -> bool:
    """A class-based view Flask (or its extension) builds for every request."""
    if project.is_subtype(class_qual, VIEW_BASES | _PER_REQUEST_VIEW_BASES):
        return True
    return any(base.endswith(("MethodView", "Resource", ".View", "FlaskView")) for base in project.lineage(class_qual))


def _wsgi_method(fn: FunctionInfo) -> bool:
    """``def __call__(self, environ, start_response)``: the WSGI application protocol."""
    params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    return params[1:3] == ["environ", "start_response"]


def _own_class(project: Project, class_qual: str) -> bool:
    """Every base of the class is the project's own (or ``object``): not a werkzeug ``Response`` or
    ``HTTPException``, which also answer ``(environ, start_response)`` but are built for one request."""
    return all(
        current in project.classes or current in ("object", "builtins.object")
        for current in project.lineage(class_qual)
    )


def _self_members(fn: FunctionInfo, name: str) -> set[str]:
    """Attributes of ``name`` the function calls or hands out (``self.m(...)``, ``callback=self.m``)."""
    return {
        node.attr
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name
    }


def _captured_self(fn: FunctionInfo) -> SharedSelf | None:
    """The ``self`` of the method a request closure is defined in, when no function in between rebinds it."""
    probe = fn.parent
    inner = [fn]
    while probe is not None and not probe.class_name:
        inner.append(probe)
        probe = probe.parent
    if probe is None:
        return None
    name = _self_name(probe)
    if name is None or any(name in f.local_names for f in inner):
        return None
    class_qual = probe.qualname.rsplit(".", 1)[0]
    return SharedSelf(name, class_qual, probe, fn)


def _self_name(method: FunctionInfo) -> str | None:
    """The first parameter of an instance method (None for static and class methods)."""
    if not method.class_name or any(dotted(d) in ("staticmethod", "classmethod") for d in method.node.decorator_list):
        return None
    args = method.node.args.posonlyargs + method.node.args.args
    return args[0].arg if args else None


def _methods_of(project: Project, class_qual: str, name: str) -> list[FunctionInfo]:
    """The methods ``name`` an instance of ``class_qual`` may run: its own or the first base's that defines it,
    and the overrides of the project's subclasses (``self.get_user()`` in a base runs the provider's)."""
    found: list[FunctionInfo] = []
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is not None and name in cls.methods:
            found.append(cls.methods[name])
            break
    for sub in _subclasses(project).get(class_qual, ()):
        method = project.classes[sub].methods.get(name)
        if method is not None and method not in found:
            found.append(method)
    return found


@project_fact
def _subclasses(project: Project) -> dict[str, list[str]]:
    """Every project class's project subclasses, direct or not."""
    below: dict[str, list[str]] = {}
    for qual in project.classes:
        for current in project.lineage(qual):
            if current != qual and current in project.classes:
                below.setdefault(current, []).append(qual)
    return below


@project_fact
def shared_attribute_reads(project: Project) -> dict[tuple[str, str], list[Location]]:
    """Where request code reads ``self.attr`` on an instance every request shares, by (class, attribute).

    A value one request stores there and reads back (``self.filesize = ...``
    then ``range_for(self.filesize)``) can have been replaced by a concurrent
    request in between; one nothing reads back is only a record.
    """
    reads: dict[tuple[str, str], list[Location]] = {}
    for qualname, shared in route_serving_selves(project).items():
        fn = project.functions[qualname]
        for node in ast.walk(fn.node):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
                and node.value.id == shared.name
            ):
                at = Location(fn.module.path, node.lineno, node.col_offset + 1)
                reads.setdefault((shared.class_qual, node.attr), []).append(at)
    return reads


def read_back(project: Project, shared: SharedSelf, attr: str, written: ast.stmt, path: str) -> Location | None:
    """A read of ``self.attr`` by request code of the same instance (its class, a base or a subclass),
    other than in the statement that writes it."""
    related = set(project.lineage(shared.class_qual)) | set(_subclasses(project).get(shared.class_qual, ()))
    end = getattr(written, "end_lineno", None) or written.lineno
    for (class_qual, name), places in shared_attribute_reads(project).items():
        if name != attr or class_qual not in related:
            continue
        for at in places:
            if at.path != path or not written.lineno <= at.line <= end:
                return at
    return None


def numeric_attribute(project: Project, class_qual: str, attr: str) -> bool:
    """An instance of ``class_qual`` starts ``attr`` as a number (``self.attr = 0`` in a method of the class or
    of a base, or ``attr = 0`` in a class body): a counter, not a list or a string ``+=`` extends."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            targets = assignment_targets(stmt)
            value = getattr(stmt, "value", None)
            if (
                value is not None
                and _is_number(value)
                and any(isinstance(t, ast.Name) and t.id == attr for t in targets)
            ):
                return True
        for method in cls.methods.values():
            own = _self_name(method)
            if own is None:
                continue
            for node in ast.walk(method.node):
                if not (isinstance(node, ast.Assign) and _is_number(node.value)):
                    continue
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr == attr and dotted(t.value) == own:
                        return True
    return False


def _is_number(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
    )


__all__ = [
    "AddingOnRead",
    "adding_attributes",
    "adding_on_read",
    "SharedSelf",
    "read_back",
    "shared_attribute_reads",
    "numeric_attribute",
    "route_serving_selves",
    "filled_once",
    "keyed_by_user",
    "login_flow",
    "CONTAINER_CALLS",
    "container_evidence",
    "container_kind",
    "shared_container",
    "GROWING_METHODS",
    "ModuleContainer",
    "immortal_kind",
    "in_request_code",
    "module_container_for",
    "module_containers",
]

"""The project model: what the code *is*, so rules can ask what it *does*.

Built once from every parsed module, it knows the Flask apps and factories,
blueprints, routes, request hooks and error handlers, background jobs, CLI
commands, configuration classes and settings, SQLAlchemy models and engines,
the import graph and a call graph.  From the call graph it derives the
contexts each function runs in (``request``, ``job``, ``cli``, ``main``,
``factory``, ``test``), so that "``time.sleep`` inside a request" also holds
when the sleep sits in a helper that a view calls three levels down.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_doctor.findings import Location
from flask_doctor.static.facts import FactCache
from flask_doctor.static.names import ImportRecord, ImportTable, dotted
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import child_nodes

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy.model import DeployModel

REQUEST = "request"
JOB = "job"
CLI = "cli"
MAIN = "main"
FACTORY = "factory"
TEST = "test"
IMPORT = "import"

FLASK_TYPES = {"flask.Flask", "flask.app.Flask", "quart.Quart", "connexion.FlaskApp", "apiflask.APIFlask"}
BLUEPRINT_TYPES = {"flask.Blueprint", "flask.blueprints.Blueprint", "flask_smorest.Blueprint", "apiflask.APIBlueprint"}
CELERY_TYPES = {"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"}
SQLALCHEMY_TYPES = {"flask_sqlalchemy.SQLAlchemy"}
VIEW_BASES = {
    "flask.views.View", "flask.views.MethodView", "flask.View", "flask.MethodView",
    "flask_restful.Resource", "flask_restx.Resource", "flask_smorest.MethodView",
}
HTTP_METHOD_NAMES = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
ROUTE_DECORATORS = {"route": None, "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}
HOOK_DECORATORS = {
    "before_request", "after_request", "teardown_request", "teardown_appcontext",
    "before_app_request", "after_app_request", "teardown_app_request",
    "context_processor", "app_context_processor", "url_value_preprocessor",
    "url_defaults", "template_filter", "template_global", "template_test",
    "app_template_filter", "app_template_global", "before_first_request",
}
ERROR_DECORATORS = {"errorhandler", "app_errorhandler"}
SOCKET_DECORATORS = {"on", "event", "on_event"}
SHRINKING_METHODS = {"pop", "popitem", "clear", "remove", "discard", "popleft"}


@dataclass
class RouteInfo:
    rule: str
    methods: tuple[str, ...]
    owner: str  # qualified name of the app/blueprint, or the dotted text
    location: Location


@dataclass(eq=False)
class FunctionInfo:
    qualname: str
    name: str
    module: SourceModule
    node: ast.FunctionDef | ast.AsyncFunctionDef
    class_name: str | None
    parent: FunctionInfo | None
    imports: ImportTable
    local_types: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, ast.Call]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    routes: list[RouteInfo] = field(default_factory=list)
    decorators: list[str] = field(default_factory=list)  # resolved-or-dotted decorator names
    contexts: set[str] = field(default_factory=set)
    error_codes: list[ast.expr] = field(default_factory=list)
    task_options: dict[str, ast.expr] = field(default_factory=dict)
    #: Parameters and names assigned in the body (they shadow imports and
    #: module globals), and names declared ``global``; recorded by the model
    #: pass so rules never walk a function again to learn them.
    local_names: set[str] = field(default_factory=set)
    global_names: set[str] = field(default_factory=set)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def location(self) -> Location:
        return Location(self.module.path, self.node.lineno, self.node.col_offset + 1)

    @property
    def display(self) -> str:
        return f"{self.class_name}.{self.name}" if self.class_name else self.name


@dataclass(eq=False)
class ClassInfo:
    qualname: str
    name: str
    module: SourceModule
    node: ast.ClassDef
    bases: list[str]  # resolved (or dotted) base names
    methods: dict[str, FunctionInfo] = field(default_factory=dict)


@dataclass(eq=False)
class ObjectInfo:
    """A module-level ``name = Call(...)``: apps, blueprints, extensions, engines."""

    qualname: str
    type: str
    call: ast.Call
    module: SourceModule
    in_function: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.module.path, self.call.lineno, self.call.col_offset + 1)


@dataclass
class ConfigSetting:
    key: str
    value: ast.expr
    location: Location
    env: str  # production | development | testing | base
    owner: str  # config class qualname, module name, or "app.config"


@dataclass
class RelationshipInfo:
    model: str
    attr: str
    target: str
    lazy: str
    location: Location


@dataclass
class ModelInfo:
    qualname: str
    name: str
    location: Location
    relationships: dict[str, RelationshipInfo] = field(default_factory=dict)
    unique_columns: set[str] = field(default_factory=set)


@dataclass(eq=False)
class CallSite:
    """A call found anywhere, with the function it sits in (None = module level)."""

    node: ast.Call
    name: str  # resolved qualified name or dotted text
    module: SourceModule
    function: FunctionInfo | None
    in_main: bool = False


@dataclass
class PendingRole:
    """A role given by a call (``add_url_rule(view_func=f)``, ``q.enqueue(f)``),
    resolved once every function of the project is known."""

    role: str
    target: str  # dotted name of the function, or qualified name of a View class
    scope: str  # qualname of the function making the call ("" at module level)
    module: str
    view_class: bool = False


@dataclass
class Project:
    modules: dict[str, SourceModule] = field(default_factory=dict)  # by module name
    by_path: dict[str, SourceModule] = field(default_factory=dict)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    objects: dict[str, ObjectInfo] = field(default_factory=dict)
    imports: dict[str, list[ImportRecord]] = field(default_factory=dict)  # module -> imports
    module_imports: dict[str, ImportTable] = field(default_factory=dict)
    config: list[ConfigSetting] = field(default_factory=list)
    config_classes: dict[str, str] = field(default_factory=dict)  # class qualname -> env
    models: dict[str, ModelInfo] = field(default_factory=dict)  # by class name
    calls: list[CallSite] = field(default_factory=list)
    main_calls: list[CallSite] = field(default_factory=list)
    function_at: dict[tuple[str, int, int], FunctionInfo] = field(default_factory=dict)
    via: dict[tuple[str, str], str] = field(default_factory=dict)  # (func, ctx) -> caller
    deploy: DeployModel | None = None
    production_names: tuple[str, ...] = ()
    #: (module, dotted name) of containers something shrinks: ``x.pop()``,
    #: ``del x[k]``, ``len(x)`` (a size check is how bounded caches evict).
    evictions: set[tuple[str, str]] = field(default_factory=set)
    #: Derived facts (``static/facts``), each computed once on first use.
    facts: FactCache = field(default_factory=FactCache, repr=False, compare=False)

    # ---------------------------------------------------------------- queries
    def objects_of(self, types: set[str]) -> list[ObjectInfo]:
        return [o for o in self.objects.values() if self.is_subtype(o.type, types)]

    def lineage(self, type_name: str) -> Iterator[str]:
        """``type_name`` and every base reachable from it, each once (depth first)."""
        seen: set[str] = set()
        stack = [type_name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            yield current
            cls = self.classes.get(current)
            if cls is not None:
                stack.extend(cls.bases)

    def is_subtype(self, type_name: str | None, types: set[str]) -> bool:
        return bool(type_name) and any(t in types for t in self.lineage(type_name))  # type: ignore[arg-type]

    def has_factory(self) -> bool:
        return any(FACTORY in f.roles for f in self.functions.values())

    def views(self) -> Iterator[FunctionInfo]:
        return (f for f in self.functions.values() if "view" in f.roles)

    def tasks(self) -> Iterator[FunctionInfo]:
        return (f for f in self.functions.values() if "task" in f.roles)

    def chain(self, qualname: str, context: str) -> list[str]:
        """The call chain root -> ... -> ``qualname`` that gives it ``context``."""
        chain = [qualname]
        seen = {qualname}
        while (qualname, context) in self.via:
            qualname = self.via[(qualname, context)]
            if qualname in seen:
                break
            seen.add(qualname)
            chain.append(qualname)
        return list(reversed(chain))

    def display(self, qualname: str) -> str:
        f = self.functions.get(qualname)
        return f.display if f else qualname.rsplit(".", 1)[-1]

    def config_for(self, key: str) -> list[ConfigSetting]:
        return [c for c in self.config if c.key == key]

    def is_production(self, setting: ConfigSetting) -> bool:
        """True when production configuration holds ``setting``.

        The one definition is :func:`flask_doctor.static.facts.config.in_production_config`
        (with ``live_in_production`` beside it, which also excuses tests, main
        blocks and CLI code); this method answers the same for older callers.
        """
        from flask_doctor.static.facts.config import in_production_config

        return in_production_config(self, setting)

    def resolve_function(self, name: str, scope: FunctionInfo | None, module: SourceModule) -> FunctionInfo | None:
        """Find the project function a call to ``name`` would reach."""
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and scope is not None and scope.class_name and rest and "." not in rest:
            cls_qual = scope.qualname.rsplit(".", 2)[0] + "." + scope.class_name
            return self._method(cls_qual, rest)
        if not rest:
            probe = scope
            while probe is not None:
                nested = self.functions.get(f"{probe.qualname}.{name}")
                if nested is not None:
                    return nested
                probe = probe.parent
            local = self.functions.get(f"{module.name}.{name}")
            if local is not None:
                return local
        if scope is not None and head in scope.local_types and rest and "." not in rest:
            return self._method(scope.local_types[head], rest)
        table = scope.imports if scope is not None else self.module_imports.get(module.name)
        qualified = table.qualify(name) if table is not None else None
        if qualified:
            found = self.functions.get(qualified)
            if found is not None:
                return found
            owner, _, attr = qualified.rpartition(".")
            if owner in self.classes:
                return self._method(owner, attr)
        return None

    def _method(self, class_qual: str, name: str) -> FunctionInfo | None:
        for current in self.lineage(class_qual):
            cls = self.classes.get(current)
            if cls is not None and name in cls.methods:
                return cls.methods[name]
        return None


# ------------------------------------------------------------------- building
_CONFIG_NAME = re.compile(r"config|settings|conf$", re.IGNORECASE)
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")


def classify_env(name: str) -> str:
    """Guess the environment of a config class or module from its name."""
    lowered = name.lower()
    if re.search(r"test|\bci\b", lowered):
        return "testing"
    if re.search(r"dev|local|debug", lowered):
        return "development"
    if re.search(r"prod|live|release|deploy|staging|heroku", lowered):
        return "production"
    return "base"


def test_words(test: ast.expr) -> str:
    """The names, attributes and strings of an ``if`` test, lower-cased.

    Much cheaper than ``ast.unparse`` and enough to tell ``if app.debug:``
    or ``if env == "production":`` apart.
    """
    words: list[str] = []
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
    return " ".join(words)


def _env_of_test(test: ast.expr, in_else: bool, words: str | None = None) -> str | None:
    """Which environment an ``if`` test selects (``if app.debug:`` -> development)."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    text = (words if words is not None else test_words(test)).lower()
    env: str | None = None
    if re.search(r"prod|live", text):
        env = "production"
    elif re.search(r"test", text):
        env = "testing"
    elif re.search(r"debug|dev|local", text):
        env = "development"
    if env is None:
        return None
    if negated != in_else:
        return "production" if env != "production" else "development"
    return env


class _ModuleBuilder(ast.NodeVisitor):
    """One pass over a module collecting functions, classes, objects, calls."""

    def __init__(self, project: Project, module: SourceModule) -> None:
        self.project = project
        self.module = module
        self.table = ImportTable()
        project.module_imports[module.name] = self.table
        self.imports: list[ImportRecord] = []
        project.imports[module.name] = self.imports
        self.scope: list[FunctionInfo] = []
        self.class_stack: list[ClassInfo] = []
        self.env_stack: list[str] = []
        self.type_checking = 0
        self.in_main = 0
        self.top_level_defs_seen = 0
        #: The first pass only needs what module and class bodies define
        #: (objects, classes, imports); function bodies wait for the second.
        self.shallow = False
        self.pending: list[PendingRole] = []

    # ------------------------------------------------------------- dispatch
    _methods: dict[type, object] = {}

    def visit(self, node: ast.AST) -> None:
        method = self._methods.get(type(node))
        if method is None:
            method = getattr(type(self), "visit_" + type(node).__name__, None) or type(self).generic_visit
            self._methods[type(node)] = method
        method(self, node)  # type: ignore[operator]

    def generic_visit(self, node: ast.AST) -> None:
        for child in child_nodes(node):
            self.visit(child)

    # ------------------------------------------------------------- utilities
    @property
    def current(self) -> FunctionInfo | None:
        return self.scope[-1] if self.scope else None

    def table_now(self) -> ImportTable:
        return self.current.imports if self.current else self.table

    def resolve(self, node: ast.AST) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        for fn in reversed(self.scope):
            if head in fn.local_types:
                base = fn.local_types[head]
                return f"{base}.{rest}" if rest else base
        qualified = self.table_now().qualify(name)
        if qualified:
            return qualified
        local = f"{self.module.name}.{head}"
        if local in self.project.objects or local in self.project.classes or local in self.project.functions:
            return f"{local}.{rest}" if rest else local
        return None

    def type_of(self, node: ast.AST) -> str | None:
        """The type of an instance expression (``app`` -> ``flask.Flask``)."""
        name = dotted(node)
        if name is None:
            return None
        if "." not in name:
            for fn in reversed(self.scope):
                if name in fn.local_types:
                    return fn.local_types[name]
        resolved = self.resolve(node)
        if resolved is None:
            return None
        obj = self.project.objects.get(resolved)
        if obj is not None:
            return obj.type
        return None

    def type_of_call(self, call: ast.Call) -> str | None:
        callee = self.resolve(call.func)
        if callee is None:
            name = dotted(call.func)
            if name and "." not in name:
                return f"{self.module.name}.{name}"
            return name
        return callee

    # ---------------------------------------------------------------- imports
    def _record_import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.table_now().add_import(node, self.module.name, self.module.is_package)
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        else:
            from flask_doctor.static.names import resolve_relative

            base = resolve_relative(self.module.name, self.module.is_package, node.level, node.module)
            targets = [(base, tuple(a.name for a in node.names))]
        for module_name, names in targets:
            self.imports.append(
                ImportRecord(
                    module=module_name,
                    names=names,
                    line=node.lineno,
                    column=node.col_offset + 1,
                    in_function=bool(self.scope),
                    in_type_checking=self.type_checking > 0,
                )
            )

    def visit_Import(self, node: ast.Import) -> None:
        self._record_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._record_import(node)

    # ------------------------------------------------------------ structure
    def visit_If(self, node: ast.If) -> None:
        test_text = test_words(node.test)
        if "TYPE_CHECKING" in test_text:
            self.type_checking += 1
            for stmt in node.body:
                self.visit(stmt)
            self.type_checking -= 1
            for stmt in node.orelse:
                self.visit(stmt)
            return
        if not self.scope and "__name__" in test_text and "__main__" in test_text:
            self.in_main += 1
            for stmt in node.body:
                self.visit(stmt)
            self.in_main -= 1
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.visit(node.test)
        for branch, in_else in ((node.body, False), (node.orelse, True)):
            env = _env_of_test(node.test, in_else, test_text)
            if env:
                self.env_stack.append(env)
            for stmt in branch:
                self.visit(stmt)
            if env:
                self.env_stack.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        prefix = self.current.qualname if self.current else (
            self.class_stack[-1].qualname if self.class_stack else self.module.name
        )
        qualname = f"{prefix}.{node.name}"
        bases = []
        for base in node.bases:
            resolved = self.resolve(base) or dotted(base)
            if resolved and "." not in resolved and f"{self.module.name}.{resolved}" in self.project.classes:
                resolved = f"{self.module.name}.{resolved}"
            if resolved:
                bases.append(resolved)
        info = ClassInfo(qualname, node.name, self.module, node, bases)
        self.project.classes[qualname] = info
        for deco in node.decorator_list:
            self.visit(deco)
        self.class_stack.append(info)
        for stmt in node.body:
            self.visit(stmt)
        self.class_stack.pop()
        if not self.scope and len(self.class_stack) == 0:
            self.top_level_defs_seen += 1

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        cls = self.class_stack[-1] if self.class_stack and (
            not self.scope or self.class_stack[-1].qualname.startswith(self.scope[-1].qualname)
        ) else None
        parent = self.current
        if cls is not None:
            qualname = f"{cls.qualname}.{node.name}"
        elif parent is not None:
            qualname = f"{parent.qualname}.{node.name}"
        else:
            qualname = f"{self.module.name}.{node.name}"
        info = FunctionInfo(
            qualname=qualname,
            name=node.name,
            module=self.module,
            node=node,
            class_name=cls.name if cls else None,
            parent=parent,
            imports=(parent.imports.child() if parent else self.table.child()),
        )
        if parent is not None:
            info.local_types = dict(parent.local_types)
        arguments = node.args
        info.local_names.update(a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)
        if arguments.vararg:
            info.local_names.add(arguments.vararg.arg)
        if arguments.kwarg:
            info.local_names.add(arguments.kwarg.arg)
        self.project.functions[qualname] = info
        self.project.function_at[(self.module.path, node.lineno, node.col_offset)] = info
        if cls is not None:
            cls.methods[node.name] = info
        for deco in node.decorator_list:
            self.visit(deco)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None:
                self.visit(default)
        self._classify_decorators(info)
        saved_classes = self.class_stack
        self.class_stack = []
        self.scope.append(info)
        saved_env = self.env_stack
        self.env_stack = list(saved_env)
        if not self.shallow:
            for stmt in node.body:
                self.visit(stmt)
        self.env_stack = saved_env
        self.scope.pop()
        self.class_stack = saved_classes
        if not self.scope and not self.class_stack:
            self.top_level_defs_seen += 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._assign(target, node.value)
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._assign(node.target, node.value)

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            type_name = self.type_of_call(value)
            if type_name:
                if self.current is not None:
                    self.current.local_types[target.id] = type_name
                elif not self.class_stack:
                    qual = f"{self.module.name}.{target.id}"
                    self.project.objects[qual] = ObjectInfo(qual, type_name, value, self.module)
        elif isinstance(target, ast.Name) and isinstance(value, (ast.Name, ast.Attribute)):
            # ``application = app`` keeps the type.
            known = self.type_of(value)
            if known:
                if self.current is not None:
                    self.current.local_types[target.id] = known
                elif not self.class_stack:
                    obj = self.project.objects.get(self.resolve(value) or "")
                    if obj is not None:
                        qual = f"{self.module.name}.{target.id}"
                        self.project.objects[qual] = ObjectInfo(qual, obj.type, obj.call, obj.module)
        # configuration written on app.config
        if isinstance(target, ast.Subscript) and self._is_app_config(target.value):
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._config(key.value, value, target)

    def visit_Name(self, node: ast.Name) -> None:
        if self.scope and node.ctx.__class__ is ast.Store:
            self.scope[-1].local_names.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        if self.scope:
            self.scope[-1].global_names.update(node.names)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                shrunk = dotted(target.value)
                if shrunk:
                    self.project.evictions.add((self.module.name, shrunk))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SHRINKING_METHODS:
            shrunk = dotted(func.value)
            if shrunk:
                self.project.evictions.add((self.module.name, shrunk))
        elif isinstance(func, ast.Name) and func.id == "len" and node.args:
            shrunk = dotted(node.args[0])
            if shrunk:
                self.project.evictions.add((self.module.name, shrunk))
        name = self.resolve(node.func) or dotted(node.func) or ""
        site = CallSite(node, name, self.module, self.current, in_main=self.in_main > 0)
        self.project.calls.append(site)
        if self.in_main and not self.scope:
            self.project.main_calls.append(site)
        if self.shallow and self.current is not None:
            return
        if self.current is not None and name:
            self.current.calls.append((dotted(node.func) or name, node))
            if name in FLASK_TYPES:
                self.current.roles.add("factory")  # a function that builds the app
        self._registration_call(node, name)
        self.generic_visit(node)

    # ------------------------------------------------------- classification
    def _owner_kind(self, base: ast.expr) -> str | None:
        """'app', 'blueprint', 'celery', 'cli', 'socketio' or None for a decorator base."""
        type_name = self.type_of(base)
        if type_name:
            if self.project.is_subtype(type_name, FLASK_TYPES):
                return "app"
            if self.project.is_subtype(type_name, BLUEPRINT_TYPES):
                return "blueprint"
            if self.project.is_subtype(type_name, CELERY_TYPES):
                return "celery"
            if type_name.startswith("flask_socketio.SocketIO"):
                return "socketio"
            if type_name.startswith(("rq.", "flask_rq2.")):
                return "rq"
            if type_name.startswith(("apscheduler.", "flask_apscheduler.")):
                return "scheduler"
            if type_name.startswith(("dramatiq", "huey")):
                return "celery"
            return "other"
        text = dotted(base) or ""
        if text.endswith(".cli") or text == "cli":
            return "cli"
        return None

    def _classify_decorators(self, info: FunctionInfo) -> None:
        for deco in info.node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            resolved = self.resolve(func) or dotted(func) or ""
            info.decorators.append(resolved)
            last = resolved.rsplit(".", 1)[-1]
            if resolved in ("celery.shared_task", "celery.task", "dramatiq.actor", "rq.decorators.job", "rq.job", "huey.task"):
                info.roles.add("task")
                self._task_options(info, deco)
                continue
            if resolved.startswith("click.") and last in ("command", "group"):
                info.roles.add("cli")
                continue
            if resolved.startswith("typer.") or resolved in ("flask.cli.with_appcontext",):
                info.roles.add("cli")
                continue
            if resolved.startswith("pytest.fixture"):
                info.roles.add("test")
                continue
            if not isinstance(func, ast.Attribute):
                continue
            attr = func.attr
            kind = self._owner_kind(func.value)
            if kind == "cli" or (attr in ("command", "group") and kind in (None, "other") and self._is_click_group(func.value)):
                info.roles.add("cli")
            elif attr in ROUTE_DECORATORS and (kind in ("app", "blueprint") or (kind is None and self._first_arg_is_path(deco))):
                info.roles.add("view")
                info.routes.append(self._route(deco, attr, func.value))
            elif attr in HOOK_DECORATORS and kind in ("app", "blueprint", None):
                info.roles.add("hook")
                info.roles.add("teardown" if attr.startswith("teardown") else attr)
            elif attr in ERROR_DECORATORS and kind in ("app", "blueprint", None):
                info.roles.add("error_handler")
                if isinstance(deco, ast.Call):
                    info.error_codes.extend(deco.args)
            elif attr in ("task", "periodic_task", "actor") and kind in ("celery", None, "other", "rq", "scheduler"):
                info.roles.add("task")
                self._task_options(info, deco)
            elif attr in ("job", "scheduled_job", "cron") and kind in ("rq", "scheduler", None):
                info.roles.add("task")
            elif attr in SOCKET_DECORATORS and kind == "socketio":
                info.roles.add("socket_handler")
            elif attr == "expose" and info.class_name:
                info.roles.add("view")
        # method views: methods named like HTTP verbs on View subclasses
        if info.class_name and info.name in HTTP_METHOD_NAMES and self.class_stack:
            cls = self.class_stack[-1]
            if any(self.project.is_subtype(b, VIEW_BASES) or b.endswith(("MethodView", "Resource", ".View")) for b in cls.bases):
                info.roles.add("view")
        if self.module.name.split(".")[-1].startswith("test") or "/tests/" in f"/{self.module.path}":
            if info.name.startswith("test") or "test" in info.roles:
                info.roles.add("test")

    def _is_click_group(self, base: ast.expr) -> bool:
        resolved = self.resolve(base)
        fn = self.project.functions.get(resolved or "")
        return fn is not None and "cli" in fn.roles

    @staticmethod
    def _first_arg_is_path(deco: ast.expr) -> bool:
        return (
            isinstance(deco, ast.Call)
            and bool(deco.args)
            and isinstance(deco.args[0], ast.Constant)
            and isinstance(deco.args[0].value, str)
            and deco.args[0].value.startswith("/")
        )

    def _route(self, deco: ast.expr, attr: str, owner: ast.expr) -> RouteInfo:
        rule = ""
        methods: tuple[str, ...] = ("GET",)
        if isinstance(deco, ast.Call):
            if deco.args and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str):
                rule = deco.args[0].value
            for kw in deco.keywords:
                if kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple, ast.Set)):
                    methods = tuple(
                        str(e.value).upper() for e in kw.value.elts if isinstance(e, ast.Constant)
                    ) or methods
        if ROUTE_DECORATORS[attr]:
            methods = (ROUTE_DECORATORS[attr],)
        return RouteInfo(rule, methods, self.resolve(owner) or dotted(owner) or "?", Location(self.module.path, deco.lineno, deco.col_offset + 1))

    def _task_options(self, info: FunctionInfo, deco: ast.expr) -> None:
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg:
                    info.task_options[kw.arg] = kw.value

    def _registration_call(self, node: ast.Call, name: str) -> None:
        """``app.add_url_rule(view_func=f)``, ``q.enqueue(f)`` and friends."""
        if not isinstance(node.func, ast.Attribute):
            return
        attr = node.func.attr
        target: ast.expr | None = None
        role = None
        if attr == "add_url_rule":
            role = "view"
            target = next((kw.value for kw in node.keywords if kw.arg == "view_func"), None)
            if target is None and len(node.args) >= 3:
                target = node.args[2]
        elif attr in ("register_error_handler",) and len(node.args) >= 2:
            role, target = "error_handler", node.args[1]
        elif attr in HOOK_DECORATORS and len(node.args) == 1:
            role, target = "hook", node.args[0]
        elif attr in ("enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "add_job", "schedule"):
            role = "task"
            target = next((kw.value for kw in node.keywords if kw.arg in ("func", "f")), None)
            if target is None and node.args:
                target = node.args[-1] if attr in ("enqueue_at", "enqueue_in") and len(node.args) >= 2 else node.args[0]
        elif attr == "add_command" and node.args:
            role, target = "cli", node.args[0]
        if role is None or target is None:
            return
        scope = self.current.qualname if self.current else ""
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute) and target.func.attr == "as_view":
            cls_name = self.resolve(target.func.value) or f"{self.module.name}.{dotted(target.func.value)}"
            self.pending.append(PendingRole(role, cls_name, scope, self.module.name, view_class=True))
            return
        fname = dotted(target)
        if fname:
            self.pending.append(PendingRole(role, fname, scope, self.module.name))

    # --------------------------------------------------------------- config
    def _is_app_config(self, node: ast.expr) -> bool:
        if not (isinstance(node, ast.Attribute) and node.attr == "config"):
            return False
        type_name = self.type_of(node.value)
        if type_name and self.project.is_subtype(type_name, FLASK_TYPES):
            return True
        text = dotted(node.value) or ""
        return text in ("app", "application", "flask_app", "self.app", "current_app")

    def _config(self, key: str, value: ast.expr, at: ast.AST) -> None:
        env = self.env_stack[-1] if self.env_stack else "base"
        self.project.config.append(
            ConfigSetting(key, value, Location(self.module.path, at.lineno, at.col_offset + 1), env, "app.config")
        )

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and self._is_app_config(call.func.value):
            if call.func.attr in ("update", "from_mapping", "setdefault"):
                for kw in call.keywords:
                    if kw.arg:
                        self._config(kw.arg, kw.value, kw.value)
                for arg in call.args[:1]:
                    if isinstance(arg, ast.Dict):
                        for k, v in zip(arg.keys, arg.values):
                            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                                self._config(k.value, v, k)
                if call.func.attr == "setdefault" and len(call.args) == 2:
                    k = call.args[0]
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        self._config(k.value, call.args[1], k)
        self.generic_visit(node)


def build_project(modules: Iterable[SourceModule], production_names: Iterable[str] = (), development_names: Iterable[str] = (), testing_names: Iterable[str] = ()) -> Project:
    """Link every module into one project model."""
    project = Project()
    module_list = sorted(modules, key=lambda m: m.path)
    for module in module_list:
        project.modules.setdefault(module.name, module)
        project.by_path[module.path] = module
    pending: list[PendingRole] = []
    # Two passes: the second sees objects and classes defined in modules
    # that sort after the importing one (``views`` using ``app`` from ``app``).
    for pass_number in range(2):
        if pass_number == 1:
            # reset what the first pass accumulated, keep objects/classes
            project.functions.clear()
            project.calls.clear()
            project.main_calls.clear()
            project.config.clear()
            project.function_at.clear()
            pending.clear()
            for cls in project.classes.values():
                cls.methods.clear()
        for module in module_list:
            builder = _ModuleBuilder(project, module)
            builder.pending = pending
            builder.shallow = pass_number == 0
            for stmt in module.tree.body:
                builder.visit(stmt)
            _mark_bottom_imports(project.imports[module.name], module)
    _apply_pending_roles(project, pending)
    _collect_config_classes(project, production_names, development_names, testing_names)
    _collect_models(project)
    _propagate_contexts(project)
    return project


def _mark_bottom_imports(records: list[ImportRecord], module: SourceModule) -> None:
    """Flag imports that come after the module's last def/class (Flask's pattern)."""
    last_def = 0
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign)):
            last_def = max(last_def, stmt.lineno)
    for record in records:
        if not record.in_function and record.line > last_def and last_def:
            record.at_bottom = True


def _apply_pending_roles(project: Project, pending: list[PendingRole]) -> None:
    for item in pending:
        if item.view_class:  # as_view(): every HTTP method of the class is a view
            cls = project.classes.get(item.target)
            if cls is None:
                short = item.target.rsplit(".", 1)[-1]
                cls = next((c for c in project.classes.values() if c.name == short), None)
            if cls is not None:
                for name, method in cls.methods.items():
                    if name in HTTP_METHOD_NAMES:
                        method.roles.add(item.role)
            continue
        module = project.modules.get(item.module)
        if module is None:
            continue
        fn = project.resolve_function(item.target, project.functions.get(item.scope), module)
        if fn is not None:
            fn.roles.add(item.role)


def _collect_config_classes(project: Project, production: Iterable[str], development: Iterable[str], testing: Iterable[str]) -> None:
    explicit = {n: "production" for n in production}
    explicit.update({n: "development" for n in development})
    explicit.update({n: "testing" for n in testing})
    project.production_names = tuple(explicit)

    def env_of(cls: ClassInfo, seen: set[str]) -> str:
        if cls.name in explicit or cls.qualname in explicit:
            return explicit.get(cls.name) or explicit[cls.qualname]
        env = classify_env(cls.name)
        if env != "base":
            return env
        for base in cls.bases:
            parent = project.classes.get(base)
            if parent is not None and parent.qualname not in seen:
                seen.add(parent.qualname)
                parent_env = env_of(parent, seen)
                if parent_env != "base":
                    return parent_env
        return "base"

    def is_config_class(cls: ClassInfo, seen: set[str]) -> bool:
        if _CONFIG_NAME.search(cls.name) or cls.name in explicit:
            return True
        for base in cls.bases:
            parent = project.classes.get(base)
            if parent is not None and parent.qualname not in seen:
                seen.add(parent.qualname)
                if is_config_class(parent, seen):
                    return True
        return False

    for cls in project.classes.values():
        if not is_config_class(cls, set()):
            continue
        env = env_of(cls, set())
        assigns = [
            s for s in cls.node.body
            if isinstance(s, (ast.Assign, ast.AnnAssign))
        ]
        has_upper = False
        for stmt in assigns:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and _UPPER.match(target.id) and stmt.value is not None:
                    has_upper = True
                    project.config.append(
                        ConfigSetting(target.id, stmt.value, Location(cls.module.path, stmt.lineno, stmt.col_offset + 1), env, cls.qualname)
                    )
        if has_upper or cls.bases:
            project.config_classes[cls.qualname] = env
    # config modules: settings.py, config/production.py, ... with UPPER names
    loaded_by_name = {
        c.module.name for c in project.calls
        if c.name.endswith("from_object")
        and c.node.args and isinstance(c.node.args[0], ast.Name) and c.node.args[0].id == "__name__"
    }
    for module in project.modules.values():
        last = module.name.rsplit(".", 1)[-1]
        is_config_module = bool(_CONFIG_NAME.search(last)) or module.name in loaded_by_name or (
            module.is_package is False and classify_env(last) != "base" and _CONFIG_NAME.search(module.name)
        )
        if not is_config_module:
            continue
        env = explicit.get(module.name) or classify_env(last if last not in ("config", "settings") else module.name)
        for stmt in module.tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and _UPPER.match(target.id):
                        project.config.append(
                            ConfigSetting(target.id, stmt.value, Location(module.path, stmt.lineno, stmt.col_offset + 1), env, module.name)
                        )


def _model_alias(project: Project, base: str) -> bool:
    """``BaseModel = db.Model`` / ``Base = declarative_base()`` in a project module."""
    module_name, _, name = base.rpartition(".")
    module = project.modules.get(module_name)
    if module is None:
        return False
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        text = dotted(value.func if isinstance(value, ast.Call) else value) or ""
        if text.endswith((".Model", "declarative_base", "as_declarative")) or text == "Model":
            return True
    return False


def _declarative_decorated(cls: ClassInfo) -> bool:
    """``@as_declarative()`` / ``@mapper_registry.mapped`` classes are mapped bases."""
    for deco in cls.node.decorator_list:
        text = dotted(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if text.endswith(("as_declarative", ".mapped", "mapped_as_dataclass")):
            return True
    return False


def _secondary_model_path(path: str) -> bool:
    full = f"/{path}"
    return any(part in full for part in ("/migrations/", "/alembic/", "/versions/", "/tests/", "/test/"))


def _collect_models(project: Project) -> None:
    def is_model(cls: ClassInfo, seen: set[str]) -> bool:
        if _declarative_decorated(cls):
            return True
        for base in cls.bases:
            if base.endswith(".Model") or base in ("Model",) or base.endswith("DeclarativeBase") or base.endswith(("Base", "declarative_base")):
                return True
            if "." in base and base not in project.classes and _model_alias(project, base):
                return True
            parent = project.classes.get(base)
            if parent is not None and parent.qualname not in seen:
                seen.add(parent.qualname)
                if is_model(parent, seen):
                    return True
        return False

    backrefs: list[tuple[str, str, str, Location]] = []
    for cls in project.classes.values():
        if not is_model(cls, set()):
            continue
        model = ModelInfo(cls.qualname, cls.name, Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1))
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                attr, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                attr, value = stmt.target.id, stmt.value
            else:
                continue
            if not isinstance(value, ast.Call):
                continue
            callee = (dotted(value.func) or "").rsplit(".", 1)[-1]
            kwargs = {kw.arg: kw.value for kw in value.keywords if kw.arg}
            if callee in ("Column", "mapped_column"):
                for flag in ("primary_key", "unique"):
                    v = kwargs.get(flag)
                    if isinstance(v, ast.Constant) and v.value is True:
                        model.unique_columns.add(attr)
            elif callee == "relationship":
                lazy = kwargs.get("lazy")
                lazy_value = lazy.value if isinstance(lazy, ast.Constant) and isinstance(lazy.value, str) else (
                    "joined" if isinstance(lazy, ast.Constant) and lazy.value is False else "select"
                )
                target = ""
                if value.args and isinstance(value.args[0], ast.Constant):
                    target = str(value.args[0].value)
                elif value.args:
                    target = dotted(value.args[0]) or ""
                loc = Location(cls.module.path, stmt.lineno, stmt.col_offset + 1)
                model.relationships[attr] = RelationshipInfo(cls.name, attr, target, lazy_value, loc)
                backref = kwargs.get("backref")
                if isinstance(backref, ast.Constant) and isinstance(backref.value, str):
                    backrefs.append((target, backref.value, "select", loc))
                elif isinstance(backref, ast.Call) and backref.args and isinstance(backref.args[0], ast.Constant):
                    blazy = next((kw.value.value for kw in backref.keywords if kw.arg == "lazy" and isinstance(kw.value, ast.Constant)), "select")
                    backrefs.append((target, str(backref.args[0].value), str(blazy), loc))
                # ``back_populates``: the other side declares its own relationship
        if cls.name in project.models and _secondary_model_path(cls.module.path) and not _secondary_model_path(
            project.models[cls.name].location.path
        ):
            continue  # a migration's or a test's copy of the class must not hide the real model
        project.models[cls.name] = model
    for target, attr, lazy, loc in backrefs:
        model = project.models.get(target.rsplit(".", 1)[-1])
        if model is not None and attr not in model.relationships:
            model.relationships[attr] = RelationshipInfo(model.name, attr, model.name, lazy, loc)


_ROLE_CONTEXT = {
    "view": REQUEST,
    "hook": REQUEST,
    "error_handler": REQUEST,
    "socket_handler": REQUEST,
    "task": JOB,
    "cli": CLI,
    "factory": FACTORY,
    "test": TEST,
}


def _propagate_contexts(project: Project) -> None:
    """Breadth-first from every root along the call graph."""
    queue: deque[tuple[FunctionInfo, str]] = deque()
    nested: dict[str, list[FunctionInfo]] = {}
    for candidate in project.functions.values():
        if candidate.parent is not None:
            nested.setdefault(candidate.parent.qualname, []).append(candidate)
    for fn in project.functions.values():
        for role in fn.roles:
            ctx = _ROLE_CONTEXT.get(role)
            if ctx and ctx not in fn.contexts:
                fn.contexts.add(ctx)
                queue.append((fn, ctx))
    for site in project.main_calls:
        fn = project.resolve_function(dotted(site.node.func) or "", None, site.module)
        if fn is not None and MAIN not in fn.contexts:
            fn.contexts.add(MAIN)
            queue.append((fn, MAIN))
    while queue:
        fn, ctx = queue.popleft()
        for name, _call in fn.calls:
            callee = project.resolve_function(name, fn, fn.module)
            if callee is None or ctx in callee.contexts:
                continue
            callee.contexts.add(ctx)
            project.via[(callee.qualname, ctx)] = fn.qualname
            queue.append((callee, ctx))
        # nested functions (closures, streaming generators) run where their parent runs
        for other in nested.get(fn.qualname, ()):
            if ctx not in other.contexts and not (other.roles & set(_ROLE_CONTEXT)):
                other.contexts.add(ctx)
                project.via[(other.qualname, ctx)] = fn.qualname
                queue.append((other, ctx))

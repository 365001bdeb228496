"""Calls the plain call graph cannot see: plugins, callbacks, overridden methods, decorators.

``Project.resolve_function`` follows a call to the function it names.  Real
projects reach much of their request and job code another way, and a rule
that says "not reached from a request" about such code is wrong (the issue's
sample: 6 of 9 such claims).  This module adds the edges that the way a
project is built makes certain enough to act on:

* **instances**: ``Converter()`` runs ``Converter.__init__`` (and makes a
  callable object when the class defines ``__call__``); ``Converter().rates()``
  and ``self.helper.rates()`` (``helper = Converter()`` in the class) call the
  class's method; so does ``plugins.get()`` on an imported project instance.
* **overrides**: ``self._process()`` in a base class runs the override of the
  subclass the request built (Indico's ``RH.process`` -> ``RHFoo._process``).
* **plugin interfaces**: ``issuer.create_certificate(...)`` on a receiver whose
  class the code does not show reaches the implementations of an *abstract*
  method of that name (``raise NotImplementedError``, ``@abstractmethod``,
  an empty body): the plugin classes of Lemur, Amundsen's preview clients,
  calibre-web's metadata providers.  A method that one class hierarchy
  alone defines and overrides (``recruiter.notify_duration_exceeded()``,
  ``handler.do(...)``) reaches the base and every override; a name that
  unrelated hierarchies share reaches none of them, unless the receiver's
  name spells one of them.  A compound method name (``generate_ticket_pdf``)
  that one project class alone defines is that class's method.
* **registries**: a list/tuple/dict/set literal of project functions, classes
  or modules is a plugin registry; code that reads it reaches its members,
  and modules named in one (``{"nsone": nsone, ...}``) or loaded dynamically
  from a plugin folder are plugin modules whose functions unknown receivers
  reach (``provider.create_txt_record(...)``, ``engine.request(...)``).
* **callbacks**: a function referenced without being called
  (``executor.submit(fetch, ...)``, ``Thread(target=self._poll)``,
  ``self.on_done = notify``) runs where the code that references it runs;
  references handed to a job queue (``enqueue``, ``delay``) do not.
* **decorators**: a function decorated with a project decorator runs the
  decorator's wrapper.

Every edge over-approximates in the direction the rules need: a function is
reached *at least* where it really is.  Receivers of external types
(``requests.Session``, a ``re`` pattern) never dispatch into the project, and
names that builtin containers, strings and files also define never dispatch
from an unknown receiver.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import child_nodes

#: Methods of builtin containers, strings, bytes and files, and the most common
#: library verbs: an unknown receiver calling one of them is far more often a
#: dict, a file or a library object than a project plugin.
GENERIC_METHODS = frozenset({
    "get", "items", "keys", "values", "pop", "popitem", "update", "setdefault", "append", "extend", "insert",
    "remove", "clear", "copy", "add", "discard", "index", "count", "sort", "reverse", "format", "join", "split",
    "rsplit", "strip", "lstrip", "rstrip", "replace", "encode", "decode", "lower", "upper", "startswith",
    "endswith", "find", "read", "write", "close", "flush", "seek", "tell", "readline", "readlines", "open",
    "run", "start", "stop", "save", "delete", "commit", "rollback", "execute", "query", "filter", "all", "first",
    "one", "load", "loads", "dump", "dumps", "render", "json", "info", "debug", "warning", "error", "exception",
    "log", "set", "wait", "put", "post", "patch", "head", "options", "__init__", "__call__", "__enter__",
    "__exit__",
})
#: Calls that hand a function to a job queue: it runs in a worker, not here.
ENQUEUE_METHODS = frozenset({
    "delay", "apply_async", "enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "send_task", "add_job",
    "schedule", "s", "si", "signature", "add_periodic_task", "scheduled_job",
})
#: More implementations than this and "which plugin runs?" has no useful answer.
MAX_FAMILY = 25
#: Calls that import a module whose name is only known at run time.
DYNAMIC_IMPORTS = frozenset({
    "importlib.import_module", "imp.load_source", "imp.load_module", "importlib.machinery.SourceFileLoader",
    "importlib.util.spec_from_file_location", "werkzeug.utils.import_string", "werkzeug.import_string",
    "__import__",
})
#: A folder with at least this many modules nothing imports, loaded dynamically, is a plugin folder.
MIN_PLUGIN_SIBLINGS = 3


@dataclass
class _Members:
    """What a registry holds: functions, classes, modules (qualified names)."""

    functions: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)

    def merge(self, other: _Members) -> None:
        self.functions |= other.functions
        self.classes |= other.classes
        self.modules |= other.modules

    def __bool__(self) -> bool:
        return bool(self.functions or self.classes or self.modules)


@dataclass
class _Index:
    subclasses: dict[str, list[str]]
    #: method name -> implementations of an abstract declaration of that name
    interface: dict[str, list[FunctionInfo]]
    #: method name -> root class -> the root's method and every override below it
    families: dict[str, dict[str, list[FunctionInfo]]]
    #: method name -> how many project classes define it
    definers: dict[str, int]
    #: module-level registries by qualified name
    registries: dict[str, _Members]
    plugin_modules: set[str]
    #: top-level package names of the project: a name under one of them is project code
    packages: set[str]
    #: function qualname -> the functions defined inside it (any depth), methods excepted
    nested: dict[str, list[FunctionInfo]]
    #: function qualname -> the nodes of its own body (walked by several questions)
    bodies: dict[str, list[ast.AST]]
    #: function name -> the module-level functions of that name in plugin modules
    plugin_functions: dict[str, list[FunctionInfo]] = field(default_factory=dict)
    #: method name -> the one method of that name, when a single project class defines it
    unique_methods: dict[str, list[FunctionInfo]] = field(default_factory=dict)
    _attribute_types: dict[str, dict[str, str]] = field(default_factory=dict)
    _returned: dict[str, set[str]] = field(default_factory=dict)

    @property
    def has_registries(self) -> bool:
        return bool(self.registries)

    def family(self, name: str, receiver: str = "") -> list[FunctionInfo]:
        """The polymorphic family (a method and its overrides) an unknown receiver's ``name`` reaches.

        The one family defining ``name``; when unrelated hierarchies share the
        name, the one whose root class the receiver's name spells
        (``event_handler.do()`` -> ``BaseEventHandler``), else none.
        """
        roots = self.families.get(name, {})
        if len(roots) == 1:
            members = next(iter(roots.values()))
            return members if len(members) == self.definers.get(name, 0) else []
        words = set(re.split(r"[^a-z0-9]+", receiver.lower())) - {""}
        scored = [(len(words & _class_words(root)), root) for root in roots]
        best = max((score for score, _ in scored), default=0)
        chosen = [root for score, root in scored if score == best]
        return roots[chosen[0]] if best and len(chosen) == 1 else []

    def attribute_types(self, project: Project, class_qual: str) -> dict[str, str]:
        """Memoised :func:`_attribute_types` (one class is asked about once per call site)."""
        if class_qual not in self._attribute_types:
            self._attribute_types[class_qual] = _attribute_types(project, class_qual, self)
        return self._attribute_types[class_qual]

    def returned_classes(self, project: Project, fn: FunctionInfo) -> set[str]:
        """Project classes ``fn`` returns: ``-> Client`` or ``return Client(...)``."""
        if fn.qualname not in self._returned:
            self._returned[fn.qualname] = _returned_classes(project, fn, self.bodies.get(fn.qualname, ()))
        return self._returned[fn.qualname]


def dispatch_edges(project: Project) -> dict[str, list[tuple[FunctionInfo, bool]]]:
    """Extra callees per function (by qualname), beyond what ``resolve_function`` finds.

    Each callee comes with ``background``: True when it runs on a thread the
    caller starts (``Thread(target=f)``), so a request does not wait for it.
    """
    index = _build_index(project)
    sites: dict[str, list[ast.Call]] = {}
    for site in project.calls:
        if site.function is not None:
            sites.setdefault(site.function.qualname, []).append(site.node)
    edges: dict[str, list[tuple[FunctionInfo, bool]]] = {}
    for fn in project.functions.values():
        found: dict[str, tuple[FunctionInfo, bool]] = {}
        walker = _FunctionWalker(project, index, fn)
        for call in sites.get(fn.qualname, ()):
            for callee in walker.call_targets(call):
                found.setdefault(callee.qualname, (callee, _thread_run(project, callee)))
        for callee, background in walker.references():
            if background or callee.qualname not in found:
                found[callee.qualname] = (callee, background)
        if fn.qualname not in project.enqueued:  # an enqueued function's wrapper runs where its caller runs
            for callee in _decorator_wrappers(project, index, fn):
                found.setdefault(callee.qualname, (callee, False))
        found.pop(fn.qualname, None)
        if found:
            edges[fn.qualname] = list(found.values())
    return edges


# ---------------------------------------------------------------------- index
def _build_index(project: Project) -> _Index:
    subclasses: dict[str, list[str]] = {}
    for cls in project.classes.values():
        for base in cls.bases:
            if base in project.classes:
                subclasses.setdefault(base, []).append(cls.qualname)
    interface: dict[str, list[FunctionInfo]] = {}
    families: dict[str, dict[str, list[FunctionInfo]]] = {}
    for cls in project.classes.values():
        below = list(_descendants(subclasses, cls.qualname))
        if not below:
            continue
        for name, method in cls.methods.items():
            overrides = [
                project.classes[d].methods[name] for d in below if name in project.classes[d].methods
            ]
            overrides = [m for m in overrides if not is_abstract(m)]
            if not overrides:
                continue
            if is_abstract(method):
                interface.setdefault(name, []).extend(overrides)
            if _defined_above(project, cls.qualname, name):
                continue  # a family is keyed by its topmost class
            families.setdefault(name, {})[cls.qualname] = [method, *overrides]
    definers: dict[str, int] = {}
    for cls in project.classes.values():
        for name in cls.methods:
            definers[name] = definers.get(name, 0) + 1
    bodies = {fn.qualname: list(_own_nodes(fn.node)) for fn in project.functions.values()}
    registries: dict[str, _Members] = {}
    plugin_modules: set[str] = set()
    for module in project.modules.values():
        for stmt in module.tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                members = _literal_members(project, stmt.value, lambda n: _qualify_module_level(project, module, n))
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if members:
                    plugin_modules |= members.modules
                    for target in targets:
                        if isinstance(target, ast.Name):
                            registries[f"{module.name}.{target.id}"] = members
    for fn in project.functions.values():
        for node in bodies[fn.qualname]:
            if isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
                members = _literal_members(project, node, lambda n, f=fn: _qualify_in(project, f, n))
                plugin_modules |= members.modules
    plugin_modules |= _dynamically_loaded(project)
    for members_list in interface.values():
        members_list[:] = list({m.qualname: m for m in members_list}.values())
    nested: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if fn.class_name is not None:
            continue
        parent = fn.parent
        while parent is not None:
            nested.setdefault(parent.qualname, []).append(fn)
            parent = parent.parent
    packages = {name.split(".", 1)[0] for name in project.modules}
    plugin_functions: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if fn.parent is None and fn.class_name is None and fn.module.name in plugin_modules:
            plugin_functions.setdefault(fn.name, []).append(fn)
    unique_methods: dict[str, list[FunctionInfo]] = {}
    for cls in project.classes.values():
        for name, method in cls.methods.items():
            if definers.get(name) == 1 and not role_of_path(cls.module.path).is_side:
                unique_methods[name] = [method]
    return _Index(
        subclasses, interface, families, definers, registries, plugin_modules, packages, nested, bodies,
        plugin_functions, unique_methods,
    )


def _defined_above(project: Project, class_qual: str, name: str) -> bool:
    """A project base class of ``class_qual`` also defines ``name``."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if current != class_qual and cls is not None and name in cls.methods:
            return True
    return False


def _returned_classes(project: Project, fn: FunctionInfo, body: Iterable[ast.AST]) -> set[str]:
    found: set[str] = set()
    returns = fn.node.returns
    if returns is not None:
        if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
            name = returns.value.strip("\"' ")
        else:
            name = dotted(returns) or ""
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        qualified = project.canonical(qualified)
        if qualified in project.classes:
            found.add(qualified)
    for node in body:
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            name = dotted(node.value.func) or ""
            if name == "cls" and fn.class_name:  # ``return cls(...)`` in a classmethod
                found.add(fn.qualname.rsplit(".", 1)[0])
                continue
            qualified = project.canonical(fn.imports.qualify(name) or f"{fn.module.name}.{name}")
            if qualified in project.classes:
                found.add(qualified)
    return found


def _class_words(qualname: str) -> set[str]:
    """``BaseEventHandler`` -> {"event", "handler"}: the words of a class name that describe it."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", qualname.rsplit(".", 1)[-1])}
    return words - {"base", "abstract", "abc", "mixin", "interface"}


def _descendants(subclasses: dict[str, list[str]], qualname: str) -> Iterator[str]:
    seen: set[str] = set()
    stack = list(subclasses.get(qualname, ()))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        stack.extend(subclasses.get(current, ()))


def is_abstract(fn: FunctionInfo) -> bool:
    """An interface declaration: ``@abstractmethod``, or a body that only documents, passes or raises
    ``NotImplementedError``."""
    if any(d.rsplit(".", 1)[-1] in ("abstractmethod", "abstractproperty") for d in fn.decorators):
        return True
    body = list(fn.node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return True
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return (dotted(exc) or "").endswith("NotImplementedError")
    return False


def _qualify_module_level(project: Project, module, node: ast.expr) -> str | None:  # type: ignore[no-untyped-def]
    name = dotted(node)
    if not name:
        return None
    table = project.module_imports.get(module.name)
    qualified = table.qualify(name) if table is not None else None
    if qualified:
        return qualified
    local = f"{module.name}.{name}"
    if local in project.functions or local in project.classes:
        return local
    return None


def _qualify_in(project: Project, fn: FunctionInfo, node: ast.expr) -> str | None:
    name = dotted(node)
    if not name or name.split(".", 1)[0] in fn.local_names:
        return None
    found = project.resolve_function(name, fn, fn.module)
    if found is not None:
        return found.qualname
    qualified = fn.imports.qualify(name)
    if qualified:
        return qualified
    local = f"{fn.module.name}.{name}"
    return local if local in project.classes else None


def _literal_members(project: Project, node: ast.expr, qualify) -> _Members:  # type: ignore[no-untyped-def]
    """The project functions, classes and modules a container literal lists."""
    members = _Members()
    if isinstance(node, ast.Dict):
        elements = [v for v in node.values if v is not None]
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elements = list(node.elts)
    else:
        return members
    for element in elements:
        if isinstance(element, (ast.Tuple, ast.List)):  # ``[(name, handler), ...]``
            elements.extend(e for e in element.elts if isinstance(e, (ast.Name, ast.Attribute)))
            continue
        if not isinstance(element, (ast.Name, ast.Attribute)):
            continue
        qualified = qualify(element)
        if not qualified:
            continue
        if qualified in project.functions:
            members.functions.add(qualified)
        elif qualified in project.classes:
            members.classes.add(qualified)
        elif qualified in project.modules and not project.modules[qualified].is_package:
            members.modules.add(qualified)
    return members


def _dynamically_loaded(project: Project) -> set[str]:
    """Modules of plugin folders: nothing imports them and the project imports modules by computed name."""
    dynamic = any(
        site.name in DYNAMIC_IMPORTS and site.node.args and not isinstance(site.node.args[0], ast.Constant)
        for site in project.calls
    )
    if not dynamic:
        return set()
    imported: set[str] = set()
    for records in project.imports.values():
        for record in records:
            imported.add(record.module)
            imported.update(f"{record.module}.{name}" for name in record.names)
    folders: dict[str, list[str]] = {}
    for name, module in project.modules.items():
        if module.is_package or name in imported or name.rsplit(".", 1)[-1].startswith("_"):
            continue
        if role_of_path(module.path) is not FileRole.APPLICATION:
            continue  # migrations, tests and scripts are loaded by their own tools
        if "." in name:
            folders.setdefault(name.rsplit(".", 1)[0], []).append(name)
    return {m for members in folders.values() if len(members) >= MIN_PLUGIN_SIBLINGS for m in members}


def _own_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes of a function's body, not of the functions and classes defined inside it (their
    decorators, which run in the body, are included; the function's own decorators are not)."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(current.decorator_list)
            continue
        yield current
        stack.extend(child_nodes(current))


# ------------------------------------------------------------ per function
_UNKNOWN = "unknown"
_EXTERNAL = "external"
_PROJECT_RETURN = "project-return"
_KNOWN = "known"
_MODULE = "module"


@dataclass
class _Receiver:
    """What a method is called on, as far as the code shows it."""

    kind: str  # known | registry | project-return | unknown | external | module
    classes: set[str] = field(default_factory=set)
    members: _Members | None = None
    #: the classes are declared, not built here: a subclass's override may run (``-> Issuer``)
    subclasses: bool = False


class _FunctionWalker:
    """Answers "what does this call or reference reach?" inside one function."""

    def __init__(self, project: Project, index: _Index, fn: FunctionInfo) -> None:
        self.project = project
        self.index = index
        self.fn = fn
        self._registry_locals: dict[str, _Members] | None = None

    @property
    def owner(self) -> str | None:
        """The qualified name of the class ``fn`` is a method of."""
        return self.fn.qualname.rsplit(".", 1)[0] if self.fn.class_name else None

    # ---------------------------------------------------------- classes
    def class_named(self, node: ast.expr) -> str | None:
        """The project class a Name/Attribute expression names, if any."""
        name = dotted(node)
        if not name or ("." not in name and name in self.fn.local_names):
            return None
        qualified = self.fn.imports.qualify(name)
        if qualified and qualified in self.project.classes:
            return qualified
        probe: FunctionInfo | None = self.fn
        while probe is not None:
            nested = f"{probe.qualname}.{name}"
            if nested in self.project.classes:
                return nested
            probe = probe.parent
        local = f"{self.fn.module.name}.{name}"
        return local if local in self.project.classes else None

    def method(self, class_qual: str, name: str) -> FunctionInfo | None:
        for current in self.project.lineage(class_qual):
            cls = self.project.classes.get(current)
            if cls is not None and name in cls.methods:
                return cls.methods[name]
        return None

    def instantiation(self, class_qual: str) -> list[FunctionInfo]:
        """What building an instance reaches: its initialisers, ``__call__`` (a callable object is built to be
        called) and, for a ``threading.Thread`` subclass, ``run`` (on the thread it starts)."""
        names = ["__init__", "__post_init__", "__call__"]
        if self.project.is_subtype(class_qual, THREAD_CLASSES):
            names.append("run")
        found = [self.method(class_qual, n) for n in names]
        return [f for f in found if f is not None]

    def overrides(self, class_qual: str, name: str) -> list[FunctionInfo]:
        return [
            self.project.classes[d].methods[name]
            for d in _descendants(self.index.subclasses, class_qual)
            if name in self.project.classes[d].methods
        ]

    # ---------------------------------------------------------- receivers
    def receiver(self, node: ast.expr) -> _Receiver:
        """What ``node`` is when a method is called on it."""
        if isinstance(node, ast.Call):
            return self._call_result(node)
        if isinstance(node, ast.Subscript):
            members = self._registry_source(node, {})
            if members:
                return _Receiver("registry", members=members)
            inner = self.receiver(node.value)
            return _Receiver(_EXTERNAL) if inner.kind == _EXTERNAL else _Receiver(_UNKNOWN)
        name = dotted(node)
        if name is None:
            return _Receiver(_UNKNOWN)
        head, _, rest = name.partition(".")
        if head == "self" and self.owner:
            if not rest:
                return _Receiver(_KNOWN, {self.owner})
            attribute, _, deeper = rest.partition(".")
            typed = self.index.attribute_types(self.project, self.owner).get(attribute)
            seen = self._typed(typed) if typed else _Receiver(_UNKNOWN)
            return seen if not deeper else self._attribute_of(seen)
        if head in self.fn.local_names:
            members = self.registry_locals().get(name)
            if members is not None:
                return _Receiver("registry", members=members)
            if head in self.fn.local_types:
                seen = self._typed(self.fn.local_types[head])
            else:
                annotation = self._annotation(head)
                seen = self._typed(annotation) if annotation else _Receiver(_UNKNOWN)
            return seen if not rest else self._attribute_of(seen)
        imported = self.fn.imports.qualify(name)
        qualified = imported or f"{self.fn.module.name}.{name}"
        obj = self.project.objects.get(self.project.canonical(qualified))
        if obj is not None:
            return self._typed(obj.type)
        if qualified in self.project.modules or qualified in self.project.classes:
            return _Receiver(_MODULE)
        if imported and self._is_library(imported):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    @staticmethod
    def _attribute_of(seen: _Receiver) -> _Receiver:
        """An attribute of a library object is the library's; of anything else, unknown."""
        return _Receiver(_EXTERNAL) if seen.kind == _EXTERNAL else _Receiver(_UNKNOWN)

    def _call_result(self, node: ast.Call) -> _Receiver:
        """``Cls(...)``, ``REGISTRY[k](...)``, ``project_function(...)``, ``library.call(...)``."""
        cls = self.class_named(node.func)
        if cls is not None:
            return _Receiver(_KNOWN, {cls})
        members = self._registry_source(node.func, {})
        if members:
            return _Receiver("registry", members=members)
        callee = self.project.resolve_function(dotted(node.func) or "", self.fn, self.fn.module)
        if callee is not None:
            returned = self.index.returned_classes(self.project, callee)
            return _Receiver(_KNOWN, returned, subclasses=True) if returned else _Receiver(_PROJECT_RETURN)
        if isinstance(node.func, ast.Attribute) and self.receiver(node.func.value).kind == _EXTERNAL:
            return _Receiver(_EXTERNAL)
        qualified = self.fn.imports.qualify(dotted(node.func))
        if qualified and self._is_library(qualified):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    def _annotation(self, parameter: str) -> str | None:
        """The qualified type a parameter is annotated with (``def f(client: Client)``)."""
        arguments = self.fn.node.args
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            if arg.arg == parameter and arg.annotation is not None:
                annotation = arg.annotation
                if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                    try:
                        annotation = ast.parse(annotation.value, mode="eval").body
                    except SyntaxError:
                        return None
                if isinstance(annotation, ast.Subscript):  # ``Optional[Client]``
                    annotation = annotation.slice
                if isinstance(annotation, ast.BinOp):  # ``Client | None``
                    annotation = annotation.left
                cls = self.class_named(annotation) if isinstance(annotation, (ast.Name, ast.Attribute)) else None
                if cls is not None:
                    return cls
                qualified = self.fn.imports.qualify(dotted(annotation))
                return qualified if qualified and self._is_library(qualified) else None
        return None

    def _typed(self, type_name: str) -> _Receiver:
        """A receiver built by a call to ``type_name`` (a class, a project function, a library, or raw text)."""
        if type_name in self.project.classes:
            return _Receiver(_KNOWN, {type_name})
        if type_name in self.project.functions:
            returned = self.index.returned_classes(self.project, self.project.functions[type_name])
            return _Receiver(_KNOWN, returned, subclasses=True) if returned else _Receiver(_PROJECT_RETURN)
        if any(type_name == loader or type_name.startswith(loader + ".") for loader in DYNAMIC_IMPORTS):
            return _Receiver(_UNKNOWN)  # a class or module named in configuration: a project plugin
        if self._is_library(type_name):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    def _in_project(self, qualified: str) -> bool:
        return qualified.split(".", 1)[0] in self.index.packages

    def _is_library(self, qualified: str) -> bool:
        """``requests.Session`` is a library's; ``PREVIEW_FACTORY.get_instance`` is unresolved text."""
        head = qualified.split(".", 1)[0]
        if head in self.index.packages:
            return False
        return any(target.split(".", 1)[0] == head for target in self.fn.imports.aliases.values())

    # ---------------------------------------------------------- registries
    def registry_of(self, node: ast.expr) -> _Members | None:
        """The members of the registry ``node`` names (a module-level one or a local holding members)."""
        name = dotted(node)
        if not name:
            return None
        if name in self.registry_locals():
            return self.registry_locals()[name]
        if name.split(".", 1)[0] in self.fn.local_names:
            return None
        qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
        return self.index.registries.get(qualified)

    def registry_locals(self) -> dict[str, _Members]:
        """Locals that hold registry members: a literal, loop variables over a registry, ``R[k]``, ``R.get(k)``."""
        if self._registry_locals is not None:
            return self._registry_locals
        found: dict[str, _Members] = {}
        self._registry_locals = found
        body = self.index.bodies.get(self.fn.qualname, ())
        if not self.index.has_registries and not any(isinstance(n, _LITERALS) for n in body):
            return found
        for node in body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target, value = node.targets[0].id, node.value
                members = _literal_members(self.project, value, lambda n: _qualify_in(self.project, self.fn, n))
                if not members:
                    members = self._registry_source(value, found) or _Members()
                if members:
                    found.setdefault(target, _Members()).merge(members)
            elif isinstance(node, (ast.For, ast.comprehension)):
                source = self._registry_source(node.iter, found)
                if source:
                    for target in ast.walk(node.target):
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, _Members()).merge(source)
        return found

    def _registry_source(self, value: ast.expr, local: dict[str, _Members]) -> _Members | None:
        """``R``, ``R[k]``, ``R.get(k)``, ``R.values()``, ``R.items()``, ``R[k](...)`` for a registry ``R``."""
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "values", "items", "pop"):
                return self._registry_name(func.value, local)
            return self._registry_source(func, local)
        if isinstance(value, ast.Subscript):
            return self._registry_name(value.value, local)
        return self._registry_name(value, local)

    def _registry_name(self, node: ast.expr, local: dict[str, _Members]) -> _Members | None:
        name = dotted(node)
        if not name:
            return None
        if name in local:
            return local[name]
        if name.split(".", 1)[0] in self.fn.local_names:
            return None
        qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
        return self.index.registries.get(qualified)

    # ---------------------------------------------------------- calls
    def call_targets(self, call: ast.Call) -> list[FunctionInfo]:
        """What ``call`` reaches beyond the function ``resolve_function`` finds for it."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if _is_super(func.value):
                return self._super_method(func.attr)
            return self.method_targets(func.value, func.attr)
        if isinstance(func, ast.Name):
            cls = self.class_named(func)
            if cls is not None:
                return self.instantiation(cls)
            members = self.registry_locals().get(func.id)
            if members is not None:
                return self._members_called(members)
        return []

    def method_targets(self, receiver: ast.expr, name: str) -> list[FunctionInfo]:
        """``receiver.name(...)``: the project methods it may run."""
        if isinstance(receiver, ast.Name) and receiver.id == "self" and self.owner:
            return self.overrides(self.owner, name)
        seen = self.receiver(receiver)
        if seen.kind == _KNOWN:
            found = [self.method(c, name) for c in seen.classes]
            if seen.subclasses:
                found += [o for c in seen.classes for o in self.overrides(c, name)]
            return [f for f in found if f is not None]
        if seen.kind == "registry" and seen.members is not None:
            return self._members_methods(seen.members, name)
        if seen.kind in (_UNKNOWN, _PROJECT_RETURN) and not name.startswith("__") and name not in GENERIC_METHODS:
            found = list(self.index.interface.get(name, ()))
            found += self.index.family(name, (dotted(receiver) or "").rsplit(".", 1)[-1])
            if not found and "_" in name.strip("_"):
                found += self.index.unique_methods.get(name, ())
            if len({f.qualname for f in found}) > MAX_FAMILY:
                found = []
            return found + self._plugin_functions(self.index.plugin_modules, name)
        return []

    def _super_method(self, name: str) -> list[FunctionInfo]:
        owner = self.project.classes.get(self.owner or "")
        if owner is None:
            return []
        for base in owner.bases:
            found = self.method(base, name)
            if found is not None:
                return [found]
        return []

    def _members_called(self, members: _Members) -> list[FunctionInfo]:
        found = [self.project.functions[f] for f in members.functions]
        for cls in members.classes:
            found += self.instantiation(cls)
        return found

    def _members_methods(self, members: _Members, name: str) -> list[FunctionInfo]:
        found = [self.method(c, name) for c in members.classes]
        result = [f for f in found if f is not None]
        return result + self._plugin_functions(members.modules, name)

    def _plugin_functions(self, modules: set[str], name: str) -> list[FunctionInfo]:
        if modules is self.index.plugin_modules:
            return self.index.plugin_functions.get(name, [])
        found = [self.project.functions.get(f"{module}.{name}") for module in modules]
        return [f for f in found if f is not None]

    # ---------------------------------------------------------- references
    def references(self) -> list[tuple[FunctionInfo, bool]]:
        """Functions this one hands on without calling them, each with "runs on a thread it starts".

        Callbacks (``sorted(key=f)``, ``executor.submit(f)``, ``self.on_done = f``),
        thread targets and registry members.  A bound method of an object whose
        class the code does not show (``executor.submit(provider.search, q)``)
        counts only where a callable is expected (an argument of ``submit``,
        ``map``, ``Thread``, ``partial``..., or a ``callback=``-like keyword):
        elsewhere ``interval.end`` is most often data.
        Functions handed to a job queue, and jobs themselves, run in a worker.
        """
        nodes = self.index.bodies.get(self.fn.qualname, ())
        skip: set[int] = set()
        arguments: set[int] = set()
        background: set[int] = set()
        for node in nodes:
            if isinstance(node, ast.Call):
                skip.add(id(node.func))
                values = [*node.args, *(k.value for k in node.keywords)]
                taker = (dotted(node.func) or "").rsplit(".", 1)[-1]
                if taker in CALLBACK_TAKERS:
                    arguments.update(id(v) for v in values)
                else:
                    arguments.update(id(k.value) for k in node.keywords if _callback_keyword(k.arg))
                if isinstance(node.func, ast.Attribute):
                    skip.add(id(node.func.value))
                    if node.func.attr in ENQUEUE_METHODS:
                        skip.update(id(v) for v in values)
                background.update(id(v) for v in _thread_targets(self, node))
            elif isinstance(node, ast.Attribute):
                skip.add(id(node.value))
        found: list[tuple[FunctionInfo, bool]] = []
        for node in nodes:
            if (
                isinstance(node, (ast.Name, ast.Attribute))
                and id(node) not in skip
                and isinstance(node.ctx, ast.Load)
            ):
                on_thread = id(node) in background
                for callee in self._referenced(node, as_argument=id(node) in arguments):
                    if "task" not in callee.roles:
                        found.append((callee, on_thread))
        return found

    def _referenced(self, node: ast.Name | ast.Attribute, as_argument: bool) -> list[FunctionInfo]:
        name = dotted(node)
        if not name or (isinstance(node, ast.Name) and node.id in self.fn.local_names):
            return []
        direct = self.project.resolve_function(name, self.fn, self.fn.module)
        if direct is not None:
            found = [direct]
            if isinstance(node, ast.Attribute) and dotted(node.value) == "self" and self.owner:
                found += self.overrides(self.owner, node.attr)
            return found
        if isinstance(node, ast.Name):
            registry = self.registry_of(node)
            return self._members_called(registry) if registry else []
        if as_argument and not isinstance(node.value, ast.Call):
            return self.method_targets(node.value, node.attr)
        return []


_LITERALS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
#: Calls whose arguments are functions to call: executors, threads, partials, callback registries.
CALLBACK_TAKERS = frozenset({
    "submit", "map", "imap", "imap_unordered", "starmap", "apply", "run_in_executor", "spawn", "spawn_later",
    "start_new_thread", "Thread", "Timer", "Process", "partial", "add_done_callback", "call_soon", "call_later",
    "register", "connect", "add_listener", "subscribe", "on", "listen", "callback", "add_callback",
})


def _callback_keyword(name: str | None) -> bool:
    """``target=``, ``callback=``, ``on_success=``, ``key=``: a keyword that takes a function."""
    return bool(name) and (
        name in ("target", "callback", "func", "fn", "function", "handler", "key", "hook", "loader")
        or name.startswith("on_") or name.endswith(("_callback", "_handler", "_hook", "_func", "_fn"))
    )
THREAD_CLASSES = {"threading.Thread", "multiprocessing.Process"}


def _thread_run(project: Project, callee: FunctionInfo) -> bool:
    """``run`` of a project ``Thread`` subclass: reached by building the thread, run beside the caller."""
    if callee.name != "run" or callee.class_name is None:
        return False
    return project.is_subtype(callee.qualname.rsplit(".", 1)[0], THREAD_CLASSES)
#: Calls that start a thread, greenlet or process running their ``target`` (or first argument).
THREAD_STARTERS = frozenset({
    "threading.Thread", "threading.Timer", "multiprocessing.Process", "gevent.spawn", "gevent.spawn_later",
    "eventlet.spawn", "eventlet.spawn_n", "_thread.start_new_thread", "thread.start_new_thread",
})


def _thread_targets(walker: _FunctionWalker, call: ast.Call) -> list[ast.expr]:
    """The function a ``Thread(target=f)``-like call runs on its own thread."""
    name = walker.fn.imports.qualify(dotted(call.func)) or ""
    if name not in THREAD_STARTERS:
        return []
    for keyword in call.keywords:
        if keyword.arg in ("target", "function", "run"):
            return [keyword.value]
    if not call.args:
        return []
    index = 1 if name.endswith(("Timer", "spawn_later")) else 0
    return [call.args[index]] if len(call.args) > index else []


def _is_super(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _attribute_types(project: Project, class_qual: str, index: _Index) -> dict[str, str]:
    """``helper = Converter()`` in the class body or ``self.helper = Converter()`` in a method, per lineage."""
    found: dict[str, str] = {}
    for current in reversed(list(project.lineage(class_qual))):
        cls = project.classes.get(current)
        if cls is None:
            continue
        table = project.module_imports.get(cls.module.name)
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                callee = _callee(project, cls.module.name, table, stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and callee:
                        found[target.id] = callee
        for method in cls.methods.values():
            for node in index.bodies.get(method.qualname, ()):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    callee = _callee(project, cls.module.name, method.imports, node.value)
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and dotted(target.value) == "self" and callee:
                            found[target.attr] = callee
    return found


def _callee(project: Project, module: str, table, call: ast.Call) -> str | None:  # type: ignore[no-untyped-def]
    name = dotted(call.func)
    if not name:
        return None
    qualified = table.qualify(name) if table is not None else None
    if qualified:
        return qualified
    local = f"{module}.{name}"
    return local if local in project.classes or local in project.functions else None


def _decorator_wrappers(project: Project, index: _Index, fn: FunctionInfo) -> list[FunctionInfo]:
    """The inner functions of the project decorators wrapping ``fn``: they run when ``fn`` is called.

    A decorator function's nested wrapper, or for ``@event("name")`` (an
    instance of a project class used as a decorator) the wrapper its
    ``__call__`` builds.
    """
    found: list[FunctionInfo] = []
    for deco in fn.node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = dotted(target) or ""
        decorator = project.resolve_function(name, fn.parent, fn.module)
        if decorator is None and isinstance(deco, ast.Call):
            qualified = project.canonical(fn.imports.qualify(name) or f"{fn.module.name}.{name}")
            if qualified in project.classes:
                decorator = project.classes[qualified].methods.get("__call__")
        if decorator is not None:
            found.extend(index.nested.get(decorator.qualname, ()))
    return found

"""The index dispatch reads: class hierarchies, plugin interfaces, method families, registries, plugin modules.

Built once per project by :func:`build_index` for :mod:`.dispatch`, which
asks it "what may ``receiver.name(...)`` run?" for every call and callback
the plain call graph cannot resolve.  See :mod:`.dispatch` for the ways
real projects reach their code that this index records.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FLASK_TYPES, FunctionInfo
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.syntax import assignment_targets, child_nodes, child_plan, statements

LITERALS = (ast.Dict, ast.List, ast.Tuple, ast.Set)

#: More implementations than this and "which plugin runs?" has no useful answer.
MAX_FAMILY = 25
#: Calls that import a module whose name is only known at run time.
DYNAMIC_IMPORTS = frozenset(
    {
        "importlib.import_module",
        "imp.load_source",
        "imp.load_module",
        "importlib.machinery.SourceFileLoader",
        "importlib.util.spec_from_file_location",
        "werkzeug.utils.import_string",
        "werkzeug.import_string",
        "__import__",
    }
)
#: Their last segments: the names of ``facts.sites`` a dynamic import's site is listed under.
_DYNAMIC_IMPORT_NAMES = frozenset(name.rpartition(".")[2] for name in DYNAMIC_IMPORTS)
#: A folder with at least this many modules nothing imports, loaded dynamically, is a plugin folder.
MIN_PLUGIN_SIBLINGS = 3


@dataclass(eq=False)
class Members:
    """What a registry holds: functions, classes, modules (qualified names)."""

    functions: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)

    def merge(self, other: Members) -> None:
        self.functions |= other.functions
        self.classes |= other.classes
        self.modules |= other.modules

    def __bool__(self) -> bool:
        return bool(self.functions or self.classes or self.modules)


@dataclass(eq=False)
class DispatchIndex:
    """What dispatch looks up per call, worked out once per project (see :func:`build_index`)."""

    subclasses: dict[str, list[str]]
    #: method name -> root class of the hierarchy declaring it abstract -> the implementations below it
    interface: dict[str, dict[str, list[FunctionInfo]]]
    #: method name -> root class -> the root's method and every override below it
    families: dict[str, dict[str, list[FunctionInfo]]]
    #: method name -> how many project classes define it
    definers: dict[str, int]
    #: module-level registries by qualified name
    registries: dict[str, Members]
    plugin_modules: set[str]
    #: top-level package names of the project: a name under one of them is project code
    packages: set[str]
    #: function qualname -> the functions defined inside it (any depth), methods excepted
    nested: dict[str, list[FunctionInfo]]
    #: function qualname -> the nodes of its own body that the questions read, walked once
    bodies: OwnBodies
    #: function name -> the module-level functions of that name in plugin modules
    plugin_functions: dict[str, list[FunctionInfo]] = field(default_factory=dict)
    #: method name -> the one method of that name, when a single project class defines it
    unique_methods: dict[str, list[FunctionInfo]] = field(default_factory=dict)
    attribute_types_of: dict[str, dict[str, str]] = field(default_factory=dict)
    #: attribute -> type of the application object (``current_app.repository``), once computed
    app_attribute_types_of: dict[str, str] | None = None
    #: the classes defined at the top of plugin modules: what a class loaded by name may be
    plugin_classes: list[str] = field(default_factory=list)
    #: class qualname -> property name -> its getter (``@property``, ``cached_property``, ``hybrid_property``)
    properties: dict[str, dict[str, FunctionInfo]] = field(default_factory=dict)
    #: property name -> its getter, when one project class alone defines the (compound) name and no
    #: other class stores an attribute of that name: ``account.effective_apr`` on an unknown ``account``
    unique_properties: dict[str, FunctionInfo] = field(default_factory=dict)
    #: function qualname -> it returns an instance of a class it loads by name (memo of dispatch's walker)
    by_name_returns: dict[str, bool] = field(default_factory=dict)
    _returned: dict[str, set[str]] = field(default_factory=dict)
    #: the last segment of every project class's qualified name (``ClassInfo.name``)
    class_names: frozenset[str] = frozenset()
    #: every name a project function or method is defined or looked up by (its name, the last segment
    #: of its qualified name, its key in ``ClassInfo.methods``): a method call by another name reaches none
    function_names: frozenset[str] = frozenset()

    #: class qualname -> attribute -> the project classes it holds (memo of :meth:`held_classes`)
    _held: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def held_classes(self, project: Project, class_qual: str) -> dict[str, set[str]]:
        """``self.<attr> = SomeClass`` (the class itself, not an instance) in a method of ``class_qual``, a base
        or a subclass: ``self.worker_class = Worker`` in a service, ``ReprocessingWorker`` in its subclass."""
        found = self._held.get(class_qual)
        if found is None:
            found = self._held[class_qual] = held_classes_of(project, class_qual, self.subclasses)
        return found

    @property
    def has_registries(self) -> bool:
        return bool(self.registries)

    def implementations(self, name: str, receiver: str = "", rival: bool = False) -> list[FunctionInfo]:
        """The implementations of an abstract ``name`` an unknown receiver's call reaches.

        Those of the one hierarchy declaring ``name`` abstract; when unrelated
        hierarchies declare it (``to_dict`` of datasets, schemas and trace
        locations), those of the hierarchy whose root class the receiver's name
        spells (``issuer.create_certificate()`` -> ``IssuerPlugin``), else none:
        a shared name says nothing about which object the call is on.  ``rival``: functions of plugin
        modules share the name (the receiver may be such a module), so even the one hierarchy must be spelled.
        """
        return _chosen(self.interface.get(name, {}), receiver, spelled=rival)

    def family(
        self, name: str, receiver: str = "", delegate: FunctionInfo | None = None, rival: bool = False
    ) -> list[FunctionInfo]:
        """The polymorphic family (a method and its overrides) an unknown receiver's ``name`` reaches.

        The one family defining ``name``; when unrelated hierarchies share the
        name, the one whose root class the receiver's name spells
        (``event_handler.do()`` -> ``BaseEventHandler``), else none.

        ``delegate`` is the calling method when it has the same name and calls it on another object
        (``def get_endpoint(self, path): for backend in self.backends: backend.get_endpoint(path)``): a facade
        handing the call on to the objects it holds.  When its own definition is the one rival of the family
        the other classes form, the call reaches that family if the receiver's name spells the family's root
        class (``backend`` -> ``Backend``), as it must when unrelated hierarchies share the name: a dispatcher's
        ``build`` calling ``step.build()`` says nothing about an unrelated ``Report.build``.

        ``rival``: module-level functions of plugin modules share the name (``engine.search(...)`` on an engine
        module), so the receiver may be such a module: the one family too only when the receiver spells its root.
        """
        roots = self.families.get(name, {})
        if rival:
            return _chosen(roots, receiver, spelled=True)
        if len(roots) == 1:
            members = next(iter(roots.values()))
            definers = self.definers.get(name, 0)
            if len(members) == definers:
                return members
            delegating = delegate is not None and delegate.name == name and all(m is not delegate for m in members)
            return _chosen(roots, receiver, spelled=True) if delegating and len(members) == definers - 1 else []
        return _chosen(roots, receiver)

    def attribute_types(self, project: Project, class_qual: str) -> dict[str, str]:
        """Memoised :func:`attribute_types_of` (one class is asked about once per call site)."""
        if class_qual not in self.attribute_types_of:
            self.attribute_types_of[class_qual] = attribute_types_of(project, class_qual, self)
        return self.attribute_types_of[class_qual]

    def app_attribute_types(self, project: Project) -> dict[str, str]:
        """Memoised :func:`app_attribute_types_of`."""
        if self.app_attribute_types_of is None:
            self.app_attribute_types_of = app_attribute_types_of(project, self)
        return self.app_attribute_types_of

    def returned_classes(self, project: Project, fn: FunctionInfo) -> set[str]:
        """Project classes ``fn`` returns: ``-> Client`` or ``return Client(...)``."""
        if fn.qualname not in self._returned:
            body = self.bodies.get(fn.qualname)
            self._returned[fn.qualname] = _returned_classes(project, fn, body.returns if body is not None else ())
        return self._returned[fn.qualname]


def _chosen(roots: dict[str, list[FunctionInfo]], receiver: str, spelled: bool = False) -> list[FunctionInfo]:
    """The methods of the one hierarchy (keyed by its root class), or of the one whose root the receiver's
    name spells best; none when the receiver's name does not tell unrelated hierarchies apart.  ``spelled``:
    even the one hierarchy only when the receiver's name spells its root (a rival defines the name elsewhere).

    The root's class name counts first; when it spells two roots as well, its package tells them apart
    (``tracking_store`` -> ``store.tracking.AbstractStore``, not ``scorers.AbstractScorerStore``)."""
    if len(roots) == 1 and not spelled:
        return next(iter(roots.values()))
    words = set(re.split(r"[^a-z0-9]+", receiver.lower())) - {""}
    scored = [
        ((len(words & class_words(root)), len(words & set(re.split(r"[._]+", root.lower())[:-1]))), root)
        for root in roots
    ]
    best = max((score for score, _ in scored), default=(0, 0))
    chosen = [root for score, root in scored if score == best]
    return roots[chosen[0]] if best[0] and len(chosen) == 1 else []


# ---------------------------------------------------------------------- index
def build_index(project: Project) -> DispatchIndex:
    subclasses: dict[str, list[str]] = {}
    for cls in project.classes.values():
        for base in cls.bases:
            if base in project.classes:
                subclasses.setdefault(base, []).append(cls.qualname)
    interface: dict[str, dict[str, list[FunctionInfo]]] = {}
    families: dict[str, dict[str, list[FunctionInfo]]] = {}
    for cls in project.classes.values():
        below = list(descendants(subclasses, cls.qualname))
        if not below:
            continue
        for name, method in cls.methods.items():
            overrides = [project.classes[d].methods[name] for d in below if name in project.classes[d].methods]
            overrides = [m for m in overrides if not is_abstract(m)]
            if not overrides:
                continue
            if is_abstract(method):
                declared = [c for c in project.lineage(cls.qualname) if name in _methods(project, c)]
                root = declared[-1] if declared else cls.qualname  # the topmost class declaring it
                interface.setdefault(name, {}).setdefault(root, []).extend(overrides)
            if project.base_defines(cls.qualname, name):
                continue  # a family is keyed by its topmost class
            families.setdefault(name, {})[cls.qualname] = [method, *overrides]
    definers: dict[str, int] = {}
    for cls in project.classes.values():
        for name in cls.methods:
            definers[name] = definers.get(name, 0) + 1
    bodies = OwnBodies(project)
    registries: dict[str, Members] = {}
    plugin_modules: set[str] = set()
    for module in project.modules.values():
        for stmt in module.tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                members = literal_members(
                    project, stmt.value, lambda n, module=module: _qualify_module_level(project, module, n)
                )
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if members:
                    plugin_modules |= members.modules
                    for target in targets:
                        if isinstance(target, ast.Name):
                            registries[f"{module.name}.{target.id}"] = members
    names_modules = _import_tables_naming_modules(project)
    for fn in project.functions.values():
        if not names_modules(fn.imports):
            continue  # none of its literals can list a module (the only members this scan keeps)
        for node in bodies.of(fn).literals:
            members = literal_members(project, node, lambda n, f=fn: qualify_in(project, f, n))
            plugin_modules |= members.modules
    plugin_modules |= _dynamically_loaded(project)
    for roots in interface.values():
        for members_list in roots.values():
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
    plugin_classes = [
        cls.qualname
        for cls in project.classes.values()
        if cls.qualname == f"{cls.module.name}.{cls.name}" and cls.module.name in plugin_modules
    ]
    properties = property_getters(project)
    return DispatchIndex(
        subclasses,
        interface,
        families,
        definers,
        registries,
        plugin_modules,
        packages,
        nested,
        bodies,
        plugin_functions,
        unique_methods,
        plugin_classes=plugin_classes,
        properties=properties,
        unique_properties=_unique_properties(project, properties, definers, bodies),
        class_names=frozenset(cls.name for cls in project.classes.values()),
        function_names=frozenset(
            {fn.name for fn in project.functions.values()}
            | {qualname.rsplit(".", 1)[-1] for qualname in project.functions}
            | set(definers)
        ),
    )


#: Decorators (last segment) that make a method an attribute read: ``obj.name`` runs it.
PROPERTY_DECORATORS = frozenset(
    {"property", "cached_property", "hybrid_property", "reify", "lazy_property", "cachedproperty", "memoized_property"}
)


def property_getters(project: Project) -> dict[str, dict[str, FunctionInfo]]:
    """Each class's property getters.  A setter of the same name replaces the getter in ``methods``,
    so the getter is found by its position."""
    found: dict[str, dict[str, FunctionInfo]] = {}
    for cls in project.classes.values():
        for stmt in cls.node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            names = [dotted(d.func if isinstance(d, ast.Call) else d) or "" for d in stmt.decorator_list]
            if any(n.rsplit(".", 1)[-1] in PROPERTY_DECORATORS for n in names):
                getter = project.function_at.get((cls.module.path, stmt.lineno, stmt.col_offset))
                if getter is not None:
                    found.setdefault(cls.qualname, {})[stmt.name] = getter
    return found


def _unique_properties(
    project: Project,
    properties: dict[str, dict[str, FunctionInfo]],
    definers: dict[str, int],
    bodies: OwnBodies,
) -> dict[str, FunctionInfo]:
    owners: dict[str, list[str]] = {}
    for cls_qual, getters in properties.items():
        if not role_of_path(project.classes[cls_qual].module.path).is_side:
            for name in getters:
                owners.setdefault(name, []).append(cls_qual)
    candidates = {
        name: classes[0]
        for name, classes in owners.items()
        if len(classes) == 1 and definers.get(name) == 1 and "_" in name.strip("_")
    }
    if not candidates:
        return {}
    # a plain attribute of that name on another class (a column, ``self.name = ...``) makes the name ambiguous
    for cls in project.classes.values():
        for stmt in cls.node.body:
            targets = assignment_targets(stmt)
            for target in targets:
                if isinstance(target, ast.Name) and candidates.get(target.id, cls.qualname) != cls.qualname:
                    candidates.pop(target.id)
    # ``self.name`` spells the name in the source: a module whose (ASCII) text holds no candidate
    # is not walked (a non-ASCII identifier may normalise to one, so such modules always are)
    spelled: dict[str, bool] = {}
    for fn in project.functions.values():
        spells = spelled.get(fn.module.name)
        if spells is None:
            text = fn.module.text
            spells = spelled[fn.module.name] = not text.isascii() or any(name in text for name in candidates)
        if not spells:
            continue
        owner = fn.qualname.rsplit(".", 1)[0] if fn.class_name else None
        body = bodies.get(fn.qualname)
        for node in body.attributes if body is not None else ():
            if (
                isinstance(node.ctx, ast.Store)
                and dotted(node.value) == "self"
                and candidates.get(node.attr, owner) != owner
            ):
                candidates.pop(node.attr)
    return {name: properties[cls_qual][name] for name, cls_qual in candidates.items()}


#: ``type[X]`` annotations: a function that returns a class of the ``X`` hierarchy.
_CLASS_OF = frozenset({"type", "Type", "typing.Type"})


def _returned_classes(project: Project, fn: FunctionInfo, body: Iterable[ast.AST]) -> set[str]:
    found: set[str] = set()
    returns = fn.node.returns
    if returns is not None:
        if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
            name = returns.value.strip("\"' ")
        elif isinstance(returns, ast.Subscript) and dotted(returns.value) in _CLASS_OF:
            # ``-> type[BaseBackend]``: the caller builds (``get_backend(name)(source)``) one of that hierarchy
            name = dotted(returns.slice) or ""
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


def _methods(project: Project, class_qual: str) -> dict[str, FunctionInfo]:
    cls = project.classes.get(class_qual)
    return cls.methods if cls is not None else {}


def class_words(qualname: str) -> set[str]:
    """``BaseEventHandler`` -> {"event", "handler"}: the words of a class name that describe it."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", qualname.rsplit(".", 1)[-1])}
    return words - {"base", "abstract", "abc", "mixin", "interface"}


def descendants(subclasses: dict[str, list[str]], qualname: str) -> Iterator[str]:
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


def qualify_in(project: Project, fn: FunctionInfo, node: ast.expr) -> str | None:
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


def literal_members(project: Project, node: ast.expr, qualify) -> Members:  # type: ignore[no-untyped-def]
    """The project functions, classes and modules a container literal lists."""
    members = Members()
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
    """Modules of plugin folders: nothing imports them and the project imports modules by computed name.

    A plugin is a module of the folder (``plugins/route53.py``) or a package holding one module
    (``tts/marytts/marytts.py``, which only its own ``__init__`` imports).  Imports from tests,
    scripts and examples do not count: a test imports the plugin it tests.
    """
    from flask_doctor.static.facts.sites import calls_named  # noqa: PLC0415 (the facts build on the model)

    dynamic = any(
        site.name in DYNAMIC_IMPORTS and site.node.args and not isinstance(site.node.args[0], ast.Constant)
        for site in calls_named(project, _DYNAMIC_IMPORT_NAMES)  # a site is listed under its name's last segment
    )
    if not dynamic:
        return set()
    importers: dict[str, set[str]] = {}
    for importer, records in project.imports.items():
        module = project.modules.get(importer)
        if module is not None and role_of_path(module.path).is_side:
            continue
        for record in records:
            importers.setdefault(record.module, set()).add(importer)
            for name in record.names:
                importers.setdefault(f"{record.module}.{name}", set()).add(importer)

    candidates = [
        name
        for name, module in project.modules.items()
        if not module.is_package
        and "." in name
        and not name.rsplit(".", 1)[-1].startswith("_")
        and role_of_path(module.path) is FileRole.APPLICATION  # migrations, tests and scripts have their tools
    ]
    inside: dict[str, list[str]] = {}
    for name in candidates:
        inside.setdefault(name.rsplit(".", 1)[0], []).append(name)
    folders: dict[str, list[str]] = {}
    for name in candidates:
        package = name.rsplit(".", 1)[0]
        users = importers.get(name, set())
        if not users <= {package}:
            continue
        if (
            "." in package
            and inside[package] == [name]
            and not any(not (i == package or i.startswith(package + ".")) for i in importers.get(package, ()))
        ):
            folders.setdefault(package.rsplit(".", 1)[0], []).append(name)  # a one-module plugin package
        elif not users:
            folders.setdefault(package, []).append(name)
    return {m for members in folders.values() if len(members) >= MIN_PLUGIN_SIBLINGS for m in members}


def own_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
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


class OwnBody:
    """The nodes of a function's own body (:func:`own_nodes`) that dispatch reads, sorted by kind.

    Each list keeps :func:`own_nodes`' order (edges, and so the call chains
    shown as evidence, follow it); the body is walked once instead of once
    per question.
    """

    __slots__ = ("calls", "attributes", "loads", "bindings", "literals", "returns")

    def __init__(self) -> None:
        self.calls: list[ast.Call] = []
        #: every ``Attribute``, whatever its context
        self.attributes: list[ast.Attribute] = []
        #: ``Name`` and ``Attribute`` nodes that read (``Load``)
        self.loads: list[ast.Name | ast.Attribute] = []
        #: ``Assign``, ``For`` and ``comprehension`` nodes: what binds a local
        self.bindings: list[ast.AST] = []
        #: ``Dict``, ``List``, ``Tuple`` and ``Set`` displays
        self.literals: list[ast.expr] = []
        self.returns: list[ast.Return] = []


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CALL, _ATTRIBUTE, _NAME, _BINDING, _LITERAL, _RETURN, _SCOPE, _LEAF = range(8)
_KIND: dict[type, int] = {
    ast.Call: _CALL,
    ast.Attribute: _ATTRIBUTE,
    ast.Name: _NAME,
    ast.Assign: _BINDING,
    ast.For: _BINDING,
    ast.comprehension: _BINDING,
    ast.Return: _RETURN,
    ast.Constant: _LEAF,
    **{cls: _LITERAL for cls in LITERALS},
    **{cls: _SCOPE for cls in _SCOPES},
}


#: ``syntax.child_plan`` of each node class own_body met (a module-level copy: one lookup per node).
_CHILD_PLANS: dict[type, tuple[tuple[str, bool], ...]] = {}


class OwnBodies:
    """Each function's :class:`OwnBody`, walked the first time a question needs it.

    Context propagation works out the edges of only the functions it reaches
    (about half of them on a large project), so walking every body up front
    was wasted on the rest. The functions are those of the model when the
    index is built, as before.
    """

    __slots__ = ("_functions", "_bodies")

    def __init__(self, project: Project) -> None:
        self._functions = dict(project.functions)
        self._bodies: dict[str, OwnBody] = {}

    def get(self, qualname: str) -> OwnBody | None:
        """The own body of the function ``qualname``; ``None`` for a name the model does not define."""
        body = self._bodies.get(qualname)
        if body is None:
            fn = self._functions.get(qualname)
            if fn is None:
                return None
            body = self._bodies[qualname] = own_body(fn.node)
        return body

    def of(self, fn: FunctionInfo) -> OwnBody:
        """The own body of ``fn``, a function of the model."""
        body = self.get(fn.qualname)
        assert body is not None, fn.qualname
        return body


def _import_tables_naming_modules(project: Project) -> Callable[[ImportTable], bool]:
    """A test of an import table: can a dotted name qualified through it be a project module?

    ``ImportTable.qualify`` replaces a name's first segment by an import's
    target, so it yields a project module only when some target is a project
    module or a package above one (``import pkg`` then ``pkg.mod``). Tables
    share their dict until an import is added, so each dict is tested once.
    """
    prefixes: set[str] = set()
    for name in project.modules:
        parts = name.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    answers: dict[int, bool] = {}

    def test(table: ImportTable) -> bool:
        aliases = table.aliases
        answer = answers.get(id(aliases))
        if answer is None:
            answer = answers[id(aliases)] = not prefixes.isdisjoint(aliases.values())
        return answer

    return test


def own_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> OwnBody:
    """:func:`own_nodes` of ``node`` sorted into an :class:`OwnBody`, in one walk (the model's hot loop)."""
    body = OwnBody()
    calls, attributes, loads = body.calls, body.attributes, body.loads
    bindings, literals, returns = body.bindings, body.literals, body.returns
    kind_of = _KIND.get
    load = ast.Load
    node_class = ast.AST
    plans = _CHILD_PLANS
    stack: list[ast.AST] = list(node.body)
    pop, append = stack.pop, stack.append
    while stack:
        current = pop()
        cls = current.__class__
        kind = kind_of(cls)
        if kind is not None:
            if kind == _NAME:
                if current.ctx.__class__ is load:  # type: ignore[attr-defined]
                    loads.append(current)  # type: ignore[arg-type]
                continue  # a name has no child nodes
            if kind == _LEAF:
                continue
            if kind == _SCOPE:
                stack += current.decorator_list  # type: ignore[attr-defined]
                continue
            if kind == _CALL:
                calls.append(current)  # type: ignore[arg-type]
            elif kind == _ATTRIBUTE:
                attributes.append(current)  # type: ignore[arg-type]
                if current.ctx.__class__ is load:  # type: ignore[attr-defined]
                    loads.append(current)  # type: ignore[arg-type]
            elif kind == _BINDING:
                bindings.append(current)
            elif kind == _LITERAL:
                literals.append(current)  # type: ignore[arg-type]
            else:
                returns.append(current)  # type: ignore[arg-type]
        # the children, as ``child_nodes`` lists them (inlined: this runs for every node of every body)
        plan = plans.get(cls)
        if plan is None:
            plan = plans[cls] = child_plan(cls)
        for name, sparse in plan:
            value = getattr(current, name, None)
            if value.__class__ is list:
                if sparse:
                    stack += [item for item in value if isinstance(item, node_class)]
                else:
                    stack += value
            elif isinstance(value, node_class):
                append(value)
    return body


def attribute_types_of(project: Project, class_qual: str, index: DispatchIndex) -> dict[str, str]:
    """``helper = Converter()`` in the class body or ``self.helper = Converter()`` in a method, per lineage."""
    found: dict[str, str] = {}
    lineage = list(project.lineage(class_qual))
    held: dict[str, str] | None = None
    for current in reversed(lineage):
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
            body = index.bodies.get(method.qualname)
            for node in body.bindings if body is not None else ():
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    callee = _callee(project, cls.module.name, method.imports, node.value)
                    func = node.value.func
                    if callee is None and isinstance(func, ast.Attribute) and dotted(func.value) in ("self", "cls"):
                        if held is None:
                            held = _class_attributes(project, lineage)
                        callee = held.get(func.attr)  # ``self.store = self.STORE_CLASS(...)``
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and dotted(target.value) == "self" and callee:
                            found[target.attr] = callee
    return found


def _class_attributes(project: Project, lineage: list[str]) -> dict[str, str]:
    """Class-level names holding a project class (``STORE_CLASS = SqlStore``), the most derived class's first:
    ``self.store = self.STORE_CLASS(...)`` in a base class builds what the instance's own class names."""
    found: dict[str, str] = {}
    for current in lineage:
        cls = project.classes.get(current)
        if cls is None:
            continue
        table = project.module_imports.get(cls.module.name)
        for stmt in cls.node.body:
            if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.Name, ast.Attribute))):
                continue
            name = dotted(stmt.value) or ""
            qualified = (table.qualify(name) if table is not None else None) or f"{cls.module.name}.{name}"
            qualified = project.canonical(qualified)
            if qualified not in project.classes:
                continue
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, qualified)
    return found


def asserted_attribute_types(project: Project, class_qual: str) -> dict[str, str]:
    """``assert isinstance(self.repository, KnowledgeRepository)`` in a method of the class: the code states the
    attribute's type (an instance of that class or of a subclass), although it was assigned from a parameter."""
    found: dict[str, str] = {}
    cls = project.classes.get(class_qual)
    if cls is None:
        return found
    for method in cls.methods.values():
        for node in ast.walk(method.node):
            test = node.test if isinstance(node, ast.Assert) else None
            if not (isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2):
                continue
            target, kind = test.args
            name = dotted(target) or ""
            if not (name.startswith("self.") and name.count(".") == 1):
                continue
            spelled = dotted(kind) or ""
            imported = method.imports.qualify(spelled)
            qualified = imported or f"{cls.module.name}.{spelled}"
            if spelled and (imported or qualified in project.classes):
                found[name[5:]] = project.canonical(qualified)
    return found


def app_attribute_types_of(project: Project, index: DispatchIndex) -> dict[str, str]:
    """The attributes a project subclass of ``Flask`` gives the application object, with their types:
    ``self.repository = repo`` then ``assert isinstance(self.repository, KnowledgeRepository)`` in
    ``class KnowledgeFlask(Flask)``, or ``self.cache = Cache()``. ``current_app.repository`` (and a
    ``LocalProxy(lambda: current_app.repository)``) is one of these objects in every request. An attribute that
    two application classes type differently is left out."""
    found: dict[str, str] = {}
    clashes: set[str] = set()
    for class_qual in project.classes:
        if class_qual in FLASK_TYPES or not project.is_subtype(class_qual, FLASK_TYPES):
            continue
        typed = {**index.attribute_types(project, class_qual), **asserted_attribute_types(project, class_qual)}
        for attribute, type_name in typed.items():
            if found.get(attribute, type_name) != type_name:
                clashes.add(attribute)
            found[attribute] = type_name
    return {attribute: type_name for attribute, type_name in found.items() if attribute not in clashes}


def held_classes_of(project: Project, class_qual: str, subclasses: dict[str, list[str]]) -> dict[str, set[str]]:
    """:meth:`DispatchIndex.held_classes`, computed."""
    found: dict[str, set[str]] = {}
    related = [*project.lineage(class_qual), *descendants(subclasses, class_qual)]
    for current in dict.fromkeys(related):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for method in cls.methods.values():
            for node in statements(method.node):  # an assignment is a statement: expressions are not entered
                if not isinstance(node, ast.Assign) or not isinstance(node.value, (ast.Name, ast.Attribute)):
                    continue
                held = qualify_in(project, method, node.value)
                held = project.canonical(held) if held is not None else None
                if held is None or held not in project.classes:
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and dotted(target.value) == "self":
                        found.setdefault(target.attr, set()).add(held)
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

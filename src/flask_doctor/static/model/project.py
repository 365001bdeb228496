"""The project: every module linked, with the queries rules ask of it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import FactCache
from flask_doctor.static.model.records import (
    FACTORY,
    CallSite,
    ClassInfo,
    ConfigSetting,
    FunctionInfo,
    ModelInfo,
    ObjectInfo,
)
from flask_doctor.static.names import ImportRecord, ImportTable, dotted
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import walk

#: Calls that build a database API facade forwarding to a backend module named in a string
#: (``oslo_db.api.DBAPI``, ``DBAPI.from_config``, ``importutils.import_module``).
_FACADE_TYPE = re.compile(r"(^|\.)(DBAPI(\.from_config)?|import_module|import_object)$")

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import DeployModel


@dataclass
class Project:
    """Every module of the checked tree, linked: functions, classes, objects, imports, calls, config."""

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
    #: Calls that may register an OpenAPI specification (``app.add_api(...)``, ``FlaskApi(...)``; ``model.connexion``).
    spec_calls: list[CallSite] = field(default_factory=list)
    function_at: dict[tuple[str, int, int], FunctionInfo] = field(default_factory=dict)
    via: dict[tuple[str, str], str] = field(default_factory=dict)  # (func, ctx) -> caller
    #: (caller, callee) -> the call node of a call that dispatch resolves (``notifier.send(...)`` reaching a
    #: plugin's ``send``): the line a chain shows for that hop when the caller makes several calls of the name.
    edge_sites: dict[tuple[str, str], ast.Call] = field(default_factory=dict, repr=False, compare=False)
    #: Functions a project decorator replaces with a wrapper that enqueues them: calling one from a
    #: view puts a job on a queue, and its body runs in a worker (``model.builder._job_decorators``).
    #: Maps each such function to its decorator, whose wrapper runs where the caller runs.
    enqueued: dict[str, str] = field(default_factory=dict)
    #: (caller, callee) qualnames of calls that build a class the caller loads by a name it computes
    #: (``getattr(__import__(path), name)(...)``): which plugin runs is configuration, not code.
    loaded_by_name: set[tuple[str, str]] = field(default_factory=set)
    #: Names assigned more than one type in one scope -> every type assigned (``if cond: auth = SimpleAuth()
    #: else: auth = ProxyHeaderAuth()``), keyed by the scope's qualname (the module's for module level) and
    #: the name; ``local_types`` and ``objects`` keep the last one.  Dispatch calls a method of each.  An attribute
    #: of ``self`` assigned several types in a class's methods is keyed by the class's qualname and the attribute.
    alternatives: dict[str, set[str]] = field(default_factory=dict)
    #: The names (last segment) of those bindings: what dispatch looks at before any lookup.
    alternative_names: set[str] = field(default_factory=set)
    #: Project helpers that build and return a Flask app or blueprint -> the type they build
    #: (``def get_blueprint(name): return Blueprint(name, ...)``; ``model.helpers.helpers_that_build``).
    built_by: dict[str, str] = field(default_factory=dict)
    deploy: DeployModel | None = None
    #: Plugin entry points the packaging declares, by namespace: the qualified names they point at
    #: (``DeployModel.entry_points``), for the plugin managers that load them (``model.stevedore``).
    entry_points: dict[str, list[str]] = field(default_factory=dict)
    #: The text of each Jinja template file of the project (display path -> text), read by the engine
    #: from the template folders next to its modules (``static.facts.templates``); parsed on demand.
    templates: dict[str, str] = field(default_factory=dict)
    production_names: tuple[str, ...] = ()
    #: (module, dotted name) of containers something shrinks: ``x.pop()``,
    #: ``del x[k]``, ``len(x)`` (a size check is how bounded caches evict).
    evictions: set[tuple[str, str]] = field(default_factory=set)
    #: Module name -> the names ``from module import *`` binds and what each names (``model.stars``).
    star_exports: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)
    #: Last segments of module names -> the project modules ending so (``canonical``'s index).
    _module_suffixes: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    #: Derived facts (``static/facts``), each computed once on first use.
    facts: FactCache = field(default_factory=FactCache, repr=False, compare=False)
    #: :meth:`resolve_function`'s answers by (name, scope, module name) once the model is complete
    #: (:meth:`model_complete`); None while it is built and a lookup's answer may still change.
    _resolved: dict[tuple[str, FunctionInfo | None, str], FunctionInfo | None] | None = field(
        default=None, repr=False, compare=False
    )

    #: :meth:`canonical`'s answers, kept under the same condition.
    _canonical: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def model_complete(self) -> None:
        """Nothing adds functions, classes, objects, imports or local types any more: remember lookups.

        The call graph, the dispatch edges, the facts and the rules resolve the
        same call names again and again (233 k lookups of 126 k names on a
        200 k-line project, 85 k re-export lookups of a few thousand names).
        """
        self._resolved = {}
        self._canonical = {}

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

    def base_defines(self, class_qual: str, name: str) -> bool:
        """Does a project base class of ``class_qual`` also define method ``name`` (an override)?"""
        for current in self.lineage(class_qual):
            cls = self.classes.get(current)
            if current != class_qual and cls is not None and name in cls.methods:
                return True
        return False

    def is_subtype(self, type_name: str | None, types: set[str] | frozenset[str]) -> bool:
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
        memo = self._resolved
        if memo is None:
            return self._resolve_function(name, scope, module)
        key = (name, scope, module.name)  # the lookup reads the module's name only
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = self._resolve_function(name, scope, module)
            return found

    def _resolve_function(self, name: str, scope: FunctionInfo | None, module: SourceModule) -> FunctionInfo | None:
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and scope is not None and rest and "." not in rest:
            method = scope
            while method is not None and not method.class_name and head not in method.local_names:
                method = method.parent  # a closure inside a method sees the method's ``self``
            if method is not None and method.class_name:
                cls_qual = method.qualname.rsplit(".", 2)[0] + "." + method.class_name
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
            typed = scope.local_types[head]
            return self._method(typed, rest) or self._forwarded(typed, rest)
        table = scope.imports if scope is not None else self.module_imports.get(module.name)
        qualified = table.qualify(name) if table is not None else None
        if qualified:
            found = self.functions.get(qualified)
            if found is None and qualified not in self.classes:
                qualified = self.canonical(qualified)
                found = self.functions.get(qualified)
            if found is not None:
                return found
            owner, _, attr = qualified.rpartition(".")
            if owner in self.classes:
                return self._method(owner, attr)
            obj = self.objects.get(owner)
            if obj is not None and obj.type in self.classes:
                # ``plugins.get(...)`` on an imported project instance
                return self._method(obj.type, attr)
            if obj is not None:
                return self._forwarded(owner, attr)
            if owner in self.functions:
                return self._forwarded(owner, attr)  # ``db_api.get_instance().host_get(...)``
        if rest and "." not in rest and (scope is None or head not in scope.local_names):
            owner = f"{module.name}.{head}"
            if owner in self.classes:  # ``Launcher.launch(...)``: a class method of the module's own class
                return self._method(owner, rest)
            if owner in self.objects:  # ``IMPL.host_get(...)`` in the facade module itself
                return self._forwarded(owner, rest)
        return None

    def _forwarded(self, owner: str, attr: str) -> FunctionInfo | None:
        """``attr`` of a database API facade: what ``IMPL.host_get`` or ``get_instance().get_mapping`` reaches.

        ``IMPL = oslo_db.api.DBAPI(backend, backend_mapping={"sqlalchemy": "pkg.db.sqlalchemy.api"})`` (or
        ``DBAPI.from_config``, ``importutils.import_module("pkg.db.api")``) forwards every attribute to the
        project module it names, or to what that module's ``get_backend()`` returns (``return HashMap()``).
        ``owner`` is the module-level object, or a project function whose every ``return`` gives it.
        """
        backend = self._backend_module(owner, 0)
        if backend is None:
            return None
        getter = self.functions.get(f"{backend}.get_backend")
        if getter is not None:
            for node in ast.walk(getter.node):
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and not node.value.args:
                    cls = self._class_named(dotted(node.value.func) or "", backend)
                    if cls is not None:
                        return self._method(cls, attr)
        return self.functions.get(f"{backend}.{attr}")

    def _class_named(self, name: str, module: str) -> str | None:
        """The project class ``name`` means in ``module`` (its own, or imported)."""
        if f"{module}.{name}" in self.classes:
            return f"{module}.{name}"
        table = self.module_imports.get(module)
        qualified = table.qualify(name) if table is not None and name else None
        if qualified:
            qualified = self.canonical(qualified)
        return qualified if qualified in self.classes else None

    def _backend_module(self, owner: str, depth: int) -> str | None:
        """The project module the facade object ``owner`` forwards to (see :meth:`_forwarded`)."""
        fn = self.functions.get(owner)
        if fn is not None:  # ``def get_instance(): return IMPL``
            if depth > 1:
                return None
            returns = [n.value for n in walk(fn.node) if isinstance(n, ast.Return) and n.value is not None]
            if len(returns) != 1 or not isinstance(returns[0], ast.Name):
                return None
            return self._backend_module(f"{fn.module.name}.{returns[0].id}", depth + 1)
        obj = self.objects.get(owner)
        if obj is None or not _FACADE_TYPE.search(obj.type):
            return None
        named = [
            n.value
            for n in ast.walk(obj.call)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in self.modules
        ]
        if not named:  # ``backend_mapping=_BACKEND_MAPPING``: the module-level dict it names
            for name in ast.walk(obj.call):
                if isinstance(name, ast.Name):
                    for stmt in obj.module.tree.body:
                        if isinstance(stmt, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == name.id for t in stmt.targets
                        ):
                            named += [
                                n.value
                                for n in ast.walk(stmt.value)
                                if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in self.modules
                            ]
        return named[0] if len(set(named)) == 1 else None

    def canonical(self, qualified: str) -> str:
        """Follow package re-exports: ``pkg.IssuerPlugin`` -> ``pkg.issuer.IssuerPlugin``.

        ``from .issuer import IssuerPlugin`` in ``pkg/__init__.py`` makes
        ``pkg.IssuerPlugin`` a second name for the class; bases, callees and
        instance types written with it must reach the definition.
        """
        memo = self._canonical
        if memo is None:
            return self._canonical_of(qualified)
        found = memo.get(qualified)
        if found is None:
            found = memo[qualified] = self._canonical_of(qualified)
        return found

    def _canonical_of(self, qualified: str) -> str:
        for _ in range(5):
            if qualified in self.functions or qualified in self.classes or qualified in self.objects:
                return qualified
            module, _, rest = qualified.rpartition(".")
            head = rest
            while module and module not in self.modules:
                module, _, part = module.rpartition(".")
                head = f"{part}.{head}"
            if not module:
                moved = self._relocated(qualified)
                if moved is None:
                    return qualified
                qualified = moved
                continue
            table = self.module_imports.get(module)
            target = table.qualify(head) if table is not None else None
            if not target or target == qualified:
                return qualified
            qualified = target
        return qualified

    def _relocated(self, qualified: str) -> str | None:
        """``cps.services.Metadata.Metadata`` when the project module is ``calibreweb.cps.services.Metadata``.

        Projects that put a sub-folder on ``sys.path`` (src layouts, vendored
        apps) import their modules under a shorter name than the checked tree
        gives them; a unique project module whose name ends with the imported
        module's dotted name (two segments at least) is the one meant.
        """
        if not self._module_suffixes:
            for name in self.modules:
                parts = name.split(".")
                for start in range(1, len(parts)):
                    self._module_suffixes.setdefault(".".join(parts[start:]), []).append(name)
        parts = qualified.split(".")
        # Two segments at least: ``requests.get`` must never become a project module named ``requests``.
        for cut in range(len(parts) - 1, 1, -1):
            found = self._module_suffixes.get(".".join(parts[:cut]))
            if found is not None:
                if len(found) != 1:
                    return None
                return ".".join([found[0], *parts[cut:]])
        return None

    def _method(self, class_qual: str, name: str) -> FunctionInfo | None:
        for current in self.lineage(class_qual):
            cls = self.classes.get(current)
            if cls is not None and name in cls.methods:
                return cls.methods[name]
        return None

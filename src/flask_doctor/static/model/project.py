"""The project: every module linked, with the queries rules ask of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
from flask_doctor.static.names import ImportRecord, ImportTable
from flask_doctor.static.source import SourceModule

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

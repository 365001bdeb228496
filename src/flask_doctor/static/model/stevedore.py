"""Plugins a stevedore manager loads: the project classes the entry points of its namespace name.

OpenStack-style services never name their plugin classes in code.  They build an extension manager
for a namespace (``EnabledExtensionManager(namespace="blazar.resource.plugins", ...)``,
``DriverManager("cloudkitty.storage.v2.backends", backend).driver``) and the packaging metadata
(``pyproject.toml``/``setup.cfg`` entry points, ``Project.entry_points``) says which classes that is.
A value the code takes from such a manager -- ``mgr.driver``, ``ext.obj``, ``ext.plugin()``, a dict
or list filled with them, ``self.plugins[kind]``, ``self.plugins.get(kind)``, what a helper returns
built from them -- is one of those classes or an instance of one; a method called on it runs that
class's method.  :class:`LoadedPlugins` follows those values inside a function, through ``self``
attributes of a class, and through returns, so that ``model.dispatch`` and ``model.workers`` can
reach the plugins' methods.  Which of the classes runs is configuration: all are reached.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model.plugins import Members
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted

#: The manager classes of stevedore, by the names code imports them under.
MANAGERS = frozenset(
    f"stevedore.{name}"
    for name in (
        "ExtensionManager",
        "extension.ExtensionManager",
        "DriverManager",
        "driver.DriverManager",
        "NamedExtensionManager",
        "named.NamedExtensionManager",
        "EnabledExtensionManager",
        "enabled.EnabledExtensionManager",
        "HookManager",
        "hook.HookManager",
        "DispatchExtensionManager",
        "dispatch.DispatchExtensionManager",
        "NameDispatchExtensionManager",
        "dispatch.NameDispatchExtensionManager",
    )
)
#: What a manager, or one of its extensions, hands on of the plugin it loaded (the class or the object).
PLUGIN_ATTRIBUTES = frozenset({"driver", "obj", "plugin", "extensions"})
#: Reads of a container of plugins that give plugins (``self.plugins.get(kind)``, ``.values()``).
_CONTAINER_READS = frozenset({"get", "values", "items", "pop", "copy"})
#: Writes that put a plugin into a container (``self._processors.append(ext)``).
_CONTAINER_WRITES = frozenset({"append", "add", "extend", "insert"})
#: Wrappers that keep the plugins they are given (``sorted(processors)``).
_KEEPING = frozenset({"sorted", "list", "tuple", "reversed", "iter", "set", "dict"})
#: How many helpers :meth:`LoadedPlugins.returned` follows (``get_storage`` -> ``_get_storage_instance``).
_MAX_DEPTH = 3


class LoadedPlugins:
    """Answers "is this value a plugin a stevedore manager loaded, and of which classes?" (memoised)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._namespaces: dict[str, Members] = {}
        self._locals: dict[str, dict[str, Members]] = {}
        self._returns: dict[str, Members | None] = {}
        self._attributes: dict[str, dict[str, Members]] = {}
        self.enabled = bool(project.entry_points) and any(
            target.startswith("stevedore")
            for table in project.module_imports.values()
            for target in table.aliases.values()
        )

    # ------------------------------------------------------------ entry points
    def namespace(self, name: str) -> Members:
        """The project functions, classes and modules the entry points of ``name`` point at."""
        found = self._namespaces.get(name)
        if found is None:
            found = self._namespaces[name] = Members()
            for target in self.project.entry_points.get(name, ()):
                qualified = self.project.canonical(target)
                if qualified in self.project.classes:
                    found.classes.add(qualified)
                elif qualified in self.project.functions:
                    found.functions.add(qualified)
                elif qualified in self.project.modules:
                    found.modules.add(qualified)
        return found

    def _manager(self, fn: FunctionInfo, call: ast.Call) -> Members | None:
        """The plugins of ``call`` when it builds a stevedore manager (or a project subclass of one)."""
        name = dotted(call.func)
        if not name:
            return None
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        qualified = self.project.canonical(qualified)
        if qualified not in MANAGERS and not self.project.is_subtype(qualified, MANAGERS):
            return None
        argument = next((kw.value for kw in call.keywords if kw.arg == "namespace"), None)
        if argument is None and call.args:
            argument = call.args[0]
        found = Members()
        for namespace in self._strings(fn, argument, 0) if argument is not None else ():
            found.merge(self.namespace(namespace))
        return found or None

    def _strings(self, fn: FunctionInfo, node: ast.expr, depth: int) -> set[str]:
        """The namespace names ``node`` may hold: a literal, a module constant, or what callers pass."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        name = dotted(node)
        if not name or depth > 1:
            return set()
        params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
        if name in params:  # ``def _get_storage_instance(args, namespace)``: the namespaces its callers name
            index = params.index(name) - (1 if fn.class_name and params[0] in ("self", "cls") else 0)
            found: set[str] = set()
            for site in self.project.calls:
                if site.function is None or not site.name.endswith(fn.name):
                    continue
                if self.project.resolve_function(site.name, site.function, site.module) is not fn:
                    continue
                given = next((kw.value for kw in site.node.keywords if kw.arg == name), None)
                if given is None and 0 <= index < len(site.node.args):
                    given = site.node.args[index]
                if given is not None:
                    found |= self._strings(site.function, given, depth + 1)
            return found
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        module, _, constant = self.project.canonical(qualified).rpartition(".")
        source = self.project.modules.get(module)
        if source is None:
            return set()
        for stmt in source.tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == constant for t in stmt.targets)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                return {stmt.value.value}
        return set()

    # ------------------------------------------------------------ values
    def loaded(self, fn: FunctionInfo, node: ast.expr, depth: int = 0) -> Members | None:
        """The plugins ``node`` (an expression in ``fn``) holds or is, when it comes from a stevedore manager."""
        if not self.enabled:
            return None
        if isinstance(node, ast.Call):
            manager = self._manager(fn, node)
            if manager is not None:
                return manager
            func = node.func
            if isinstance(func, ast.Name) and func.id in _KEEPING and node.args:
                return self.loaded(fn, node.args[0], depth)
            if isinstance(func, ast.Attribute) and func.attr in _CONTAINER_READS:
                return self.loaded(fn, func.value, depth)
            called = self.loaded(fn, func, depth)  # ``ext.plugin()``: the class, built
            if called is not None:
                return called
            name = dotted(func)
            callee = self.project.resolve_function(name, fn, fn.module) if name else None
            if callee is not None and callee is not fn and depth < _MAX_DEPTH:
                return self.returned(callee, depth + 1)
            return None
        if isinstance(node, ast.Subscript):
            return self.loaded(fn, node.value, depth)
        if isinstance(node, (ast.BoolOp, ast.List, ast.Tuple, ast.Set)):
            parts = node.values if isinstance(node, ast.BoolOp) else node.elts
            found = Members()
            for part in parts:
                found.merge(self.loaded(fn, part, depth) or Members())
            return found or None
        if isinstance(node, ast.IfExp):
            return self.loaded(fn, ast.BoolOp(op=ast.Or(), values=[node.body, node.orelse]), depth)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.loaded(fn, node.elt, depth) or self.loaded(fn, node.generators[0].iter, depth)
        if isinstance(node, ast.Name):
            return self.locals_of(fn).get(node.id)
        if isinstance(node, ast.Attribute):
            text = dotted(node)
            if text and text.startswith("self.") and text.count(".") == 1 and fn.class_name:
                return self.attributes(fn.qualname.rsplit(".", 1)[0]).get(node.attr)
            if node.attr in PLUGIN_ATTRIBUTES:
                return self.loaded(fn, node.value, depth)
        return None

    def locals_of(self, fn: FunctionInfo) -> dict[str, Members]:
        """Locals of ``fn`` holding plugins: assigned one, filled with them, or looping over them."""
        found = self._locals.get(fn.qualname)
        if found is not None:
            return found
        found = self._locals[fn.qualname] = {}
        if not self.enabled:
            return found
        nodes = [n for n in ast.walk(fn.node) if isinstance(n, (ast.Assign, ast.For, ast.comprehension, ast.Call))]
        for _ in range(5):  # ``plugins[k] = obj``, ``obj = ext.plugin()``, ``for ext in mgr``: a chain per pass
            before = sum(len(m.classes) + len(m.functions) + len(m.modules) for m in found.values())
            for name, value in _bindings(nodes):
                members = self.loaded(fn, value)
                if members:
                    found.setdefault(name, Members()).merge(members)
            after = sum(len(m.classes) + len(m.functions) + len(m.modules) for m in found.values())
            if after == before:
                break
        return found

    def returned(self, fn: FunctionInfo, depth: int = 0) -> Members | None:
        """The plugins ``fn`` returns (``return DriverManager(ns, name).driver``, a dict it filled with them)."""
        if fn.qualname in self._returns:
            return self._returns[fn.qualname]
        self._returns[fn.qualname] = None  # a recursive helper returns nothing more than it did
        found = Members()
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Return) and node.value is not None:
                found.merge(self.loaded(fn, node.value, depth) or Members())
        self._returns[fn.qualname] = found or None
        return found or None

    def attributes(self, class_qual: str) -> dict[str, Members]:
        """``self.<attr>`` of a class holding plugins: set, or filled, in a method of the class, a base or a
        subclass (``self.plugins = self._get_plugins()``, ``self._processors.append(ext)``)."""
        found = self._attributes.get(class_qual)
        if found is not None:
            return found
        found = self._attributes[class_qual] = {}
        if not self.enabled:
            return found
        related = set(self.project.lineage(class_qual)) | {
            other for other in self.project.classes if class_qual in self.project.lineage(other)
        }
        methods = [
            m for q in sorted(related) if q in self.project.classes for m in self.project.classes[q].methods.values()
        ]
        for _ in range(2):
            for method in methods:
                for node in ast.walk(method.node):
                    for attribute, value in _self_writes(node):
                        members = self.loaded(method, value)
                        if members:
                            found.setdefault(attribute, Members()).merge(members)
        return found


def _bindings(nodes: list[ast.AST]) -> list[tuple[str, ast.expr]]:
    """(local name, value it takes) for ``x = v``, ``x[k] = v``, ``x.append(v)`` and ``for x in v``."""
    found: list[tuple[str, ast.expr]] = []
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.append((target.id, node.value))
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    found.append((target.value.id, node.value))
        elif isinstance(node, (ast.For, ast.comprehension)):
            found += [(n.id, node.iter) for n in ast.walk(node.target) if isinstance(n, ast.Name)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CONTAINER_WRITES
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            found.append((node.func.value.id, node.args[-1]))
    return found


def _self_writes(node: ast.AST) -> list[tuple[str, ast.expr]]:
    """(attribute, value) for ``self.a = v``, ``self.a[k] = v`` and ``self.a.append(v)``."""
    found: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                target = target.value
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                found.append((target.attr, node.value))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CONTAINER_WRITES:
        owner = node.func.value
        if (
            isinstance(owner, ast.Attribute)
            and isinstance(owner.value, ast.Name)
            and owner.value.id == "self"
            and node.args
        ):
            found.append((owner.attr, node.args[-1]))
    return found


__all__ = ["MANAGERS", "PLUGIN_ATTRIBUTES", "LoadedPlugins"]

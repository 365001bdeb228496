"""Which plugin a call to a by-name loader builds, when its caller names it.

A loader builds a class from a name it is given
(``get_instance(package, name)``: ``__import__(f"app.{package}.{name}")``
then ``getattr(module, name.capitalize())(...)``).  Reached from anywhere,
it may build any plugin class, and ``model.dispatch`` first said so: the
loader had an edge to every plugin class.  But the name is its caller's
choice.  A caller that passes constants (``get_instance("neurons",
"ansible_playbook")``), or an object it built with them
(``launch(Neuron(name="ansible_playbook"))`` where ``launch`` passes
``neuron.name`` on), builds that plugin alone; a caller that passes what
it read from configuration builds any plugin of the package its constants
name.  So the edges to plugin classes are *lifted* from the loader to the
call sites that choose the name:

* a **loader** is a function that builds a class imported by a computed
  name built from its own parameters (and nothing else it cannot see);
* a **forwarder** passes its own parameter (or an attribute of it) into
  the name parameter of a loader or of another forwarder, from its one call
  to them;
* every other call to a loader or forwarder **chooses**: the constants it
  passes on the way (``"neurons"``, ``"ansible_playbook"``) must each spell
  a part of the plugin module's dotted path; an argument the code does not
  show constrains nothing.

Lifting is only done where it loses no edge: a loader or forwarder must be
a top-level function or method that is only ever called (never handed on
as a value, never called at module level), so that every way to run it is
a call site that chooses.  When the constants match no plugin module, the
reading of the name failed and the call keeps every plugin class.
"""

from __future__ import annotations

import ast

from flask_doctor.dataclass import dataclass
from flask_doctor.static.model.plugins import DispatchIndex
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import child_plan

#: String methods that keep the name they are called on (``name.lower()``): the pieces match case-blind.
_CASE_METHODS = frozenset({"lower", "upper", "capitalize", "title", "strip", "casefold"})


@dataclass(frozen=True, eq=False)
class Pins:
    """How a function's parameters choose the plugin it builds (a loader's, or a forwarder's)."""

    #: name pieces fixed on the way down (``package_name="neurons"`` in a forwarder's call)
    constants: frozenset[str]
    #: (parameter, attribute path) the rest of the name is read from (``("neuron", ("name",))``)
    params: tuple[tuple[str, tuple[str, ...]], ...]
    #: some piece on the way down is one the code does not show
    unknown: bool = False


@dataclass(frozen=True, eq=False)
class Choice:
    """What one call to a loader or forwarder builds."""

    constants: frozenset[str]
    #: a piece of the name is configuration (a note says so); False when constants spell it all
    unknown: bool


def _add_values_read(tree: ast.AST, names: set[str]) -> None:
    """Add to ``names`` every name and attribute ``tree`` reads as a value other than as a callee.

    One pass over the nodes a value can be in (``syntax.child_plan``: no
    contexts, no operators, which are a third of ``ast.walk``'s nodes), with no
    list of the whole tree: on a project with plugin classes this ran over every
    module, ~5 % of a run. A call's callee is met after the call (parents come
    first), so the callees are known by the time their nodes are read.
    """
    callees: set[int] = set()
    call, name, attribute, load = ast.Call, ast.Name, ast.Attribute, ast.Load
    node_class = ast.AST
    pending: list[ast.AST] = [tree]
    pop, push = pending.pop, pending.append
    while pending:
        node = pop()
        cls = node.__class__
        if cls is name:
            if node.ctx.__class__ is load and id(node) not in callees:  # type: ignore[attr-defined]
                names.add(node.id)  # type: ignore[attr-defined]
            continue  # a name has no other child node
        if cls is call:
            callees.add(id(node.func))  # type: ignore[attr-defined]
        elif cls is attribute and node.ctx.__class__ is load and id(node) not in callees:  # type: ignore[attr-defined]
            names.add(node.attr)  # type: ignore[attr-defined]
        for field, sparse in child_plan(cls):
            value = getattr(node, field, None)
            if value.__class__ is list:
                if sparse:
                    pending += [item for item in value if isinstance(item, node_class)]
                else:
                    pending += value
            elif isinstance(value, node_class):
                push(value)


class LoaderPins:
    """Pins of the project's loaders and forwarders, worked out when first asked."""

    def __init__(self, project: Project, index: DispatchIndex, loader_test) -> None:
        self.project = project
        self.index = index
        #: ``loader_test(fn)``: the parameters whose values the by-name import of ``fn`` reads, or None
        self._loader_test = loader_test
        self._pins: dict[str, Pins | None] = {}
        self._calls: dict[str, list[tuple[ast.Call, FunctionInfo, Pins]]] = {}
        self._values: set[str] | None = None
        self._any_loader: bool | None = None

    # ---------------------------------------------------------- which functions lift
    def _handed_on(self) -> set[str]:
        """Qualnames of functions that run other than by a call inside a function: referenced as values
        anywhere, or called at module level."""
        if self._values is None:
            names: set[str] = set()
            for module in self.project.modules.values():
                _add_values_read(module.tree, names)
            found = {fn.qualname for fn in self.project.functions.values() if fn.name in names}
            for site in self.project.calls:
                if site.function is None:
                    callee = self.project.resolve_function(dotted(site.node.func) or "", None, site.module)
                    if callee is not None:
                        found.add(callee.qualname)
            self._values = found
        return self._values

    def _has_loader(self) -> bool:
        """Some top-level function loads a class by a name its parameters spell.

        Without one, no function has pins (a forwarder's pins come from a loader's), so the walk over every
        module for :meth:`_handed_on` is not needed: a project with plugin classes and no such loader (one
        that imports its plugins by fixed names) paid ~4 % of a run for it.
        """
        if self._any_loader is None:
            self._any_loader = any(self._loader_test(fn) for fn in self.project.functions.values() if fn.parent is None)
        return self._any_loader

    def pins(self, fn: FunctionInfo) -> Pins | None:
        """How ``fn``'s parameters choose the plugin it builds; None when its callers do not choose it."""
        if fn.qualname in self._pins:
            return self._pins[fn.qualname]
        self._pins[fn.qualname] = None  # a recursive chain chooses nothing
        found: Pins | None = None
        if (
            self.index.plugin_classes
            and fn.parent is None
            and self._has_loader()
            and fn.qualname not in self._handed_on()
        ):
            params = self._loader_test(fn)
            if params:
                found = Pins(frozenset(), tuple((p, ()) for p in sorted(params)))
            else:
                found = self._forwarded(fn)
        self._pins[fn.qualname] = found
        return found

    def _forwarded(self, fn: FunctionInfo) -> Pins | None:
        """``fn`` passes its own parameters into the name of the one loader or forwarder it calls."""
        chosen = self._pinned_calls(fn)
        if len(chosen) != 1:
            return None
        call, callee, pins = chosen[0]
        constants, params, unknown = set(pins.constants), [], pins.unknown
        for piece in self.pieces(fn, call, callee, pins):
            if isinstance(piece, str):
                constants.add(piece)
            elif piece is None:
                unknown = True
            else:
                params.append(piece)
        if not params:
            return None  # the call chooses here
        return Pins(frozenset(constants), tuple(params), unknown)

    def _pinned_calls(self, fn: FunctionInfo) -> list[tuple[ast.Call, FunctionInfo, Pins]]:
        """``fn``'s calls to loaders and forwarders, with the callee's pins."""
        if fn.qualname in self._calls:
            return self._calls[fn.qualname]
        found: list[tuple[ast.Call, FunctionInfo, Pins]] = []
        for name, call in fn.calls:
            callee = self.project.resolve_function(name, fn, fn.module)
            if callee is None or callee.qualname == fn.qualname:
                continue
            pins = self.pins(callee)
            if pins is not None:
                found.append((call, callee, pins))
        self._calls[fn.qualname] = found
        return found

    # ---------------------------------------------------------- what a call chooses
    def forwards(self, fn: FunctionInfo, call: ast.Call) -> bool:
        """``call`` (in ``fn``) only passes ``fn``'s parameters on: ``fn``'s own callers choose."""
        pins = self.pins(fn)
        return pins is not None and self._loader_test(fn) is None and bool(pins.params) and self._is_the_call(fn, call)

    def _is_the_call(self, fn: FunctionInfo, call: ast.Call) -> bool:
        chosen = self._pinned_calls(fn)
        return len(chosen) == 1 and chosen[0][0] is call

    def choice(self, fn: FunctionInfo, call: ast.Call, callee: FunctionInfo) -> Choice | None:
        """What ``call`` (in ``fn``, to ``callee``) builds, when ``callee``'s edges are lifted to its callers."""
        pins = self.pins(callee)
        if pins is None or self.forwards(fn, call):
            return None
        constants, unknown = set(pins.constants), pins.unknown
        for piece in self.pieces(fn, call, callee, pins):
            if isinstance(piece, str):
                constants.add(piece)
            else:
                unknown = True  # configuration, or a parameter of ``fn`` that is not lifted
        return Choice(frozenset(constants), unknown)

    def pieces(self, fn: FunctionInfo, call: ast.Call, callee: FunctionInfo, pins: Pins):
        """Each pinned parameter's value at ``call``: a string, ``(parameter of fn, path)``, or None (unknown).
        A parameter left to a None default names nothing and yields nothing."""
        from flask_doctor.static.facts.guards import bound_arguments

        bound = bound_arguments(callee, call)
        defaults = _defaults(callee.node)
        for param, path in pins.params:
            if param in bound:
                yield self._value(fn, bound[param], path)
            elif param in defaults:
                default = defaults[param]
                if isinstance(default, ast.Constant) and default.value is None:
                    continue
                yield self._value(callee, default, path)
            elif any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
                yield None

    def _value(self, fn: FunctionInfo, expr: ast.expr, path: tuple[str, ...], depth: int = 0):
        if depth > 4:
            return None
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) and not path else None
        if isinstance(expr, ast.Attribute):
            return self._value(fn, expr.value, (expr.attr, *path), depth + 1)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in _CASE_METHODS
            and not path
        ):
            return self._value(fn, expr.func.value, path, depth + 1)
        if isinstance(expr, ast.Call) and path and self._project_class(fn, expr.func):
            # ``Neuron(name="x")`` then ``.name``: the keyword the project class is built with
            for keyword in expr.keywords:
                if keyword.arg == path[0]:
                    return self._value(fn, keyword.value, path[1:], depth + 1)
            return None
        if not isinstance(expr, ast.Name):
            return None
        if expr.id in _parameters(fn.node):
            return (expr.id, path)
        value = self._only_binding(fn, expr.id)
        return self._value(fn, value, path, depth + 1) if value is not None else None

    def _only_binding(self, fn: FunctionInfo, name: str) -> ast.expr | None:
        """The value of ``name = value`` when it is the local's one binding in ``fn``."""
        body = self.index.bodies.get(fn.qualname)
        if body is None:
            return None
        values = []
        for node in body.bindings:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        values.append(node.value)
                    elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                        return None
            elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):  # type: ignore[attr-defined]
                return None
        return values[0] if len(values) == 1 else None

    def _project_class(self, fn: FunctionInfo, func: ast.expr) -> bool:
        name = dotted(func)
        if not name:
            return False
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        return self.project.canonical(qualified) in self.project.classes


def matching(plugin_classes: list[str], project: Project, constants: frozenset[str]) -> list[str]:
    """The plugin classes whose module path each constant spells a part of; all of them when none matches."""
    if not constants:
        return list(plugin_classes)
    wanted = [f".{c.strip('.').lower()}." for c in constants if c.strip(".")]
    found = [cls for cls in plugin_classes if all(w in f".{project.classes[cls].module.name.lower()}." for w in wanted)]
    return found or list(plugin_classes)


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = node.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    return names - {"self", "cls"}


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    args = node.args
    positional = args.posonlyargs + args.args
    found = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults) :]], args.defaults))
    found.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    return found

"""What a rule knows while the runner walks one module: :class:`Context`.

The walker keeps the current function, the ancestors of the node being
visited and whether it sits under ``if __name__ == "__main__":``; rules ask
it to resolve names, types and the call chain that gives code its context.
Facts take a ``Context`` too when their answer depends on where the walk is.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Finding, Location
from flask_doctor.static.facts.apps import imported_in_function
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import CLI, FACTORY, JOB, MAIN, REQUEST, TEST, FunctionInfo, Project
from flask_doctor.static.model.workers import WORKER_ROLES
from flask_doctor.static.names import ImportTable, dotted

#: Contexts in which code runs outside the test suite.
_PRODUCTION_CONTEXTS = frozenset({REQUEST, JOB, CLI, MAIN, FACTORY})

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.source import SourceModule


def node_location(module_path: str, node: ast.AST) -> Location:
    line = getattr(node, "lineno", 0)
    col = getattr(node, "col_offset", -1) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_col_offset = getattr(node, "end_col_offset", None)
    end_col = end_col_offset + 1 if end_col_offset is not None else 0
    return Location(module_path, line, col, end_line, end_col)


class Context:
    """What a rule knows while the runner walks one module."""

    def __init__(self, module: SourceModule, project: Project, sink: Callable[[Finding], None]) -> None:
        self.module = module
        self.project = project
        self._sink = sink
        self.ancestors: list[ast.AST] = []
        self.function: FunctionInfo | None = None
        self.functions: list[FunctionInfo] = []
        self.in_main = False
        self._test_module = is_test_path(module.path)
        #: node -> (function it was resolved in, qualified name, dotted text): many rules ask about the same names.
        self._qualified: dict[ast.AST, tuple[FunctionInfo | None, str | None, str | None]] = {}
        #: function -> :meth:`is_test_code` inside it (asked by most rules at most nodes).
        self._test_functions: dict[FunctionInfo, bool] = {}

    # ------------------------------------------------------------ contexts
    @property
    def contexts(self) -> set[str]:
        """Where the code being visited runs: request, job, cli, main, factory, test, import."""
        if self.function is not None:
            return self.function.contexts
        return {MAIN} if self.in_main else {"import"}

    @property
    def in_request(self) -> bool:
        return REQUEST in self.contexts

    @property
    def in_job(self) -> bool:
        return JOB in self.contexts

    @property
    def in_cli_only(self) -> bool:
        """Only commands and ``__main__`` blocks (and tests, factories) reach this code: a person runs it.

        Code that only tests reach is not "CLI only": the application may
        reach it in ways the call graph does not show.
        """
        contexts = self.contexts
        return bool(contexts & {CLI, MAIN}) and contexts <= {CLI, MAIN, TEST, FACTORY, "import"}

    def is_test_code(self) -> bool:
        """Test code: a test file (``facts.roles``), or a test helper module's function only tests call.

        A helper that views *and* tests call is application code: the test
        calling it does not make the production call harmless.  Neither is a
        plugin that only tests call *statically*: the application reaches it
        through a registry the call graph cannot follow.  So "only tests call
        it" counts only in modules named as test helpers (``testlib``,
        ``testing``, ``test_utils``).
        """
        if self._test_module:
            return True
        function = self.function
        if function is None:
            return False  # module level or a ``__main__`` block: never test context
        answer = self._test_functions.get(function)
        if answer is None:
            contexts = function.contexts
            answer = self._test_functions[function] = (
                TEST in contexts
                and not contexts & _PRODUCTION_CONTEXTS
                and "test" in self.module.name.rsplit(".", 1)[-1].lower()
            )
        return answer

    # ----------------------------------------------------------- resolution
    def resolve(self, node: ast.AST) -> str | None:
        """Qualified name of a Name/Attribute (``sleep`` -> ``time.sleep``), else its dotted text."""
        cached = self._qualified.get(node)
        if cached is None or cached[0] is not self.function:
            cached = self._qualify(node)
        return cached[1] or cached[2]

    def qualified(self, node: ast.AST) -> str | None:
        """Like :meth:`resolve` but ``None`` when the head name was not imported."""
        cached = self._qualified.get(node)
        if cached is None or cached[0] is not self.function:
            cached = self._qualify(node)
        return cached[1]

    def import_table(self) -> ImportTable | None:
        """The imports names resolve through where the walk is (the function's, else the module's)."""
        if self.function is not None:
            return self.function.imports
        return self.project.module_imports.get(self.module.name)

    def _qualify(self, node: ast.AST) -> tuple[FunctionInfo | None, str | None, str | None]:
        """(function, qualified name, dotted text) of ``node`` where the walk is, remembered."""
        name = dotted(node)
        if name is None:
            result = None
        else:
            table = self.import_table()
            result = table.qualify(name) if table is not None else None
        entry = self._qualified[node] = (self.function, result, name)
        return entry

    def type_of(self, node: ast.AST) -> str | None:
        """The type of ``app``/``db``/``bp`` when it was built from a known call."""
        name = dotted(node)
        if not name:
            return None
        if "." not in name:
            for fn in reversed(self.functions):
                if name in fn.local_types:
                    return fn.local_types[name]
            if self.function is None or not imported_in_function(self.project, self.module.name, name, self.function):
                obj = self.project.objects.get(f"{self.module.name}.{name}")
                if obj is not None:
                    return obj.type
        qualified = self.qualified(node)
        if qualified:
            obj = self.project.objects.get(qualified)
            if obj is not None:
                return obj.type
        return None

    def location(self, node: ast.AST) -> Location:
        return node_location(self.module.path, node)

    def enclosing(self, *types: type[ast.AST]) -> ast.AST | None:
        for node in reversed(self.ancestors):
            if isinstance(node, types):
                return node
        return None

    def chain_evidence(self, context: str = REQUEST) -> list[Evidence]:
        """``view export_users -> helper load_all -> here`` as evidence lines."""
        if self.function is None:
            return []
        chain = self.project.chain(self.function.qualname, context)
        if len(chain) < 2:
            return []
        evidence = []
        for qualname, next_qualname in zip(chain, chain[1:]):
            fn = self.project.functions.get(qualname)
            if fn is not None:
                evidence.append(Evidence(f"called from {fn.display}", self._call_site(fn, next_qualname)))
        return evidence

    def _call_site(self, fn: FunctionInfo, callee: str) -> Location:
        """Where ``fn`` calls ``callee`` (the line a reader looks for: the view's ``send_mail(...)``), or ``fn``
        itself when the edge is one the call graph adds another way (a plugin, a callback, an override)."""
        short = callee.rpartition(".")[2]
        named = [(name, call) for name, call in fn.calls if name.rpartition(".")[2] == short]
        # a call under another name (``from .export import export_data as _export_data``) comes after
        others = [(name, call) for name, call in fn.calls if name.rpartition(".")[2] != short]
        for name, call in named + others:
            found = self.project.resolve_function(name, fn, fn.module)
            if found is not None and found.qualname == callee:
                return Location(fn.module.path, call.lineno, call.col_offset + 1)
        dispatched = self.project.edge_sites.get((fn.qualname, callee))
        if dispatched is not None:  # ``plugin.send(...)`` among other ``send`` calls: the one that reaches it
            return Location(fn.module.path, dispatched.lineno, dispatched.col_offset + 1)
        if short.startswith("__"):
            return fn.location
        # ``Backend(source).harvest()``, ``provider.create_record(...)``: the one call of a method of that name
        methods = [
            node
            for node in ast.walk(fn.node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == short
        ]
        if len(methods) == 1:
            return Location(fn.module.path, methods[0].lineno, methods[0].col_offset + 1)
        return fn.location

    def root_name(self, context: str = REQUEST) -> str:
        """The view/task/command at the root of the current call chain."""
        if self.function is None:
            return "module level"
        chain = self.project.chain(self.function.qualname, context)
        return self.project.display(chain[0])

    def report(self, finding: Finding) -> None:
        self._sink(finding)


def callee_names(ctx: Context, call: ast.Call) -> tuple[str, ...]:
    """The last segments of the names a rule may know ``call``'s callee by; none for a callee without a name.

    A method call (``x.y.get(...)``) goes by its attribute, ``get``: ``ctx.resolve``,
    ``ctx.qualified`` and ``facts.calls.callee_name`` all keep the attribute as
    the last segment, whatever the receiver is.  A plain name goes by itself as
    written and by the last segment of what the imports make of it (``nap`` and
    ``sleep`` after ``from time import sleep as nap``): ``ctx.resolve`` reads the
    one, rules that match the written name (``list(...)``) the other.  The
    walker dispatches a call only to the rules whose :attr:`Rule.call_names`
    hold one of these.
    """
    func = call.func
    cls = func.__class__
    if cls is ast.Attribute:
        return (func.attr,)  # type: ignore[attr-defined]
    if cls is ast.Name:
        name: str = func.id  # type: ignore[attr-defined]
        # ``ctx.resolve(func)``: a plain name qualifies to its import's target, else stays itself
        table = ctx.import_table()
        target = table.aliases.get(name) if table is not None else None
        resolved = target.rpartition(".")[2] if target else name
        return (name,) if resolved == name else (name, resolved)
    return ()


def last_segments(*groups: Iterable[str]) -> frozenset[str]:
    """The last segments of dotted names (``{"sleep"}`` for ``{"time.sleep"}``): a rule's :attr:`Rule.call_names`."""
    return frozenset(name.rpartition(".")[2] for group in groups for name in group)


def describe_context(ctx: Context, about: str | None = None) -> str:
    """``view export_users`` / ``task send_mail`` / ``helper load (called from view x)``.

    ``about`` names the context the finding is about (``JOB`` for a leak after a task): a helper
    that both views and tasks call is then described by the task chain, not the request one.
    """
    fn = ctx.function
    if fn is None:
        return "module level"
    if "view" in fn.roles:
        return f"view `{fn.display}`"
    if "task" in fn.roles:
        return f"task `{fn.display}`"
    if "cli" in fn.roles:
        return f"command `{fn.display}`"
    if "hook" in fn.roles:
        return f"request hook `{fn.display}`"
    if "error_handler" in fn.roles:
        return f"error handler `{fn.display}`"
    if "callback" in fn.roles:
        return f"request callback `{fn.display}`"
    for role, label in WORKER_ROLES.items():
        if role in fn.roles:
            return f"{label} `{fn.display}`"
    for context, label in sorted(((REQUEST, "request"), (JOB, "task")), key=lambda pair: pair[0] != about):
        if context in fn.contexts:
            return f"`{fn.display}` (called from {label} code via `{ctx.root_name(context)}`)"
    return f"`{fn.display}`"

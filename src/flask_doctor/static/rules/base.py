"""What a static rule is: one class, its documentation, its examples, its checks.

A rule is a small class in a family module under ``flask_doctor.static.rules``
(found automatically: subclassing :class:`Rule` registers it).  Its
docstring is the rule page, written in fixed sections (What it does / Why is
this bad? / Example / Use instead / Fix safety / References); ``VALID`` and
``INVALID`` examples are run as tests.

A rule looks at the code in one or both of two ways:

* ``visit_<NodeType>(self, node, ctx)``: called during the single walk of
  each module, only for the node types the rule asks for;
* ``check_project(self, project, report)``: called once with the whole
  project model (import cycles, deploy files, config across classes).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from flask_doctor.findings import Evidence, Finding, Fix, Location, Severity
from flask_doctor.rulebook import RuleMeta, parse_doc_sections, register_meta
from flask_doctor.static.model import (
    CLI,
    FACTORY,
    JOB,
    MAIN,
    REQUEST,
    TEST,
    FunctionInfo,
    Project,
)
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.source import SourceModule

#: Every rule class, by code, in definition order.
RULES: dict[str, type[Rule]] = {}


@dataclass(frozen=True)
class Valid:
    """Code that must produce no finding of the rule (a good fixture)."""

    code: str
    files: dict[str, str] = field(default_factory=dict)  # extra files: path -> text


@dataclass(frozen=True)
class Invalid:
    """Code that must produce exactly the marked findings of the rule.

    Each line where a finding is expected ends with ``# expect`` (in the
    code and in the extra ``files``); the harness fails on a missing finding
    and on an unmarked one. ``message`` (optional) must appear in the first
    finding's message. The marks are stripped from the rule's docs.
    """

    code: str
    message: str = ""
    files: dict[str, str] = field(default_factory=dict)


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    catalog: ClassVar[tuple[str, ...]] = ()
    fix_safety: ClassVar[str] = "display-only"
    preview: ClassVar[bool] = False
    #: One line; shown by ``flask-doctor rules`` and in SARIF.
    summary: ClassVar[str] = ""
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    meta: ClassVar[RuleMeta]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if cls.code in RULES and RULES[cls.code] is not cls:
            raise ValueError(f"rule {cls.code} defined twice ({RULES[cls.code].__name__}, {cls.__name__})")
        doc = textwrap.dedent(cls.__doc__ or "").strip()
        cls.meta = register_meta(
            RuleMeta(
                code=cls.code,
                name=cls.name,
                severity=cls.severity,
                summary=cls.summary,
                doc=doc,
                catalog=cls.catalog,
                surfaces=("check",),
                fix_safety=cls.fix_safety,
                preview=cls.preview,
                sections=parse_doc_sections(doc),
            )
        )
        RULES[cls.code] = cls

    def __init__(self, project: Project, severity: Severity | None = None) -> None:
        self.project = project
        self.effective_severity = severity or self.severity

    @classmethod
    def node_handlers(cls) -> dict[str, str]:
        """``{"Call": "visit_Call", ...}`` for the node types this rule inspects."""
        return {
            attr[len("visit_"):]: attr
            for attr in dir(cls)
            if attr.startswith("visit_") and callable(getattr(cls, attr))
        }

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        """Override for rules that need the whole project at once."""

    # ----------------------------------------------------------- helpers
    def finding(
        self,
        location: Location,
        message: str,
        *,
        hint: str = "",
        evidence: Iterable[Evidence] = (),
        severity: Severity | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.effective_severity,
            message=message,
            location=location,
            hint=hint,
            evidence=tuple(evidence),
            catalog=self.catalog,
            fix=fix,
            surface="check",
        )


def node_location(module_path: str, node: ast.AST) -> Location:
    line = getattr(node, "lineno", 0)
    col = getattr(node, "col_offset", -1) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_col = (getattr(node, "end_col_offset", None) or 0) + 1 if getattr(node, "end_col_offset", None) is not None else 0
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
        self._test_module: bool | None = None

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
        return bool(self.contexts) and self.contexts <= {CLI, MAIN, TEST, FACTORY, "import"}

    def is_test_code(self) -> bool:
        if self._test_module is None:
            path = f"/{self.module.path}"
            last = self.module.name.rsplit(".", 1)[-1]
            self._test_module = (
                "/tests/" in path or "/test/" in path or last.startswith("test_")
                or last.endswith("_test") or last == "conftest"
            )
        return self._test_module or TEST in self.contexts

    # ----------------------------------------------------------- resolution
    def resolve(self, node: ast.AST) -> str | None:
        """Qualified name of a Name/Attribute (``sleep`` -> ``time.sleep``), else its dotted text."""
        name = dotted(node)
        if name is None:
            return None
        return self.qualified(node) or name

    def qualified(self, node: ast.AST) -> str | None:
        """Like :meth:`resolve` but ``None`` when the head name was not imported."""
        cached = node.__dict__.get("_fd_qualified")
        if cached is not None and cached[0] is self.function:
            return cached[1]  # many rules ask about the same names
        name = dotted(node)
        if name is None:
            return None
        table = self.function.imports if self.function is not None else self.project.module_imports.get(self.module.name)
        result = table.qualify(name) if table is not None else None
        node._fd_qualified = (self.function, result)  # type: ignore[attr-defined]
        return result

    def type_of(self, node: ast.AST) -> str | None:
        """The type of ``app``/``db``/``bp`` when it was built from a known call."""
        name = dotted(node)
        if not name:
            return None
        if "." not in name:
            for fn in reversed(self.functions):
                if name in fn.local_types:
                    return fn.local_types[name]
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
        for qualname in chain[:-1]:
            fn = self.project.functions.get(qualname)
            if fn is not None:
                evidence.append(Evidence(f"called from {fn.display}", fn.location))
        return evidence

    def root_name(self, context: str = REQUEST) -> str:
        """The view/task/command at the root of the current call chain."""
        if self.function is None:
            return "module level"
        chain = self.project.chain(self.function.qualname, context)
        return self.project.display(chain[0])

    def report(self, finding: Finding) -> None:
        self._sink(finding)


def describe_context(ctx: Context) -> str:
    """``view export_users`` / ``task send_mail`` / ``helper load (called from view x)``."""
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
    for context, label in ((REQUEST, "request"), (JOB, "task")):
        if context in fn.contexts:
            return f"`{fn.display}` (called from {label} code via `{ctx.root_name(context)}`)"
    return f"`{fn.display}`"

"""What a cure is: the automatic fix of one rule, planned on a libcst tree and applied with the others.

A rule says *whether* it has a fix and how safe it is (``fix_safety`` and
``FIX_EXAMPLE`` on its class); the transformation lives here, in one small
:class:`Cure` subclass per rule id under :mod:`flask_doctor.static.fixes.cures`
(found automatically: subclassing registers it), so the static walk never
imports libcst.

A Python cure does not rewrite the tree itself.  It *plans*: it finds, in the
original tree, the node a finding points at and returns :class:`Change`
values (a node and a function from that node, as already rewritten by inner
changes, to its replacement) plus the imports the new code needs.  All the
plans for one file are then applied in one libcst pass, bottom-up, so two
cures touching nested nodes (a timeout added to a call inside a statement
another cure moves) compose instead of fighting over stale positions.  A
cure that cannot do its job cleanly raises :class:`Skip` with the reason; a
skipped finding leaves its file untouched by that cure.

A deploy-file cure (:class:`TextCure`) edits lines of text: Dockerfiles and
Procfiles are not Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from typing import ClassVar, Union

import libcst as cst
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
)

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding, Location

__all__ = ["CURES", "Change", "Cure", "FixOptions", "FixTree", "Plan", "Skip", "TextCure", "evidence_location"]

Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]  # noqa: UP007 - runtime alias

#: Every cure, by rule id.
CURES: dict[str, Cure | TextCure] = {}


class Skip(Exception):
    """This finding cannot be fixed cleanly here; the message says why (shown to the user)."""


@dataclass(frozen=True)
class FixOptions:
    """Values the cures put in the code (``[tool.flask-doctor.fix]``)."""

    #: ``timeout=`` added to outgoing HTTP calls, in seconds.
    http_timeout: float = 10
    #: ``pool_recycle`` added next to ``pool_pre_ping`` in Flask-SQLAlchemy engine options, in seconds.
    pool_recycle: int = 1800
    #: ``maxsize`` given to an unbounded ``lru_cache``.
    cache_maxsize: int = 1024
    #: ``max_retries`` given to a Celery task without a retry policy.
    task_max_retries: int = 5


@dataclass(frozen=True)
class Change:
    """Replace ``target`` (a node of the original tree) by ``rewrite(target as rewritten so far)``."""

    target: cst.CSTNode
    rewrite: Callable[[cst.CSTNode], Replacement]


@dataclass
class Plan:
    """What one cure does for one finding: node changes and the imports the new code needs."""

    changes: list[Change] = field(default_factory=list)
    #: ``(module, name)`` for ``from module import name``; ``(module, None)`` for ``import module``.
    imports: list[tuple[str, str | None]] = field(default_factory=list)


class FixTree:
    """One parsed file as the cures see it: nodes, their positions and parents, located from findings."""

    def __init__(self, path: str, text: str, module: cst.Module | None = None) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.wrapper = MetadataWrapper(module if module is not None else cst.parse_module(text), unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions: dict[cst.CSTNode, CodeRange] = dict(self.wrapper.resolve(PositionProvider))
        self.parents: dict[cst.CSTNode, cst.CSTNode] = dict(self.wrapper.resolve(ParentNodeProvider))
        self._by_start: dict[tuple[int, int], list[cst.CSTNode]] = {}
        for node, where in self.positions.items():
            self._by_start.setdefault((where.start.line, where.start.column), []).append(node)

    def _char_column(self, line: int, column: int) -> int:
        """A finding's column (1-based, UTF-8 bytes as :mod:`ast` counts) as libcst's 0-based characters."""
        if not 0 < line <= len(self.lines):
            return max(column - 1, 0)
        encoded = self.lines[line - 1].encode("utf-8", "surrogatepass")
        return len(encoded[: max(column - 1, 0)].decode("utf-8", "replace"))

    def at(self, finding: Finding, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]) -> cst.CSTNode:
        """The node of type ``kind`` that ``finding`` points at; raises :class:`Skip` when there is none.

        Several nodes start where a finding starts (``requests.get(u).json()``: two calls); the one that also
        ends where the finding ends wins, else the innermost.
        """
        return self.node_at(finding.location, kind)

    def node_at(self, loc: Location | None, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]) -> cst.CSTNode:
        """The node of type ``kind`` at ``loc`` (a finding's or one of its evidence's), as :meth:`at` finds it."""
        if loc is None or not loc.line:
            raise Skip("the finding has no position")
        start = (loc.line, self._char_column(loc.line, loc.column))
        candidates = [n for n in self._by_start.get(start, ()) if isinstance(n, kind)]
        if not candidates:
            raise Skip(f"no {self._kind_name(kind)} at line {loc.line}")
        if loc.end_line:
            end = (loc.end_line, self._char_column(loc.end_line, loc.end_column))
            exact = [n for n in candidates if (self.positions[n].end.line, self.positions[n].end.column) == end]
            if exact:
                candidates = exact
        return min(candidates, key=self._size)

    def _size(self, node: cst.CSTNode) -> tuple[int, int]:
        where = self.positions[node]
        return (where.end.line - where.start.line, where.end.column - where.start.column)

    @staticmethod
    def _kind_name(kind: type | tuple[type, ...]) -> str:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        return " or ".join(k.__name__ for k in kinds)

    def nodes_on_line(self, line: int, kind: type[cst.CSTNode]) -> list[cst.CSTNode]:
        """Nodes of ``kind`` that start on ``line``, outermost first."""
        found = [n for n, w in self.positions.items() if w.start.line == line and isinstance(n, kind)]
        return sorted(found, key=self._size, reverse=True)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """Parents of ``node``, nearest first."""
        out: list[cst.CSTNode] = []
        current = self.parents.get(node)
        while current is not None:
            out.append(current)
            current = self.parents.get(current)
        return out

    def enclosing(self, node: cst.CSTNode, kind: type[cst.CSTNode]) -> cst.CSTNode | None:
        """``node`` itself when it is a ``kind``, else its nearest ancestor that is one."""
        return next((n for n in [node, *self.ancestors(node)] if isinstance(n, kind)), None)

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The statement line (simple or compound) that holds ``node``."""
        for candidate in [node, *self.ancestors(node)]:
            if isinstance(candidate, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return candidate
        raise Skip("not inside a statement")

    def indent_of(self, node: cst.CSTNode) -> str:
        """The indentation of the line ``node`` starts on (spaces or tabs)."""
        line = self.lines[self.positions[node].start.line - 1]
        return line[: len(line) - len(line.lstrip())]


def evidence_location(finding: Finding, label: str) -> Location | None:
    """Where the finding's evidence whose message starts with ``label`` points (the query, the app)."""
    for item in finding.evidence:
        if item.message.startswith(label) and item.location is not None and item.location.line:
            return item.location
    return None


def _register(cls: type) -> None:
    """Every cure class with a ``code`` is the one cure of that rule."""
    if cls.code:
        if cls.code in CURES:
            raise ValueError(f"two cures for {cls.code}")
        CURES[cls.code] = cls()


class Cure:
    """The fix of one rule for Python files: plan changes for one finding (see the module docstring)."""

    #: The rule id this cure fixes; its safety is the rule's ``fix_safety``.
    code: ClassVar[str] = ""
    kind: ClassVar[str] = "python"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    def target_path(self, finding: Finding) -> str | None:
        """The file this cure edits for ``finding`` (relative to the root); ``None``: the finding's own.

        A project-wide finding (``request.remote_addr`` in a view, behind a proxy) may be cured in another
        file (where the app is created); the finding names that file in its evidence.
        """
        return None

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        raise NotImplementedError


class TextCure:
    """The fix of one rule by editing lines (deploy files, comments): all findings of one file at once."""

    code: ClassVar[str] = ""
    kind: ClassVar[str] = "text"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    def edit(
        self, path: str, text: str, findings: Sequence[Finding], options: FixOptions
    ) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
        """The new text, the findings fixed, and the ones skipped with their reasons."""
        raise NotImplementedError

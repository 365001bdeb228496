"""Apply the cures planned for one file, all at once, and prove the result parses.

Every plan for the file goes into one libcst pass (see :mod:`.base`); the new
imports are added by libcst's ``AddImportsVisitor`` (once, after the file's
existing imports, never twice).  The result must parse both as libcst and as
this Python's :mod:`ast`; if the combined result does not, the plans are
tried one by one and only those that keep the file parsing are kept, so a
bad fix is skipped with a note instead of taking the good ones down with it.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Sequence
from dataclasses import field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import (
    CURES,
    Cure,
    FixOptions,
    FixTree,
    Plan,
    Skip,
    TextCure,
)

__all__ = ["FileOutcome", "fix_text"]


@dataclass
class FileOutcome:
    """What the cures did to one file's text."""

    text: str
    applied: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)


class _Apply(cst.CSTTransformer):
    """Run every planned rewrite on its node, bottom-up, so nested changes compose."""

    def __init__(self, plans: Sequence[Plan], tree: FixTree | None = None) -> None:
        super().__init__()
        self.rewrites: dict[int, list] = {}
        for plan in plans:
            for change in plan.changes:
                self.rewrites.setdefault(id(change.target), []).append(change.rewrite)
        # Only the targets and their ancestors need visiting: pruning the rest makes the pass cost the depth
        # of the changes instead of the size of the file (libcst visits in Python, ~10 µs a node).
        self.paths: set[int] | None = None
        if tree is not None:
            self.paths = set()
            for plan in plans:
                for change in plan.changes:
                    self.paths.add(id(change.target))
                    self.paths.update(id(a) for a in tree.ancestors(change.target))

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.paths is None or id(node) in self.paths

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        for rewrite in self.rewrites.get(id(original_node), ()):
            if not isinstance(result, cst.CSTNode):
                break  # already removed or flattened
            result = rewrite(result)
        if isinstance(result, cst.IndentedBlock) and not result.body:
            result = result.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return result


def parses(text: str) -> bool:
    """Whether ``text`` is Python both libcst and this interpreter accept."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        cst.parse_module(text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError, MemoryError):
        return False
    return True


def _render(tree: FixTree, plans: Sequence[Plan]) -> str | None:
    try:
        module = tree.module.visit(_Apply(plans, tree))
        imports = [ImportItem(mod, name) for plan in plans for mod, name in plan.imports]
        if imports and isinstance(module, cst.Module):
            module = AddImportsVisitor(CodemodContext(), imports).transform_module(module)
        text = module.code if isinstance(module, cst.Module) else None
    except Exception:  # noqa: BLE001 - a rewrite that builds an invalid node: skip, never crash the run
        return None
    return text if text is not None and parses(text) else None


def fix_text(path: str, text: str, findings: Sequence[Finding], options: FixOptions) -> FileOutcome:
    """Apply the cures of ``findings`` (all in file ``path``) to ``text``.

    Text cures (comments, deploy files) run first: they only touch the ends of lines, so the positions the
    Python cures look up stay right.
    """
    outcome = FileOutcome(text)
    text_groups: dict[str, list[Finding]] = {}
    python: list[tuple[Cure, Finding]] = []
    for finding in findings:
        cure = CURES.get(finding.code)
        if isinstance(cure, TextCure):
            text_groups.setdefault(finding.code, []).append(finding)
        elif isinstance(cure, Cure):
            if not path.endswith(".py"):
                outcome.skipped.append((finding, "not a Python file"))
            else:
                python.append((cure, finding))
    for code, group in text_groups.items():
        cure = CURES[code]
        assert isinstance(cure, TextCure)
        try:
            new_text, done, skipped = cure.edit(path, outcome.text, group, options)
        except Exception as exc:  # noqa: BLE001 - one cure's bug must not stop the others
            reason = f"internal error in the fix: {type(exc).__name__}: {exc}"
            outcome.skipped.extend((f, reason) for f in group)
            continue
        if path.endswith(".py") and new_text != outcome.text and not parses(new_text):
            outcome.skipped.extend((f, "the edited file would not parse") for f in done)
            outcome.skipped.extend(skipped)
            continue
        outcome.text = new_text
        outcome.applied.extend(done)
        outcome.skipped.extend(skipped)
    if not python:
        return outcome
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(outcome.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # newer syntax than this interpreter's (3.12 f-strings on 3.11): no result could be proven to parse
        reason = f"the file does not parse with this Python ({sys.version_info[0]}.{sys.version_info[1]})"
        outcome.skipped.extend((f, reason) for _, f in python)
        return outcome
    try:
        tree = FixTree(path, outcome.text)
    except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = f"libcst cannot parse the file: {first}"
        outcome.skipped.extend((f, reason) for _, f in python)
        return outcome
    planned: list[tuple[Finding, Plan]] = []
    for cure, finding in python:
        try:
            planned.append((finding, cure.plan(tree, finding, options)))
        except Skip as exc:
            outcome.skipped.append((finding, str(exc)))
        except Exception as exc:  # noqa: BLE001
            outcome.skipped.append((finding, f"internal error in the fix: {type(exc).__name__}: {exc}"))
    if not planned:
        return outcome
    rendered = _render(tree, [p for _, p in planned])
    if rendered is not None:
        outcome.text = rendered
        outcome.applied.extend(f for f, _ in planned)
        return outcome
    # Together they break the file: keep each plan only if it still parses with those kept before it.
    kept: list[tuple[Finding, Plan]] = []
    for finding, plan in planned:
        attempt = _render(tree, [p for _, p in kept] + [plan])
        if attempt is None:
            outcome.skipped.append((finding, "the fixed file would not parse"))
        else:
            kept.append((finding, plan))
            rendered = attempt
    if kept and rendered is not None:
        outcome.text = rendered
        outcome.applied.extend(f for f, _ in kept)
    return outcome

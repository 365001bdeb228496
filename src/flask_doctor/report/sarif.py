"""SARIF 2.1.0, valid against the OASIS schema, for code scanning and IDEs.

Suppressed findings are kept with an ``inSource`` suppression so code
scanning shows them as dismissed instead of forgetting them; fingerprints
are computed from the offending line's text so they survive edits above it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_doctor import __version__
from flask_doctor.findings import Finding, Location, Severity
from flask_doctor.rulebook import all_metas, get_meta

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.report import RenderContext

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
HELP_BASE = "https://github.com/flask-doctor/flask-doctor/blob/main/docs/rules/"


def _rule_descriptor(code: str, finding: Finding | None = None) -> dict[str, Any]:
    meta = get_meta(code)
    if meta is None:
        name = finding.name if finding else code
        return {
            "id": code,
            "name": name,
            "shortDescription": {"text": name.replace("-", " ")},
            "defaultConfiguration": {"level": _LEVEL[finding.severity] if finding else "warning"},
        }
    full = meta.sections.get("Why is this bad?", "") or meta.summary
    help_text = meta.sections.get("Use instead", "") or meta.summary
    descriptor: dict[str, Any] = {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": meta.doc or meta.summary},
        "helpUri": f"{HELP_BASE}{meta.code}.md",
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {"tags": [meta.family, *meta.catalog], "precision": "high" if not meta.preview else "medium"},
    }
    return descriptor


def _uri(path: str, root: Path | None) -> str:
    p = Path(path)
    if root is not None and p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            return p.as_uri()
    return p.as_posix()


def _region(loc: Any) -> dict[str, int]:
    region = {"startLine": max(loc.line, 1)}
    if loc.column:
        region["startColumn"] = loc.column
    if loc.end_line and loc.end_line >= loc.line:
        region["endLine"] = loc.end_line
        if loc.end_column and (loc.end_line > loc.line or loc.end_column > loc.column):
            region["endColumn"] = loc.end_column
    return region


def _physical(loc: Any, root: Path | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.path, root)}}
    if root is not None and not Path(loc.path).is_absolute():
        physical["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
    if loc.line:
        physical["region"] = _region(loc)
    return physical


def render_sarif(findings: Sequence[Finding], ctx: RenderContext) -> str:
    codes = sorted({f.code for f in findings} | ({m.code for m in all_metas()} if ctx.surface == "check" else set()))
    first_of = {}
    for f in findings:
        first_of.setdefault(f.code, f)
    rules = [_rule_descriptor(code, first_of.get(code)) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f in findings:
        text = f.message + (f" Fix: {f.hint}" if f.hint else "")
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity],
            "message": {"text": text},
            "partialFingerprints": {"flaskDoctor/v1": f.fingerprint(ctx.text_of(f.location))},
        }
        if f.location is not None:
            result["locations"] = [{"physicalLocation": _physical(f.location, ctx.root)}]
        elif f.obj:
            result["locations"] = [{"logicalLocations": [{"fullyQualifiedName": f.obj}]}]
        related = [
            {"id": i, "message": {"text": e.message}, "physicalLocation": _physical(e.location, ctx.root)}
            for i, e in enumerate(f.evidence)
            if e.location is not None
        ]
        if related:
            result["relatedLocations"] = related
        if f.suppressed:
            result["suppressions"] = [{"kind": "inSource"}]
        if f.catalog:
            result["properties"] = {"catalog": list(f.catalog)}
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "flask-doctor",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/flask-doctor/flask-doctor",
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    off = ctx.extra.get("rules_off_by_default") if ctx.surface == "check" else None
    skipped = ctx.extra.get("files_not_checked") if ctx.surface == "check" else None
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if off:
        # A rule left out on its measured precision is a configuration fact a code-scanning view should
        # show, so that an empty result is not read as "checked and clean".
        invocation["toolConfigurationNotifications"] = [
            {
                "level": "note",
                "message": {"text": f"{code} did not run (off by default): {reason}"},
                "associatedRule": {"id": code, **({"index": index[code]} if code in index else {})},
            }
            for code, reason in sorted(off.items())
        ]
    if skipped:
        # A file the checker could not parse (newer syntax) is a fact about the run, not a result in the code.
        invocation["toolExecutionNotifications"] = [
            {
                "level": "note",
                "message": {"text": f"not checked: {item['reason']}"},
                "locations": [{"physicalLocation": _physical(Location(item["path"], item["line"]), ctx.root)}],
            }
            for item in skipped
        ]
    if len(invocation) > 1:
        run["invocations"] = [invocation]
    if ctx.root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": ctx.root.resolve().as_uri() + "/"}}
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"

"""The documented JSON shape every surface emits (docs/json-format.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_doctor import __version__
from flask_doctor.findings import SCHEMA_VERSION, Finding, Summary

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.report import RenderContext


def findings_document(findings: Sequence[Finding], ctx: RenderContext) -> dict[str, Any]:
    summary = Summary.of(findings, files=ctx.files_checked)
    items = []
    for finding in findings:
        item = finding.to_dict()
        item["fingerprint"] = finding.fingerprint(ctx.text_of(finding.location))
        items.append(item)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "flask-doctor", "version": __version__},
        "surface": ctx.surface,
        "summary": {
            "findings": summary.findings,
            "silenced": summary.silenced,
            "files": summary.files,
            "by_severity": summary.by_severity,
            "by_code": dict(sorted(summary.by_code.items())),
        },
        "findings": items,
        **({"extra": ctx.extra} if ctx.extra else {}),
    }


def render_json(findings: Sequence[Finding], ctx: RenderContext) -> str:
    return json.dumps(findings_document(findings, ctx), indent=2, default=str) + "\n"

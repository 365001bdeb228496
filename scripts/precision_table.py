"""Turn the verdict ledger into the per-rule precision table shipped with flask-doctor.

    python scripts/ecosystem.py run --corpus-dir DIR --preview --out run.jsonl
    python scripts/precision_table.py --slim run.jsonl   # refresh docs/precision/runs/current.jsonl
    python scripts/precision_table.py                     # write src/flask_doctor/catalogue/precision.json
    python scripts/precision_table.py --check             # exit 1 if the shipped table is out of date
    python scripts/precision_table.py --markdown          # the table for docs/precision/README.md
    python scripts/precision_table.py --slim run.jsonl --current sample.jsonl   # a separate sample ...
    python scripts/precision_table.py --markdown --current sample.jsonl         # ... against the shipped severities

Only findings the current checker still reports count: ``docs/precision/runs/current.jsonl``
lists them (app, rule, fingerprint, severity, path and line: no source text), and each is looked up in the
verdict ledger ``docs/precision/ledger.jsonl``. A verdict on a finding that a later rule change
removed is history, not precision. The half of each app comes from docs/precision/corpus.toml
(the split is fixed there). When a fingerprint was judged twice the last verdict counts.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "docs" / "precision" / "corpus.toml"
LEDGER = ROOT / "docs" / "precision" / "ledger.jsonl"
CURRENT = ROOT / "docs" / "precision" / "runs" / "current.jsonl"
TABLE = ROOT / "src" / "flask_doctor" / "catalogue" / "precision.json"
VERDICTS = ("true", "wrong", "debatable")
#: Severities a user sees as problems; notes are the quieter tier.
LOUD = ("warning", "error")


def normalize_name(name: str) -> str:
    """PyPI's name normalisation (PEP 503), the spelling the ledger uses."""
    return re.sub(r"[-_.]+", "-", name).lower()


def halves(manifest: Path = MANIFEST) -> dict[str, str]:
    """Normalised app name -> "tune" or "held"."""
    apps = tomllib.loads(manifest.read_text(encoding="utf-8"))["app"]
    return {normalize_name(app["name"]): app["half"] for app in apps}


def verdicts(ledger: Path = LEDGER, half_of: dict[str, str] | None = None) -> dict[tuple[str, str], str]:
    """(normalised app, fingerprint) -> the last verdict given."""
    half_of = half_of if half_of is not None else halves()
    table: dict[tuple[str, str], str] = {}
    for number, line in enumerate(ledger.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        app = normalize_name(row["app"])
        if app not in half_of:
            raise SystemExit(f"{ledger.name}:{number}: app {row['app']!r} is not in the corpus manifest")
        if row.get("verdict") in VERDICTS:
            table[(app, row["fingerprint"][:20])] = row["verdict"]
    return table


def current_findings(current: Path = CURRENT) -> list[dict[str, str]]:
    return [json.loads(line) for line in current.read_text(encoding="utf-8").splitlines() if line.strip()]


def tally(current: Path = CURRENT, ledger: Path = LEDGER, manifest: Path = MANIFEST) -> dict[str, dict]:
    """rule -> half -> {verdict counts, unjudged}, plus the same for warning+ findings only."""
    half_of = halves(manifest)
    given = verdicts(ledger, half_of)
    counts: dict[str, dict] = defaultdict(
        lambda: {
            half: {"all": dict.fromkeys((*VERDICTS, "unjudged"), 0), "loud": dict.fromkeys((*VERDICTS, "unjudged"), 0)}
            for half in ("held", "tune")
        }
    )
    for finding in current_findings(current):
        app = normalize_name(finding["app"])
        verdict = given.get((app, finding["fingerprint"][:20]), "unjudged")
        cell = counts[finding["code"]][half_of[app]]
        cell["all"][verdict] += 1
        if finding["severity"] in LOUD:
            cell["loud"][verdict] += 1
    return dict(sorted(counts.items()))


def slim(results: Path, current: Path = CURRENT) -> int:
    """Keep what the table needs of an ``ecosystem.py run`` output: no paths, no messages."""
    rows = []
    for line in results.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") != "finding":
            continue
        row = {key: record[key] for key in ("app", "code", "fingerprint", "severity", "path", "line")}
        if record.get("related"):
            row["related"] = record["related"]  # evidence places, for the recall count
        rows.append(row)
    rows.sort(key=lambda r: (normalize_name(r["app"]), r["code"], r["fingerprint"]))
    current.parent.mkdir(parents=True, exist_ok=True)
    current.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def render(counts: dict[str, dict]) -> str:
    rules = {
        code: {
            **{half: {v: row[half]["all"][v] for v in VERDICTS} for half in ("held", "tune")},
            **{f"{half}_warnings": {v: row[half]["loud"][v] for v in VERDICTS} for half in ("held", "tune")},
        }
        for code, row in counts.items()
    }
    source = "docs/precision/ledger.jsonl verdicts on docs/precision/runs/current.jsonl"
    return json.dumps({"source": source, "rules": rules}, indent=1, sort_keys=True) + "\n"


def _cell(counts: dict[str, int]) -> str:
    judged = sum(counts[v] for v in VERDICTS)
    text = f"{counts['true']} / {judged}" + (f" ({counts['true'] / judged:.0%})" if judged else "")
    return text + (f", {counts['unjudged']} unjudged" if counts["unjudged"] else "")


def _default_of(code: str, preview: bool) -> str:
    """What a user sees of the rule's warnings without settings, and the rule that decided it."""
    from flask_doctor.catalogue.precision import MIN_JUDGED, earns_warning, off_by_default, precision_of

    if preview:
        return "off (preview)"
    if off_by_default(code):
        return "**off by default** (held findings)"
    if code.startswith("FD00"):
        return "warnings (internal id)"
    precision = precision_of(code)
    held, pooled = precision.held_warnings, precision.pooled_warnings
    if held.judged >= MIN_JUDGED:
        basis = "held warnings"
    elif pooled.judged >= MIN_JUDGED:
        basis = "pooled warnings"
    elif pooled.judged:
        basis = f"unmeasured: {pooled.judged} judged warnings"
    else:
        basis = "unmeasured: never warned on the corpus"
    return ("warnings" if earns_warning(code) else "**notes**") + f" ({basis})"


def markdown(counts: dict[str, dict]) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from flask_doctor.catalogue.precision import Tally, earns_warning, level_of, off_by_default
    from flask_doctor.rulebook import get_meta

    lines = [
        "| rule | held level | held: true / judged | held warning+ | tune: true / judged | tune warning+ "
        "| its warnings by default |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = {(h, t): dict.fromkeys((*VERDICTS, "unjudged"), 0) for h in ("held", "tune") for t in ("all", "loud")}
    on = {(h, t): dict.fromkeys((*VERDICTS, "unjudged"), 0) for h in ("held", "tune") for t in ("all", "loud")}
    for code, row in counts.items():
        held = Tally(**{v: row["held"]["all"][v] for v in VERDICTS})
        meta = get_meta(code)
        preview = meta is not None and meta.preview
        lines.append(
            f"| {code}{' (preview)' if preview else ''} | {level_of(held)} | {_cell(row['held']['all'])} | {_cell(row['held']['loud'])} "
            f"| {_cell(row['tune']['all'])} | {_cell(row['tune']['loud'])} | {_default_of(code, preview)} |"
        )
        if preview:
            continue
        for (half, tier), total in totals.items():
            for key in total:
                total[key] += row[half][tier][key]
        if off_by_default(code):
            continue
        for (half, tier), total in on.items():
            for key in total:
                total[key] += row[half][tier][key]
    shown = {h: dict.fromkeys((*VERDICTS, "unjudged"), 0) for h in ("held", "tune")}
    for code, row in counts.items():
        meta = get_meta(code)
        if (meta is not None and meta.preview) or off_by_default(code) or not earns_warning(code):
            continue
        for half, total in shown.items():
            for key in total:
                total[key] += row[half]["loud"][key]
    footer = (
        f"| **default, shown as warnings** (after the measured-severity ceiling) | | | {_cell(shown['held'])} "
        f"| | {_cell(shown['tune'])} | |"
    )
    lines.append(
        f"| **default rules** (own severities, as the corpus runs them) | | {_cell(totals['held', 'all'])} "
        f"| {_cell(totals['held', 'loud'])} | {_cell(totals['tune', 'all'])} | {_cell(totals['tune', 'loud'])} | |"
    )
    lines.append(
        f"| **run by default** (the rules off by default left out) | | {_cell(on['held', 'all'])} "
        f"| {_cell(on['held', 'loud'])} | {_cell(on['tune', 'all'])} | {_cell(on['tune', 'loud'])} | |"
    )
    lines.append(footer)
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """A path as the user should read it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the shipped table is out of date")
    parser.add_argument("--markdown", action="store_true", help="print the per-rule table as Markdown")
    parser.add_argument(
        "--slim", type=Path, metavar="RUN.jsonl", help="refresh runs/current.jsonl from an ecosystem.py run output"
    )
    parser.add_argument(
        "--current",
        type=Path,
        default=CURRENT,
        metavar="SLIM.jsonl",
        help="findings to tally instead of runs/current.jsonl (with --markdown: e.g. a fresh sample, "
        "measured against the shipped severities)",
    )
    args = parser.parse_args(argv)
    if args.slim:
        written = slim(args.slim, args.current)
        print(f"wrote {_shown(args.current)}: {written} findings")
        return 0
    if args.current != CURRENT and not args.markdown:
        parser.error(
            "--current only goes with --markdown or --slim: the shipped table is built from runs/current.jsonl"
        )
    counts = tally(args.current)
    if args.markdown:
        sys.stdout.write(markdown(counts))
        return 0
    text = render(counts)
    if args.check:
        current = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
        if current != text:
            print(f"{TABLE.relative_to(ROOT)} is out of date: run python scripts/precision_table.py", file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE.relative_to(ROOT)}: {len(counts)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())

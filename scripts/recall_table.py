"""Recall of `flask-doctor check` on the corpus: how many verified problems it reports.

    python scripts/recall_table.py [RUN.jsonl] [--half held|tune] [--window 6] [--misses] [--sample NAME]

``docs/precision/recall-<half>.jsonl`` lists problems a reviewer verified by reading the
applications, without running flask-doctor or reading its rules: app, path, line, the catalogue
problem (``S12 ...``), a short kind and one line of evidence. A problem counts as found when the
run (an ``ecosystem.py run`` output; by default docs/precision/runs/current.jsonl, the run the
precision table is built from) has a finding of a rule that covers that catalogue problem
(its ``catalog`` metadata), in the same file, within ``--window`` lines; preview rules, and rules off by default on their measured precision, do not
count (``--all-rules`` counts the latter: the corpus runs them).
With ``--evidence``, a finding also counts at the places its evidence points at (``related`` in the
run: the view of a call chain, the query a loop runs), where a reviewer may have named the problem;
only for catalogue problems its rule covers (an evidence place says nothing of problems outside it).
Problems outside the catalogue count as found by any rule at that place. Rows may name the review
round they come from (``sample``; the first round names none) and carry a second reviewer's
``verify`` verdict; only kept problems are in these files. Standard library plus flask_doctor's
rulebook.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from flask_doctor.catalogue.precision import off_by_default  # noqa: E402 (the checkout's own source)
from flask_doctor.rulebook import all_metas  # noqa: E402 (the checkout's own source)

#: The review round of rows that name none: the first one, over the first 63 applications.
FIRST_SAMPLE = "first"


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="?", default=ROOT / "docs" / "precision" / "runs" / "current.jsonl")
    parser.add_argument("--half", choices=("held", "tune"), default="held")
    parser.add_argument("--window", type=int, default=6)
    parser.add_argument("--misses", action="store_true", help="list the problems not found")
    parser.add_argument(
        "--evidence",
        action="store_true",
        help="also count a finding whose evidence points at the problem's place (a view calling the blocking helper)",
    )
    parser.add_argument(
        "--sample",
        metavar="NAME",
        help=f"only problems of one review round: {FIRST_SAMPLE!r} (rows without a sample) or a row's `sample`",
    )
    parser.add_argument(
        "--all-rules",
        action="store_true",
        help="also count the rules off by default on their measured precision (the corpus runs them)",
    )
    args = parser.parse_args(argv)
    metas = {m.code: m for m in all_metas()}
    counted = {
        code for code, meta in metas.items() if not meta.preview and (args.all_rules or not off_by_default(code))
    }
    problems = [json.loads(line) for line in (ROOT / "docs" / "precision" / f"recall-{args.half}.jsonl").open()]
    if args.sample:
        problems = [p for p in problems if p.get("sample", FIRST_SAMPLE) == args.sample]
    if not problems:
        parser.error(
            f"no verified problems in recall-{args.half}.jsonl"
            + (f" for sample {args.sample!r}" if args.sample else "")
        )
    findings: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for line in args.results.open(encoding="utf-8"):
        record = json.loads(line)
        if record.get("kind", "finding") == "finding" and record["code"] in counted:
            findings[(normalize_name(record["app"]), record["path"])].append(record)
            if args.evidence:
                for path, line in record.get("related", ()):
                    if path != record["path"] or abs(line - record["line"]) > args.window:
                        place = {**record, "path": path, "line": line, "via_evidence": True}
                        findings[(normalize_name(record["app"]), path)].append(place)
    total, found, misses = Counter(), Counter(), []
    for problem in problems:
        match = re.match(r"S\d+", str(problem.get("catalog_problem", "")))
        catalog = match.group(0) if match else "outside the catalogue"
        total[catalog] += 1
        near = [
            f
            for f in findings[(normalize_name(problem["app"]), problem["path"])]
            if abs(f["line"] - int(problem["line"])) <= args.window
            and (catalog in metas[f["code"]].catalog if match else not f.get("via_evidence"))
        ]
        if near:
            found[catalog] += 1
        else:
            misses.append(problem)
    all_found, all_total = sum(found.values()), sum(total.values())
    label = (
        args.half
        + (f", sample {args.sample}" if args.sample else "")
        + (", evidence places too" if args.evidence else "")
        + (", rules off by default too" if args.all_rules else "")
    )
    print(f"recall ({label}): {all_found} of {all_total} verified problems found ({all_found / all_total:.0%})")
    print("| catalogue problem | found / verified |\n|---|---|")
    for catalog in sorted(total, key=lambda c: (not c.startswith("S"), int(c[1:]) if c[1:].isdigit() else 0)):
        print(f"| {catalog} | {found[catalog]} / {total[catalog]} |")
    if args.misses:
        for problem in misses:
            print(f"missed: {problem['app']} {problem['path']}:{problem['line']} {problem['kind']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

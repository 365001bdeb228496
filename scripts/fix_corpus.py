"""Apply every fix (safe and unsafe) to copies of real Flask applications and count what happened.

    python scripts/fix_corpus.py CORPUS_DIR [--json OUT] [--keep]

``CORPUS_DIR`` holds one directory per application (extracted releases). Each application is copied to a
temporary directory (the corpus itself is never written), fixed with ``--fix --unsafe-fixes`` as users
run it, and fixed a second time to prove the first run left nothing to do. The figures printed (fixes
applied per rule, skipped with their reasons, changed Python files that still parse) are the ones
docs/fixes.md reports.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from flask_doctor.config import load_settings
from flask_doctor.static.engine import known_codes
from flask_doctor.static.fixes.engine import run_fix

_IGNORE = shutil.ignore_patterns(
    ".git",
    "node_modules",
    "*.min.js",
    "*.png",
    "*.jpg",
    "*.gif",
    "*.woff*",
    "*.svg",
    "*.ico",
    "*.pdf",
    "*.zip",
    "*.gz",
    "*.mo",
)


def fix_app(source: Path, workdir: Path) -> dict[str, object]:
    """Copy one application, fix it twice, return the counts."""
    root = workdir / source.name
    shutil.copytree(source, root, symlinks=True, ignore=_IGNORE)
    settings = load_settings(root, None, known_codes=known_codes)
    settings.preview = True
    started = time.perf_counter()
    first = run_fix([root], settings, unsafe=True, write=True)
    elapsed = time.perf_counter() - started
    second = run_fix([root], settings, unsafe=True, write=True)
    changed = [p for p in first.changed if p.suffix == ".py"]
    parsing = 0
    for path in changed:
        try:
            ast.parse(path.read_text(encoding="utf-8"))
            parsing += 1
        except (SyntaxError, UnicodeDecodeError, ValueError):
            pass
    return {
        "app": source.name,
        "applied": dict(Counter(f.code for f in first.applied)),
        "skipped": [[f.code, reason] for f, reason in first.skipped],
        "python_changed": len(changed),
        "python_parsing": parsing,
        "second_run_applied": len(second.applied),
        "seconds": round(elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--json", type=Path, help="write the per-application results here")
    parser.add_argument("--only", nargs="*", help="application directory names to run")
    args = parser.parse_args(argv)
    apps = sorted(p for p in args.corpus.iterdir() if p.is_dir() and (not args.only or p.name in args.only))
    results = []
    with tempfile.TemporaryDirectory(prefix="fd-fix-corpus-") as tmp:
        for app in apps:
            work = Path(tmp) / "w"
            work.mkdir()
            try:
                result = fix_app(app, work)
            except Exception as exc:  # noqa: BLE001 - report and go on: one app must not hide the others
                result = {"app": app.name, "error": f"{type(exc).__name__}: {exc}"}
            finally:
                shutil.rmtree(work, ignore_errors=True)
            results.append(result)
            print(json.dumps(result), flush=True)
    applied: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for r in results:
        applied.update(r.get("applied", {}))
        reasons.update(f"{code}: {reason}" for code, reason in r.get("skipped", []))
    changed = sum(int(r.get("python_changed", 0)) for r in results)
    parsing = sum(int(r.get("python_parsing", 0)) for r in results)
    errors = [r for r in results if "error" in r]
    again = sum(int(r.get("second_run_applied", 0)) for r in results)
    print(f"\napplications: {len(results)} ({len(errors)} errors)")
    per_rule = ", ".join(f"{c} {n}" for c, n in sorted(applied.items()))
    print(f"fixes applied: {sum(applied.values())}  {per_rule}")
    print(f"fixes skipped: {sum(reasons.values())}")
    for reason, n in reasons.most_common():
        print(f"  {n:5d}  {reason}")
    print(f"changed Python files still parsing: {parsing}/{changed}")
    print(f"fixes applied by a second run: {again}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if parsing == changed and not errors else 1


if __name__ == "__main__":
    sys.exit(main())

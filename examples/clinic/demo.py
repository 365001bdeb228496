"""`make demo`, second half: audit --probe and a short soak of the sick clinic when the services are up."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from stack.services import CLINIC, Run, missing_services


def main() -> int:
    missing = missing_services()
    if missing:
        print(f"== skipped audit --probe and soak: {', '.join(missing)} not reachable on loopback "
              "(start them, or see examples/clinic/README.md)")
        return 0
    logs = Path(tempfile.mkdtemp(prefix="clinic-demo-"))
    run = Run(logs)
    try:
        run.create()
        env = run.env("sick", "demo", SOCKETIO_ASYNC_MODE="threading")
        print("== flask-doctor audit --app wsgi:app --deploy --probe   (the sick clinic, loaded and probed)")
        subprocess.run([sys.executable, "-m", "flask_doctor.cli", "audit", "--app", "wsgi:app", "--deploy",
                        "--probe", "--celery", "clinic.tasks:celery"], cwd=CLINIC / "sick", env=env, timeout=180)
        scenario = logs / "scenario.yaml"
        scenario.write_text("endpoints:\n  - path: /search?q=term{n}\n    name: search\n  - /health\n")
        out = logs / "soak"
        print("\n== flask-doctor soak (short: 600 requests per phase, leaks only)")
        subprocess.run([sys.executable, "-m", "flask_doctor.cli", "soak", "--app", "wsgi:app", "--only", "leaks",
                        "--scenario", str(scenario), "--requests", "600", "--duration", "15", "--out", str(out),
                        "--quiet"], cwd=CLINIC / "sick", env=env, timeout=300)
        print(f"\nsoak report: {out / 'report.html'}")
    finally:
        run.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

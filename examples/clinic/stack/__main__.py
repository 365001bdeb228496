"""`python -m stack sick|cured` (from examples/clinic): run one clinic on the real stack until Ctrl-C."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from stack.proxy import ReverseProxy
from stack.services import TOKEN, Run, missing_services
from stack.upstream import Upstream


def main(argv: list[str]) -> int:
    variant = argv[0] if argv else "sick"
    if variant not in ("sick", "cured"):
        print("usage: python -m stack sick|cured", file=sys.stderr)
        return 2
    missing = missing_services()
    if missing:
        print(f"cannot start the clinic: {', '.join(missing)} not reachable", file=sys.stderr)
        return 1
    logs = Path(tempfile.mkdtemp(prefix=f"clinic-{variant}-"))
    upstream = Upstream().start()
    run = Run(logs, upstream_url=upstream.url)
    proxy = None
    try:
        run.create()
        web = run.gunicorn(variant, 3)
        run.celery(variant)
        run.rq(variant)
        proxy = ReverseProxy(web.port).start()
        print(f"{variant} clinic on {web.url} (through the proxy: http://127.0.0.1:{proxy.port})")
        print("sign in as alice@clinic.test / clinic;"
              f" runtime dashboard: {web.url}/_doctor/ with 'Authorization: Bearer {TOKEN}'")
        print(f"logs in {logs}; Ctrl-C stops everything and drops the run's schema, database and keys")
        while all(p.popen.poll() is None for p in run.procs):
            time.sleep(1)
        print("a process exited; see its log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if proxy is not None:
            proxy.stop()
        run.drop()
        upstream.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

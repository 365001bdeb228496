"""Random traffic to /leaky (keeps ~10 KB), /boom (raises), /fine, in-process; prints the FD170 findings as JSON.

Run as ``python -m tests.runtime.apps.mixed SEED`` in a fresh process: RSS
moves with the heap's fragmentation, and a test process that has run
hundreds of other tests has a heap unlike any worker's.
"""

from __future__ import annotations

import json
import logging
import random
import sys
from typing import Any

from flask import Flask

from flask_doctor import Doctor

KEPT: list[bytes] = []


def main(seed: int) -> list[dict[str, Any]]:
    app = Flask(__name__)
    app.config["TESTING"] = False
    app.logger.handlers = [logging.NullHandler()]
    app.logger.propagate = False
    doctor = Doctor(app, background=False, containers=False, memory_growth_bytes=2 << 20)

    @app.get("/leaky")
    def leaky() -> str:
        KEPT.append(bytes(10_000))
        return "kept"

    @app.get("/boom")
    def boom() -> Any:
        raise ValueError("boom")

    @app.get("/fine")
    def fine() -> str:
        scratch = [bytes(10_000)]
        return f"{len(scratch)} freed"

    client = app.test_client()
    rng = random.Random(seed)
    paths = ["/leaky", "/boom", "/fine"]
    for _ in range(60):
        for _ in range(20):
            client.get(rng.choice(paths))
        doctor.sample_memory()
    return [f.to_dict() for f in doctor.findings() if f.code == "FD170"]


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))

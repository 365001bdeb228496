"""Fuzz the whole ``check`` pipeline with generated hostile trees.

Each example builds a tree in a temporary directory from random ingredients —
names with control characters and odd Unicode, links inside and outside the
tree and in loops, FIFOs, large sparse files, deep nesting, broken and deep
Python, hostile ``.gitignore`` lines — and runs the real command in a child
process with a time and memory limit.  Whatever the tree, the run must end
with a report (exit 0 or 1), valid JSON, and no raw control character in the
human-readable output.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX links and FIFOs")

MEMORY_LIMIT = 1_500_000_000
TIME_LIMIT = 30
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

NAME_CHARS = st.sampled_from(list("abcxyz_-.") + ["\n", "\x1b", "\x9b", "\u202e", "é", " ", "%", ":", "\t"])
NAMES = st.text(NAME_CHARS, min_size=1, max_size=12).filter(lambda n: n not in (".", "..") and "/" not in n)
SOURCES = st.sampled_from(
    [
        "from flask import Flask\napp = Flask(__name__)\napp.run()\n",
        "import requests\n\ndef f():\n    return requests.get('http://x')\n",
        "def broken(:\n",
        "x = " + " + ".join(["1"] * 700) + "\n",
        "def f(x):\n    if x == 0:\n        return 0\n"
        + "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, 400)),
        "\x00binary\x00",
        "# -*- coding: not-a-codec -*-\nx = 1\n",
        "s = f'{'a'}'\n",
    ]
)
ENTRY = st.one_of(
    st.tuples(st.just("file"), NAMES, SOURCES),
    st.tuples(st.just("deploy"), st.sampled_from(["Dockerfile", "Procfile", "docker-compose.yml", ".env"]), SOURCES),
    st.tuples(st.just("link-in"), NAMES, st.just("")),
    st.tuples(st.just("link-out"), NAMES, st.sampled_from(["/", "/dev/zero", "../outside", "/etc/hostname"])),
    st.tuples(st.just("loop"), NAMES, st.just("")),
    st.tuples(st.just("fifo"), st.sampled_from(["p.py", "Dockerfile", ".gitignore", "pyproject.toml"]), st.just("")),
    st.tuples(st.just("sparse"), st.sampled_from(["big.py", "Dockerfile"]), st.just("")),
    st.tuples(st.just("deep"), st.integers(min_value=5, max_value=60), st.just("")),
    st.tuples(
        st.just("gitignore"),
        st.sampled_from(["*a*a*a*a*a*a*a*a*a*a*b", "**/**/**/**/**/**/x", "[", "!*", "\\"]),
        st.just(""),
    ),
)


def _limits() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _build(root: Path, entries: list[tuple[str, object, str]]) -> None:
    (root / "good.py").write_text("from flask import Flask\napp = Flask(__name__)\napp.run()\n")
    for i, (kind, name, text) in enumerate(entries):
        try:
            if kind == "file":
                (root / f"{name}{i}.py").write_text(text, encoding="utf-8", errors="surrogateescape")
            elif kind == "deploy":
                target = root / str(name)
                if target.exists() and not target.is_file():
                    continue  # a FIFO made by an earlier ingredient: writing to it would wait for a reader
                target.write_text(text, encoding="utf-8", errors="surrogateescape")
            elif kind == "link-in":
                os.symlink("good.py", root / f"{name}{i}.py")
            elif kind == "link-out":
                os.symlink(text, root / f"{name}{i}.py")
            elif kind == "loop":
                os.symlink(f"{name}{i}b.py", root / f"{name}{i}a.py")
                os.symlink(f"{name}{i}a.py", root / f"{name}{i}b.py")
            elif kind == "fifo":
                target = root / str(name)
                if not target.exists():
                    os.mkfifo(target)
            elif kind == "sparse":
                with open(root / str(name), "wb") as handle:
                    handle.truncate(2_500_000_000)
            elif kind == "deep":
                here = root
                for level in range(int(name)):  # type: ignore[call-overload]
                    here = here / f"d{level % 3}"
                    here.mkdir(exist_ok=True)
                    (here / "__init__.py").write_text("")
                os.symlink(root, here / "back")  # a loop back to the top
            elif kind == "gitignore":
                with open(root / ".gitignore", "a", encoding="utf-8") as handle:
                    handle.write(str(name) + "\n")
        except OSError:
            continue  # a name the filesystem refuses, a FIFO already there: skip that ingredient


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(ENTRY, min_size=1, max_size=6))
def test_check_always_ends_with_a_report(entries: list[tuple[str, object, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        (Path(tmp) / "outside").mkdir()
        (Path(tmp) / "outside" / "secret.py").write_text("SECRET = 'outside-secret'\n")
        _build(root, entries)
        for fmt in ("json", "text"):
            done = subprocess.run(
                # good.py's canary rule (FD306) is off by default on its measured precision: name it
                [sys.executable, "-m", "flask_doctor", "check", ".", "--format", fmt, "--extend-select", "FD306"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=TIME_LIMIT,
                preexec_fn=_limits,
                errors="replace",
            )
            assert done.returncode in (0, 1), done.stderr[-1500:]
            assert "outside-secret" not in done.stdout
            if fmt == "json":
                report = json.loads(done.stdout)
                assert any(f["location"] and f["location"]["path"] == "good.py" for f in report["findings"])
            else:
                assert not RAW_CONTROL.search(done.stdout + done.stderr)

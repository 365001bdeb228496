"""``check`` survives any tree: deep code, link loops, links out of the tree, special files, huge files.

Each case runs the real command in a child process with a time limit and an
address-space limit, and asserts that the run ends with findings (exit 0/1),
that the bad file is reported (FD001/FD002) and that a good file beside it is
still checked.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

#: A file that must still be checked beside every hostile one: FD306 (app.run at import).
GOOD = "from flask import Flask\napp = Flask(__name__)\napp.run()\n"
MEMORY_LIMIT = 1_500_000_000  # bytes of address space for the child

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX links and special files")


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def check(root: Path, *args: str, timeout: float = 60) -> tuple[int, dict, str]:
    done = subprocess.run(
        # the canary rule (FD306) is off by default on its measured precision: name it
        [sys.executable, "-m", "flask_doctor", "check", ".", "--format", "json", "--extend-select", "FD306", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return done.returncode, json.loads(done.stdout), done.stderr


def codes_at(report: dict) -> set[tuple[str, str]]:
    return {(f["code"], (f.get("location") or {}).get("path", "")) for f in report["findings"]}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    return root


def assert_good_file_checked(report: dict) -> None:
    assert ("FD306", "good.py") in codes_at(report)


# ------------------------------------------------------------------ deep code
@pytest.mark.parametrize(
    "source",
    [
        pytest.param("def f():\n    return " + " + ".join(f"'s{i}'" for i in range(600)) + "\n", id="600-concat"),
        pytest.param(
            "def f(x):\n    if x == 0:\n        return 0\n"
            + "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, 900)),
            id="900-elif",
        ),
        pytest.param("TOTAL = " + " + ".join(str(i) for i in range(500)) + "\n", id="500-sum"),
    ],
)
def test_deeply_nested_but_valid_code(tree: Path, source: str) -> None:
    (tree / "deep.py").write_text(source)
    _, report, _ = check(tree)
    assert_good_file_checked(report)
    # the deep file is either analysed or reported, never the end of the run
    assert all(code in ("FD002", "FD004") for code, path in codes_at(report) if path == "deep.py")


def test_very_deep_package_tree(tree: Path) -> None:
    here = tree
    for i in range(420):
        here = here / f"p{i % 10}"
        try:
            here.mkdir()
            (here / "__init__.py").write_text("")
        except OSError:
            break
    _, report, _ = check(tree)
    assert_good_file_checked(report)


# ---------------------------------------------------------------------- links
@posix_only
def test_symlink_loop_between_two_files_and_a_self_link(tree: Path) -> None:
    os.symlink(tree / "b.py", tree / "a.py")
    os.symlink(tree / "a.py", tree / "b.py")
    os.symlink(tree / "self.py", tree / "self.py")
    _, report, _ = check(tree)
    assert_good_file_checked(report)
    assert {("FD002", "a.py"), ("FD002", "b.py"), ("FD002", "self.py")} <= codes_at(report)


@posix_only
def test_link_to_the_filesystem_root_is_not_followed(tree: Path) -> None:
    os.symlink("/", tree / "r")
    _, report, _ = check(tree, timeout=30)
    assert_good_file_checked(report)
    assert ("FD002", "r") in codes_at(report)
    assert not any(path.startswith("r/") for _, path in codes_at(report))


@posix_only
def test_link_out_of_the_tree_is_reported_and_never_printed(tmp_path: Path, tree: Path) -> None:
    outside = tmp_path / "outside" / "pkg"
    outside.mkdir(parents=True)
    (outside / "secret.py").write_text("SECRET_KEY = 'outside-secret-value'\napp.run()\n")
    os.symlink("../outside/pkg", tree / "pkg")
    os.symlink(outside / "secret.py", tree / "linked.py")
    for fmt in ("json", "text"):
        done = subprocess.run(
            [sys.executable, "-m", "flask_doctor", "check", ".", "--format", fmt],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "outside-secret-value" not in done.stdout + done.stderr
    _, report, _ = check(tree)
    assert {("FD002", "pkg"), ("FD002", "linked.py")} <= codes_at(report)
    assert_good_file_checked(report)


@posix_only
def test_link_inside_the_tree_is_followed(tree: Path) -> None:
    (tree / "real").mkdir()
    (tree / "real" / "views.py").write_text(GOOD)
    os.symlink("real", tree / "alias")
    _, report, _ = check(tree)
    assert ("FD306", "real/views.py") in codes_at(report)
    assert not any(code == "FD002" for code, _ in codes_at(report))


# -------------------------------------------------------------- special files
@posix_only
@pytest.mark.parametrize("name", ["p.py", "Dockerfile"])
def test_fifo_does_not_hang(tree: Path, name: str) -> None:
    os.mkfifo(tree / name)
    _, report, _ = check(tree, timeout=30)
    assert_good_file_checked(report)
    assert ("FD002", name) in codes_at(report)


@posix_only
def test_device_linked_as_a_python_file(tree: Path) -> None:
    os.symlink("/dev/zero", tree / "z.py")
    _, report, _ = check(tree, timeout=30)
    assert_good_file_checked(report)
    (message,) = [f["message"] for f in report["findings"] if (f.get("location") or {}).get("path") == "z.py"]
    assert "broken" not in message and ("device" in message or "outside" in message or "not a regular file" in message)


def test_huge_sparse_deploy_file_is_not_read(tree: Path) -> None:
    with open(tree / "Dockerfile", "wb") as handle:
        handle.truncate(3_500_000_000)  # sparse: no disk used, but reading it would need 3.5 GB
    _, report, _ = check(tree, timeout=60)
    assert_good_file_checked(report)
    assert ("FD002", "Dockerfile") in codes_at(report)


def test_utf16_file_is_named_as_such(tree: Path) -> None:
    (tree / "wide.py").write_bytes("x = 1\n".encode("utf-16"))
    _, report, _ = check(tree)
    (message,) = [f["message"] for f in report["findings"] if (f.get("location") or {}).get("path") == "wide.py"]
    assert "UTF-16" in message


# ------------------------------------------------------------------ gitignore
@pytest.mark.parametrize(
    "pattern",
    ["*a*a*a*a*a*a*a*a*a*a*a*a*b", "/".join(["**"] * 12) + "/x.py"],
)
def test_pathological_gitignore_patterns_do_not_hang(tree: Path, pattern: str) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text(pattern + "\n")
    (tree / ("a" * 200 + ".py")).write_text("x = 1\n")
    deep = tree / "/".join(["d"] * 30)
    deep.mkdir(parents=True)
    (deep / "y.py").write_text("x = 1\n")
    _, report, _ = check(tree, timeout=20)
    assert_good_file_checked(report)

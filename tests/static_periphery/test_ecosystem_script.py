"""scripts/ecosystem.py: manifest, split rule, safe extraction, fingerprints, ledger diff (no network)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import sys
import tarfile
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecosystem_script", ROOT / "scripts" / "ecosystem.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


eco = load_script()

SHA = "a" * 64
URL = "https://files.pythonhosted.org/packages/aa/bb/" + "c" * 60 + "/demo-1.0.tar.gz"


def entry(name: str = "demo", **changes: str) -> str:
    fields = {
        "name": name,
        "version": "1.0",
        "filename": "demo-1.0.tar.gz",
        "url": URL,
        "sha256": SHA,
        "half": eco.split_half(name),
    } | changes
    return "[[app]]\n" + "".join(f'{k} = "{v}"\n' for k, v in fields.items())


def independent_half(name: str) -> str:
    """The rule as README.md states it, written again without the script's helpers."""
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in {
        "apache-superset",
        "calibreweb",
        "changedetection-io",
        "archivy",
        "ihatemoney",
        "flaskbb",
        "lemur",
        "privacyidea",
        "timesketch",
        "zou",
        "ckan",
        "dallinger",
        "alerta-server",
        "otterwiki",
    }:
        return "tune"
    return "held" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3 != 0 else "tune"


# --------------------------------------------------------------------------- names and split


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("changedetection.io", "changedetection-io"),
        ("Flask_BB", "flask-bb"),
        ("a-._b", "a-b"),
        ("PsiTurk", "psiturk"),
    ],
)
def test_normalize_name_follows_pep_503(raw: str, normal: str) -> None:
    assert eco.normalize_name(raw) == normal


def test_tuned_apps_are_tune_whatever_their_hash() -> None:
    for name in ("changedetection.io", "Apache-Superset", "FlaskBB", "alerta_server"):
        assert eco.split_half(name) == "tune"


def test_split_is_the_hash_rule_for_other_apps() -> None:
    names = [f"app-{i}" for i in range(60)] + ["Octo.Print", "gramps_webapi"]
    for name in names:
        assert eco.split_half(name) == independent_half(name)
    assert {eco.split_half(n) for n in names} == {"tune", "held"}


def test_committed_manifest_obeys_the_split_and_size_goals() -> None:
    apps = eco.load_manifest(ROOT / "docs" / "precision" / "corpus.toml")
    assert len(apps) >= 46
    for app in apps:
        assert app.half == independent_half(app.name), app.name
    assert sum(a.half == "held" for a in apps) >= 22
    assert eco.TUNED_BEFORE_SPLIT <= {a.key for a in apps}
    assert all(a.url.startswith("https://files.pythonhosted.org/packages/") for a in apps)


# --------------------------------------------------------------------------- manifest parsing


def test_manifest_round_trips_through_render() -> None:
    apps = eco.parse_manifest(entry("demo") + entry("other", filename="other-1.0.tar.gz"))
    assert [a.key for a in eco.parse_manifest(eco.render_manifest(apps))] == ["demo", "other"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[app]\n", "not valid TOML"),
        ('app = "x"\n', "array of tables"),
        (entry(version=""), "`version`"),
        (entry() + 'extra = "x"\n', "unknown field"),
        (entry(sha256="XYZ"), "64 lower-case hex"),
        (entry(url="https://example.com/demo-1.0.tar.gz"), "must point at"),
        (entry(filename="../demo.tar.gz"), "plain file name"),
        (entry(half="held" if eco.split_half("demo") == "tune" else "tune"), "the split rule says"),
        (entry("demo") + entry("Demo"), "listed twice"),
    ],
)
def test_bad_manifests_fail_with_one_line(text: str, message: str) -> None:
    with pytest.raises(eco.EcosystemError, match=re.escape(message)) as caught:
        eco.parse_manifest(text)
    assert "\n" not in str(caught.value)


def test_selection_by_name_and_half() -> None:
    apps = eco.parse_manifest("".join(entry(f"app-{i}", filename=f"a{i}.tar.gz") for i in range(9)))
    assert [a.key for a in eco.selected(apps, ["APP_3"])] == ["app-3"]
    assert all(a.half == "held" for a in eco.selected(apps, None, "held"))
    with pytest.raises(eco.EcosystemError, match="not in the manifest: nope"):
        eco.selected(apps, ["nope"])
    with pytest.raises(eco.EcosystemError, match="no application selected"):
        eco.selected([], None)


def test_release_files_and_canonical_url() -> None:
    document = {
        "info": {"version": "2.0"},
        "urls": [{"packagetype": "sdist"}],
        "releases": {"1.0": [{"packagetype": "bdist_wheel"}], "0.1": []},
    }
    assert eco.release_files(document, None) == ("2.0", [{"packagetype": "sdist"}])
    assert eco.release_files(document, "1.0")[1] == [{"packagetype": "bdist_wheel"}]
    with pytest.raises(eco.EcosystemError, match="no release 0.1"):
        eco.release_files(document, "0.1")
    relative = "../../packages/packages/aa/bb/" + "c" * 60 + "/demo-1.0.tar.gz"
    assert eco.canonical_url(relative) == URL


def test_sdist_preferred_then_pure_wheel() -> None:
    files = [
        {"packagetype": "bdist_wheel", "filename": "x-1-cp311-cp311-linux_x86_64.whl"},
        {"packagetype": "bdist_wheel", "filename": "x-1-py3-none-any.whl"},
        {"packagetype": "sdist", "filename": "x-1.tar.gz", "yanked": True},
    ]
    assert eco.choose_file(files)["filename"] == "x-1-py3-none-any.whl"
    assert eco.choose_file(files + [{"packagetype": "sdist", "filename": "x-1.zip"}])["filename"] == "x-1.zip"


def test_only_pypi_hosts_are_fetched() -> None:
    with pytest.raises(eco.EcosystemError, match="refusing"):
        eco._open("https://example.org/x.tar.gz")
    with pytest.raises(eco.EcosystemError, match="refusing"):
        eco._open("http://pypi.org/pypi/x/json")


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "a/../../x", "C:/x", "a\\..\\..\\x", ""])
def test_unsafe_member_paths_are_refused(name: str) -> None:
    assert eco.safe_member_path(name) is None


def test_safe_member_path_drops_dot_parts() -> None:
    assert eco.safe_member_path("./pkg/./a.py") == PurePosixPath("pkg/a.py")


def make_tar(path: Path, members: list[tuple[str, bytes | None, str]]) -> None:
    """(name, data, kind) with kind 'file', 'symlink' (data = target) or 'big'."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, (data or b"").decode()
                tar.addfile(info)
            elif kind == "big":
                info.size = eco.MAX_MEMBER_BYTES + 1
                tar.addfile(info, io.BytesIO(b"\0" * info.size))
            else:
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))


def test_extract_strips_the_sdist_root_and_skips_links_traversal_and_big_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eco, "MAX_MEMBER_BYTES", 1000)
    archive = tmp_path / "demo-1.0.tar.gz"
    make_tar(
        archive,
        [
            ("demo-1.0/app.py", b"from flask import Flask\n", "file"),
            ("demo-1.0/pkg/views.py", b"x = 1\n", "file"),
            ("demo-1.0/escape", b"/etc", "symlink"),
            ("demo-1.0/../../outside.py", b"evil\n", "file"),
            ("demo-1.0/data.bin", None, "big"),
        ],
    )
    target = tmp_path / "apps" / "demo-1.0"
    target.parent.mkdir()
    skipped = eco.extract(archive, target)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == ["app.py", "pkg/views.py"]
    assert not any(p.is_symlink() for p in target.rglob("*"))
    assert not (tmp_path / "outside.py").exists()
    assert len(skipped) == 2 and any("unsafe path" in s for s in skipped) and any("MB" in s for s in skipped)
    assert sorted(p.name for p in target.parent.iterdir()) == ["demo-1.0"]  # no staging left


def test_strip_common_root_only_when_single_top_directory() -> None:
    assert eco.strip_common_root([PurePosixPath("a/x.py"), PurePosixPath("a/b/y.py")]) == 1
    assert eco.strip_common_root([PurePosixPath("a/x.py"), PurePosixPath("b/y.py")]) == 0
    assert eco.strip_common_root([PurePosixPath("a/x.py"), PurePosixPath("setup.py")]) == 0


# --------------------------------------------------------------------------- findings and fingerprints


def report(*items: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "findings": [
            {
                "code": c,
                "name": "rule",
                "severity": "warning",
                "message": f"m{line}",
                "location": {"path": p, "line": line},
            }
            for c, p, line in items
        ]
    }


def test_fingerprint_survives_moved_lines_and_whitespace(tmp_path: Path) -> None:
    app = eco.parse_manifest(entry("demo"))[0]
    (tmp_path / "v.py").write_text("import x\nrows = Q.all()\n")
    before = eco.records_from_report(app, tmp_path, report(("FD201", "v.py", 2)))
    (tmp_path / "v.py").write_text("import x\n\n\n    rows  =  Q.all()\n")
    after = eco.records_from_report(app, tmp_path, report(("FD201", "v.py", 4)))
    assert before[0]["fingerprint"] == after[0]["fingerprint"]
    assert before[0]["half"] == app.half and after[0]["line"] == 4


def test_identical_lines_get_distinct_fingerprints(tmp_path: Path) -> None:
    app = eco.parse_manifest(entry("demo"))[0]
    (tmp_path / "v.py").write_text("get(u)\nget(u)\n")
    records = eco.records_from_report(app, tmp_path, report(("FD402", "v.py", 2), ("FD402", "v.py", 1)))
    assert len({r["fingerprint"] for r in records}) == 2
    assert [r["line"] for r in records] == [1, 2]


def test_fingerprint_ignores_the_message_but_not_the_rule_or_file() -> None:
    base = eco.fingerprint("demo", "FD201", "a.py", "rows = Q.all()")
    assert base != eco.fingerprint("demo", "FD202", "a.py", "rows = Q.all()")
    assert base != eco.fingerprint("demo", "FD201", "b.py", "rows = Q.all()")
    assert base != eco.fingerprint("other", "FD201", "a.py", "rows = Q.all()")


def test_records_keep_the_other_places_the_evidence_points_at(tmp_path: Path) -> None:
    app = eco.parse_manifest(entry("demo"))[0]
    data = report(("FD402", "mail.py", 7))
    data["findings"][0]["evidence"] = [
        {"message": "same place", "location": {"path": "mail.py", "line": 7}},
        {"message": "reached from view", "location": {"path": "views.py", "line": 30}},
        {"message": "no place"},
        {"message": "reached from view again", "location": {"path": "views.py", "line": 30}},
    ]
    [record] = eco.records_from_report(app, tmp_path, data)
    assert record["related"] == [["views.py", 30]]
    assert eco.records_from_report(app, tmp_path, report(("FD402", "mail.py", 7)))[0]["related"] == []


def test_suppressed_findings_are_not_recorded(tmp_path: Path) -> None:
    app = eco.parse_manifest(entry("demo"))[0]
    data = report(("FD201", "v.py", 1))
    data["findings"][0]["suppressed"] = True
    assert eco.records_from_report(app, tmp_path, data) == []


def test_checker_argv_appends_machine_readable_options(tmp_path: Path) -> None:
    argv = eco.checker_argv("env A=1 python3 -c 'from x import main; main()' check", tmp_path / "r.json", True)
    assert argv[:5] == ["env", "A=1", "python3", "-c", "from x import main; main()"]
    assert argv[5:] == [
        "check",
        "--format",
        "json",
        "--no-color",
        "--quiet",
        "--output",
        str(tmp_path / "r.json"),
        "--preview",
    ]


# --------------------------------------------------------------------------- ledger, precision, compare


def finding(app: str, fp: str, code: str = "FD201", half: str = "held", severity: str = "warning") -> dict[str, Any]:
    return {
        "kind": "finding",
        "app": app,
        "half": half,
        "code": code,
        "severity": severity,
        "path": "a.py",
        "line": 1,
        "message": "m",
        "fingerprint": fp,
    }


def verdict(app: str, fp: str, value: str, rule: str = "FD201") -> dict[str, Any]:
    return {"fingerprint": fp, "app": app, "rule": rule, "verdict": value, "reason": "read it"}


def ok(app: str) -> dict[str, Any]:
    return {"kind": "run", "app": app, "status": "ok"}


def test_ledger_diff_lists_new_and_gone_only_for_apps_that_ran() -> None:
    ledger = eco.parse_ledger([verdict("a", "f1", "true"), verdict("a", "f-old", "wrong"), verdict("b", "f-b", "true")])
    results = [
        finding("a", "f1"),
        finding("a", "f2"),
        ok("a"),
        {"kind": "run", "app": "b", "status": "crash"},
    ]
    diff = eco.ledger_diff(results, ledger)
    assert [f["fingerprint"] for f in diff.new] == ["f2"]
    assert [e["fingerprint"] for e in diff.gone] == ["f-old"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"fingerprint": "x"}], "missing"),
        ([verdict("a", "x", "maybe")], "verdict must be"),
        ([verdict("a", "x", "true"), {**verdict("a", "x", "true"), "rule": "FD999"}], "another app or rule"),
    ],
)
def test_bad_ledgers_fail(records: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(eco.EcosystemError, match=message):
        eco.parse_ledger(records)


def test_a_finding_judged_again_keeps_its_last_verdict() -> None:
    ledger = eco.parse_ledger([verdict("a", "x", "wrong"), verdict("a", "x", "true")])
    assert ledger["x"]["verdict"] == "true"


def test_load_ledger_creates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "precision" / "ledger.jsonl"
    assert eco.load_ledger(path) == {} and path.read_text() == ""


def test_precision_counts_debatable_against_the_rule_and_splits_loud_findings() -> None:
    results = [
        finding("a", "1"),
        finding("a", "2"),
        finding("a", "3", severity="note"),
        finding("a", "4"),
        finding("b", "5", code="FD402", half="tune"),
    ]
    ledger = eco.parse_ledger(
        [
            verdict("a", "1", "true"),
            verdict("a", "2", "debatable"),
            verdict("a", "3", "wrong"),
            verdict("b", "5", "true", "FD402"),
        ]
    )
    table = eco.precision_table(results, ledger)
    held = table[("held", "FD201")]
    assert (held.findings, held.judged, held.true, held.wrong, held.debatable) == (4, 3, 1, 1, 1)
    assert held.precision == pytest.approx(1 / 3)
    assert table[("tune", "all")].precision == 1.0
    loud = eco.precision_table(results, ledger, loud_only=True)[("held", "FD201")]
    assert (loud.findings, loud.judged, loud.precision) == (3, 2, 0.5)
    rows = eco.precision_rows(table)
    assert [r[:2] for r in rows] == [["tune", "FD402"], ["tune", "all"], ["held", "FD201"], ["held", "all"]]
    assert rows[2][-1] == "33.3%"
    assert eco.precision_rows({("held", "FD9"): eco.Tally(findings=2)})[0][-1] == "-"


def test_markdown_table() -> None:
    text = eco.format_table(["a", "b"], [[1, "x"]], markdown=True)
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | x |"]
    assert eco.format_table(["a", "b"], [[10, "x"]], markdown=False).splitlines()[1] == "10  x"


def test_compare_reports_added_removed_and_status_changes() -> None:
    before = [finding("a", "1"), finding("a", "2"), ok("a"), ok("b")]
    after = [finding("a", "2"), finding("a", "3"), ok("a"), {"kind": "run", "app": "b", "status": "timeout"}]
    added, removed, changed = eco.compare_runs(before, after)
    assert [f["fingerprint"] for f in added] == ["3"]
    assert [f["fingerprint"] for f in removed] == ["1"]
    assert changed == ["b: ok -> timeout"]
    assert eco.compare_runs(before, before) == ([], [], [])


def test_compare_lists_fingerprints_that_moved_to_another_finding() -> None:
    """Removing the first of two same-text findings hands its fingerprint to the second: listed apart."""
    first, second = finding("a", "1"), {**finding("a", "2"), "line": 9}
    moved_second = {**finding("a", "1"), "line": 9}
    assert eco.moved_fingerprints([first, second], [moved_second]) == [(first, moved_second)]
    assert eco.moved_fingerprints([first, second], [first, second]) == []


def test_compare_reads_the_slim_current_run() -> None:
    """``runs/current.jsonl`` keeps findings without ``kind`` or run records: its rows are findings."""
    slim = [{k: v for k, v in finding("a", n).items() if k != "kind"} for n in ("1", "2")]
    after = [finding("a", "2"), finding("a", "3"), ok("a")]
    added, removed, changed = eco.compare_runs(slim, after)
    assert [f["fingerprint"] for f in added] == ["3"]
    assert [f["fingerprint"] for f in removed] == ["1"]
    assert changed == []
    assert not eco.is_finding(ok("a"))


def test_a_corrupt_archive_is_a_one_line_error(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.gz"
    archive.write_bytes(b"not a tar at all")
    (tmp_path / "apps").mkdir()
    with pytest.raises(eco.EcosystemError, match="demo-1.0.tar.gz: cannot extract"):
        eco.extract(archive, tmp_path / "apps" / "demo-1.0")
    assert list((tmp_path / "apps").iterdir()) == []


def test_run_bounded_kills_the_process_group_on_timeout(tmp_path: Path) -> None:
    code, err = eco.run_bounded([sys.executable, "-c", "import sys; sys.stderr.write('boom')"], tmp_path, 30)
    assert (code, err) == (0, "boom")
    with pytest.raises(eco.subprocess.TimeoutExpired):
        eco.run_bounded([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, 1)


def test_run_one_records_crashes_and_findings(tmp_path: Path) -> None:
    app = eco.parse_manifest(entry("demo"))[0]
    (tmp_path / "v.py").write_text("rows = Q.all()\n")
    fake = tmp_path / "fake_checker.py"
    fake.write_text(
        "import json, sys\n"
        "out = sys.argv[sys.argv.index('--output') + 1]\n"
        "findings = [{'code': 'FD201', 'severity': 'warning', 'location': {'path': 'v.py', 'line': 1}}]\n"
        "json.dump({'summary': {'files': 1}, 'findings': findings}, open(out, 'w'))\n"
        "sys.exit(1)\n"
    )
    records = eco.run_one(app, tmp_path, f"{sys.executable} {fake}", False, 30)
    assert [r["kind"] for r in records] == ["finding", "run"]
    assert records[-1]["status"] == "ok" and records[-1]["files"] == 1
    crash = eco.run_one(app, tmp_path, f"{sys.executable} -c 'raise SystemExit(\"bad tree\")'", False, 30)
    assert crash[-1]["status"] == "crash" and crash[-1]["error"] == "bad tree"


def test_a_relative_pythonpath_still_reaches_the_checkout_from_each_app_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PYTHONPATH=src`` names the checkout's package; in an app's root it would name nothing."""
    checkout = tmp_path / "checkout"
    (checkout / "src").mkdir(parents=True)
    (checkout / "src" / "probe_mod.py").write_text("import sys; sys.stderr.write('from the checkout')\n")
    app_root = tmp_path / "app"
    app_root.mkdir()
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("PYTHONPATH", "src")
    code, err = eco.run_bounded([sys.executable, "-c", "import probe_mod"], app_root, 30)
    assert code == 0 and err == "from the checkout"

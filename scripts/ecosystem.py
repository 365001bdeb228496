"""Measure `flask-doctor check` on a pinned corpus of real Flask applications.

The corpus is the ecosystem check of docs/precision/README.md: real applications
published on PyPI, pinned by version and sha256 in docs/precision/corpus.toml,
split once and for all into a TUNE half (rules may be adjusted while reading its
findings) and a HELD half (only measured, never tuned on), so the precision we
publish is not the precision of code the rules were fitted to.

Archives and extracted trees never enter the repository: they live in
``--corpus-dir`` (default ``$FLASK_DOCTOR_CORPUS`` or ~/.cache/flask-doctor-ecosystem).

    python scripts/ecosystem.py pin NAME[==VERSION] ...     # add or refresh manifest entries
    python scripts/ecosystem.py download [--only NAME ...]  # fetch, verify, extract what is missing
    python scripts/ecosystem.py stats                       # files, lines, Flask evidence per app
    python scripts/ecosystem.py run --out results.jsonl [--half held] [--preview] [--checker CMD]
    python scripts/ecosystem.py diff --results results.jsonl [--markdown]
    python scripts/ecosystem.py compare before.jsonl after.jsonl

Standard library only (Python 3.11+ for tomllib): it must run from a bare checkout of any revision.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "docs" / "precision" / "corpus.toml"
LEDGER = ROOT / "docs" / "precision" / "ledger.jsonl"

#: The only hosts the script talks to: PyPI's JSON API and its file store.
ALLOWED_HOSTS = frozenset({"pypi.org", "files.pythonhosted.org"})
#: Members larger than this are test data or bundled binaries, never app code.
MAX_MEMBER_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 300
VERDICTS = ("true", "wrong", "debatable")
HALVES = ("tune", "held")
#: The checker's finding for a rule that raised on a file: a crash, even when the run succeeds.
INTERNAL_ERROR = "FD004"
#: Severities counted in the "warning and above" precision.
LOUD = frozenset({"error", "warning"})

#: The 14 applications the stable rules were tuned on before the corpus existed
#: (docs/precision/*.md). They are TUNE whatever their hash says: measuring the
#: rules on them could only flatter the rules.
TUNED_BEFORE_SPLIT = frozenset(
    {
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
    }
)


class EcosystemError(Exception):
    """A problem the user must fix (bad manifest, network, checksum): one line, exit 2."""


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class App:
    """One pinned application of the corpus."""

    name: str
    version: str
    filename: str
    url: str
    sha256: str
    half: str

    @property
    def key(self) -> str:
        """Normalised name: the identity used in results, ledger and split."""
        return normalize_name(self.name)

    @property
    def dirname(self) -> str:
        """Directory of the extracted tree; the version is in it so a bump re-extracts."""
        return f"{self.key}-{self.version}"


def normalize_name(name: str) -> str:
    """PyPI's name normalisation (PEP 503): lower case, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_half(name: str) -> str:
    """The fixed split rule: tuned-on apps are TUNE, others HELD unless their hash is 0 mod 3.

    A hash of the name, not a choice, decides: nobody can move an app whose
    findings look bad out of the held half, and adding apps never moves others.
    """
    key = normalize_name(name)
    if key in TUNED_BEFORE_SPLIT:
        return "tune"
    return "held" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3 != 0 else "tune"


_REQUIRED = ("name", "version", "filename", "url", "sha256", "half")


def parse_manifest(text: str, source: str = "corpus.toml") -> list[App]:
    """Validate the manifest: every field present, unique names, halves that obey the rule.

    A wrong half is an error rather than silently recomputed, so a hand edit that
    moves an app between halves cannot go unnoticed.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EcosystemError(f"{source}: not valid TOML: {exc}") from None
    entries = data.get("app", [])
    if not isinstance(entries, list):
        raise EcosystemError(f"{source}: `app` must be an array of tables ([[app]])")
    apps: list[App] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        app = _parse_entry(entry, f"{source}: app #{index}")
        if app.key in seen:
            raise EcosystemError(f"{source}: app #{index}: `{app.name}` is listed twice")
        seen.add(app.key)
        apps.append(app)
    return apps


def _parse_entry(entry: Any, where: str) -> App:
    """One ``[[app]]`` table -> App, with a one-line error naming the bad field."""
    if not isinstance(entry, dict):
        raise EcosystemError(f"{where}: must be a table")
    for field in _REQUIRED:
        if not isinstance(entry.get(field), str) or not entry[field]:
            raise EcosystemError(f"{where}: missing or empty string field `{field}`")
    unknown = sorted(set(entry) - set(_REQUIRED))
    if unknown:
        raise EcosystemError(f"{where}: unknown field(s) {', '.join(unknown)}")
    if not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
        raise EcosystemError(f"{where}: `sha256` must be 64 lower-case hex digits")
    if urllib.parse.urlsplit(entry["url"]).hostname not in ALLOWED_HOSTS:
        raise EcosystemError(f"{where}: `url` must point at {' or '.join(sorted(ALLOWED_HOSTS))}")
    if "/" in entry["filename"] or entry["filename"].startswith("."):
        raise EcosystemError(f"{where}: `filename` must be a plain file name")
    expected = split_half(entry["name"])
    if entry["half"] != expected:
        raise EcosystemError(f"{where}: `{entry['name']}` has half {entry['half']!r}; the split rule says {expected!r}")
    return App(**{field: entry[field] for field in _REQUIRED})


def load_manifest(path: Path = MANIFEST) -> list[App]:
    """Read and validate the manifest file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EcosystemError(f"cannot read manifest {path}: {exc.strerror}") from None
    return parse_manifest(text, str(path))


_MANIFEST_HEADER = """\
# The ecosystem corpus: real Flask applications pinned on PyPI (see README.md in this folder).
# Written by `python scripts/ecosystem.py pin NAME[==VERSION]`; `half` follows the split rule
# (scripts/ecosystem.py split_half) and a test checks it. Never move an app by hand.
"""


def render_manifest(apps: Iterable[App]) -> str:
    """TOML text of the manifest, sorted by name so diffs stay small."""
    chunks = [_MANIFEST_HEADER]
    for app in sorted(apps, key=lambda a: a.key):
        chunks.append("\n[[app]]\n")
        for field in _REQUIRED:
            chunks.append(f"{field} = {json.dumps(getattr(app, field))}\n")
    return "".join(chunks)


def selected(apps: Sequence[App], only: Sequence[str] | None, half: str = "all") -> list[App]:
    """Apps named by ``--only`` (normalised) and in ``--half``; unknown names are an error."""
    chosen = list(apps)
    if only:
        wanted = {normalize_name(n) for n in only}
        unknown = wanted - {a.key for a in apps}
        if unknown:
            raise EcosystemError(f"not in the manifest: {', '.join(sorted(unknown))}")
        chosen = [a for a in chosen if a.key in wanted]
    if half != "all":
        chosen = [a for a in chosen if a.half == half]
    if not chosen:
        raise EcosystemError("no application selected (empty manifest or half)")
    return chosen


# --------------------------------------------------------------------------- network


def _check_host(url: str) -> None:
    """Refuse any URL outside PyPI, even one a JSON answer points to."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in ALLOWED_HOSTS:
        raise EcosystemError(f"refusing to fetch {url}: only https to {', '.join(sorted(ALLOWED_HOSTS))}")


def _open(url: str) -> IO[bytes]:
    """urlopen with a timeout and a one-line error on failure."""
    _check_host(url)
    request = urllib.request.Request(url, headers={"User-Agent": "flask-doctor-ecosystem"})
    try:
        return urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as exc:
        raise EcosystemError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EcosystemError(f"{url}: network failure: {reason}") from None


def pypi_project(name: str) -> dict[str, Any]:
    """The PyPI JSON document of a project.

    Only the project URL is used: some PyPI mirrors do not serve the per-release
    URL, while the project document lists every release's files.
    """
    with _open(f"https://pypi.org/pypi/{urllib.parse.quote(name)}/json") as response:
        return json.load(response)


def release_files(document: dict[str, Any], version: str | None) -> tuple[str, list[dict[str, Any]]]:
    """(version, files) of the newest release, or of ``version`` when given."""
    newest = document["info"]["version"]
    if not version or version == newest:
        return newest, list(document.get("urls") or document.get("releases", {}).get(newest, []))
    files = document.get("releases", {}).get(version)
    if not files:
        raise EcosystemError(f"no release {version} with files on PyPI")
    return version, list(files)


_FILE_PATH = re.compile(r"packages/([0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/]+)$")


def canonical_url(url: str) -> str:
    """The files.pythonhosted.org URL of a distribution file.

    Mirrors answer with relative or rewritten links; the manifest records the
    public address so it means the same thing on every machine.
    """
    match = _FILE_PATH.search(urllib.parse.urlsplit(url).path)
    if not match:
        raise EcosystemError(f"unexpected file URL {url!r}")
    return f"https://files.pythonhosted.org/packages/{match.group(1)}"


def choose_file(files: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The sdist when there is one (the whole source tree), else a pure-Python wheel, else any wheel."""
    live = [f for f in files if not f.get("yanked")]
    for kind in ("sdist", "bdist_wheel"):
        candidates = [f for f in live if f.get("packagetype") == kind]
        if kind == "bdist_wheel":
            candidates.sort(key=lambda f: not f["filename"].endswith("-none-any.whl"))
        if candidates:
            return candidates[0]
    raise EcosystemError("no sdist or wheel in this release")


def pin(spec: str) -> App:
    """Resolve ``NAME`` or ``NAME==VERSION`` on PyPI into a manifest entry."""
    name, _, wanted = spec.partition("==")
    document = pypi_project(name.strip())
    try:
        version, files = release_files(document, wanted.strip() or None)
        chosen = choose_file(files)
        url = canonical_url(chosen["url"])
    except EcosystemError as exc:
        raise EcosystemError(f"{spec}: {exc}") from None
    return App(
        name=document["info"]["name"],
        version=version,
        filename=chosen["filename"],
        url=url,
        sha256=chosen["digests"]["sha256"],
        half=split_half(document["info"]["name"]),
    )


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(app: App, archive: Path) -> None:
    """Download to a temporary name and keep it only when the sha256 matches the manifest."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".part")
    digest = hashlib.sha256()
    with _open(app.url) as response, partial.open("wb") as out:
        try:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        except OSError as exc:
            raise EcosystemError(f"{app.url}: network failure: {exc}") from None
    if digest.hexdigest() != app.sha256:
        partial.unlink()
        raise EcosystemError(f"{app.filename}: sha256 {digest.hexdigest()} does not match the manifest")
    partial.replace(archive)


# --------------------------------------------------------------------------- extraction


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path to write an archive member to, or None when it would escape.

    Absolute names, drive letters and ``..`` anywhere are refused rather than
    cleaned: an archive that tries them is not one we want to half-trust.
    """
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def strip_common_root(paths: Sequence[PurePosixPath]) -> int:
    """1 when every member sits under one top directory (the sdist's ``name-version/``), else 0."""
    tops = {p.parts[0] for p in paths}
    return 1 if len(tops) == 1 and all(len(p.parts) > 1 for p in paths) else 0


@dataclass
class Member:
    """A regular file to extract, whatever the archive format."""

    path: PurePosixPath
    size: int
    open: Any  # () -> binary file object


def tar_members(archive: tarfile.TarFile) -> Iterator[tuple[str, bool, int, Any]]:
    """(name, is_regular_file, size, opener) for a tar; links and devices are not regular."""
    for info in archive.getmembers():
        yield info.name, info.isreg(), info.size, (lambda info=info: archive.extractfile(info))


def zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[str, bool, int, Any]]:
    """(name, is_regular_file, size, opener) for a zip; symlinks are flagged in the Unix mode bits."""
    for info in archive.infolist():
        mode = info.external_attr >> 16
        regular = not info.is_dir() and not stat.S_ISLNK(mode)
        yield info.filename, regular, info.file_size, (lambda info=info: archive.open(info))


def plan_members(raw: Iterable[tuple[str, bool, int, Any]]) -> tuple[list[Member], list[str]]:
    """Keep regular files with safe paths under the size cap; report what was skipped and why."""
    kept: list[Member] = []
    skipped: list[str] = []
    for name, regular, size, opener in raw:
        if not regular:
            continue  # directories are created on demand; links and devices are never written
        path = safe_member_path(name)
        if path is None:
            skipped.append(f"unsafe path {name!r}")
        elif size > MAX_MEMBER_BYTES:
            skipped.append(f"{name} ({size // (1024 * 1024)} MB)")
        else:
            kept.append(Member(path, size, opener))
    depth = strip_common_root([m.path for m in kept]) if kept else 0
    for member in kept:
        member.path = PurePosixPath(*member.path.parts[depth:])
    return kept, skipped


def extract(archive: Path, target: Path) -> list[str]:
    """Extract an sdist/wheel into a fresh ``target``; returns the skipped members.

    Extraction goes to a sibling temporary directory that is renamed at the end,
    so an interrupted run never leaves a half tree that looks complete.
    """
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        try:
            with archive_members(archive) as raw:
                members, skipped = plan_members(raw)
                for member in members:
                    _write_member(staging, member)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise EcosystemError(f"{archive.name}: cannot extract: {exc}") from None
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return skipped


@contextlib.contextmanager
def archive_members(archive: Path) -> Iterator[Iterator[tuple[str, bool, int, Any]]]:
    """The member tuples of a .tar.gz/.tar.bz2/.zip/.whl archive, closing it afterwards."""
    if archive.name.endswith((".zip", ".whl")):
        with zipfile.ZipFile(archive) as zipped:
            yield zip_members(zipped)
    else:
        with tarfile.open(archive) as tarred:
            yield tar_members(tarred)


def _write_member(root: Path, member: Member) -> None:
    """Write one regular file below ``root``, never following an existing link."""
    destination = root.joinpath(*member.path.parts)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.is_symlink():
        destination.unlink()
    source = member.open()
    if source is None:
        return
    with source, destination.open("wb") as out:
        shutil.copyfileobj(source, out)
    destination.chmod(0o644)


# --------------------------------------------------------------------------- corpus layout


def default_corpus_dir() -> Path:
    """$FLASK_DOCTOR_CORPUS, else a cache directory: never inside the repository."""
    env = os.environ.get("FLASK_DOCTOR_CORPUS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "flask-doctor-ecosystem"


def archive_path(corpus: Path, app: App) -> Path:
    """Where the downloaded archive of ``app`` is kept."""
    return corpus / "dl" / app.filename


def tree_path(corpus: Path, app: App) -> Path:
    """The extracted root of ``app``; the checker runs with this as its cwd."""
    return corpus / "apps" / app.dirname


def _stamp_path(corpus: Path, app: App) -> Path:
    """Marker written after a complete extraction, outside the tree the checker reads."""
    return corpus / "apps" / f".{app.dirname}.ok"


def is_extracted(corpus: Path, app: App) -> bool:
    """True when the tree was extracted from exactly the pinned archive."""
    stamp = _stamp_path(corpus, app)
    return stamp.is_file() and stamp.read_text().strip() == app.sha256 and tree_path(corpus, app).is_dir()


def ensure(corpus: Path, app: App, say: Any = print) -> None:
    """Download, verify and extract one app unless already done (idempotent)."""
    if is_extracted(corpus, app):
        say(f"{app.key}: ok ({app.filename})")
        return
    archive = archive_path(corpus, app)
    if archive.is_file() and sha256_of(archive) == app.sha256:
        say(f"{app.key}: archive present, verified")
    else:
        say(f"{app.key}: downloading {app.filename}")
        fetch(app, archive)
    target = tree_path(corpus, app)
    target.parent.mkdir(parents=True, exist_ok=True)
    skipped = extract(archive, target)
    for reason in skipped:
        say(f"{app.key}: skipped {reason}")
    _stamp_path(corpus, app).write_text(app.sha256 + "\n")
    say(f"{app.key}: extracted to {target}")


# --------------------------------------------------------------------------- stats


_FLASK_IMPORT = re.compile(r"^\s*(from\s+flask(\.\w+)?\s+import|import\s+flask\b)", re.MULTILINE)
_FLASK_APP = re.compile(r"\b(Flask|Blueprint)\s*\(|\.route\s*\(|add_url_rule\s*\(|MethodView\b")


def tree_stats(root: Path) -> dict[str, int]:
    """Python files and lines of a tree, and how many files import Flask / define routes.

    The last two are the evidence that an app is a Flask application at all.
    """
    files = lines = flask_imports = flask_defs = 0
    for path in sorted(root.rglob("*.py")):
        if not path.is_file() or path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        files += 1
        lines += text.count("\n")
        if _FLASK_IMPORT.search(text):
            flask_imports += 1
            flask_defs += bool(_FLASK_APP.search(text))
    return {"files": files, "lines": lines, "flask_imports": flask_imports, "flask_defs": flask_defs}


# --------------------------------------------------------------------------- running the checker


def default_checker() -> str:
    """This interpreter's flask_doctor: the working tree when installed editable."""
    return f"{shlex.quote(sys.executable)} -m flask_doctor check"


def checker_argv(checker: str, output: Path, preview: bool) -> list[str]:
    """The command line: the user's prefix plus the machine-readable options every version has."""
    argv = shlex.split(checker) + ["--format", "json", "--no-color", "--quiet", "--output", str(output)]
    return argv + (["--preview"] if preview else [])


def source_line(root: Path, path: str, line: int, cache: dict[str, list[str]]) -> str:
    """Whitespace-normalised text of ``path:line`` under ``root`` ('' for file-level findings)."""
    if path not in cache:
        try:
            cache[path] = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return " ".join(lines[line - 1].split()) if 0 < line <= len(lines) else ""


def fingerprint(app: str, code: str, path: str, text: str, occurrence: int = 0) -> str:
    """Identity of a finding across runs and versions: not its line number, not its message.

    Lines added above a finding or a reworded message keep the verdict attached;
    ``occurrence`` separates identical lines flagged twice in one file.
    """
    basis = "\x1f".join([app, code, path, text] + ([str(occurrence)] if occurrence else []))
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


def records_from_report(app: App, root: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    """One JSONL record per reported (unsilenced) finding, with a stable fingerprint."""
    cache: dict[str, list[str]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    records = []
    findings = [f for f in report.get("findings", []) if not f.get("suppressed")]
    findings.sort(key=lambda f: (f["code"], (f.get("location") or {}).get("path", ""), _line(f)))
    for item in findings:
        location = item.get("location") or {}
        path, line = location.get("path", ""), _line(item)
        text = source_line(root, path, line, cache)
        occurrence = seen[(item["code"], path, text)]
        seen[(item["code"], path, text)] += 1
        records.append(
            {
                "kind": "finding",
                "app": app.key,
                "half": app.half,
                "code": item["code"],
                "name": item.get("name", ""),
                "severity": item.get("severity", ""),
                "path": path,
                "line": line,
                "message": item.get("message", ""),
                "fingerprint": fingerprint(app.key, item["code"], path, text, occurrence),
                "related": related_places(item, path, line),
            }
        )
    return records


def related_places(item: dict[str, Any], path: str, line: int, limit: int = 12) -> list[list[Any]]:
    """The other places a finding's evidence points at (a call chain's view, the query a loop runs), at most ``limit``.

    A reviewer may name the view that calls a blocking helper where the finding
    names the helper; the recall count can match either place.
    """
    places: list[list[Any]] = []
    for evidence in item.get("evidence") or []:
        location = evidence.get("location") if isinstance(evidence, dict) else None
        if not isinstance(location, dict) or not location.get("path"):
            continue
        place = [str(location["path"]), int(location.get("line") or 0)]
        if place != [path, line] and place not in places:
            places.append(place)
        if len(places) >= limit:
            break
    return places


def _line(item: dict[str, Any]) -> int:
    """The finding's line, 0 when it has none."""
    return int((item.get("location") or {}).get("line") or 0)


def run_one(app: App, root: Path, checker: str, preview: bool, timeout: int) -> list[dict[str, Any]]:
    """Run the checker on one tree; returns its findings plus one ``run`` status record last."""
    status: dict[str, Any] = {"kind": "run", "app": app.key, "half": app.half, "version": app.version}
    with tempfile.TemporaryDirectory(prefix="fd-eco-") as scratch:
        output = Path(scratch) / "report.json"
        started = time.monotonic()
        try:
            returncode, stderr = run_bounded(checker_argv(checker, output, preview), root, timeout)
        except subprocess.TimeoutExpired:
            return [status | {"status": "timeout", "seconds": round(time.monotonic() - started, 1)}]
        except OSError as exc:
            raise EcosystemError(f"cannot start the checker `{checker}`: {exc}") from None
        status["seconds"] = round(time.monotonic() - started, 1)
        status["exit"] = returncode
        report = _read_report(output) if returncode in (0, 1) else None
    if report is None:
        tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
        return [status | {"status": "crash", "error": tail[:500]}]
    records = records_from_report(app, root, report)
    summary = report.get("summary", {})
    rule_errors = sum(r["code"] == INTERNAL_ERROR for r in records)
    status |= {
        "status": "ok",
        "findings": len(records),
        "files": summary.get("files"),
        "rule_errors": rule_errors,
    }
    return records + [status]


def absolute_search_path(value: str) -> str:
    """A PYTHONPATH whose entries are absolute, resolved against the current directory."""
    return os.pathsep.join(str(Path(entry).resolve()) if entry else entry for entry in value.split(os.pathsep))


def run_bounded(argv: list[str], cwd: Path, timeout: int) -> tuple[int, str]:
    """Run a command in its own process group; on timeout kill the whole group.

    The checker may fork workers (``--jobs``); killing only the direct child
    would leave them running after the timeout.
    """
    # The rules' own severities are measured, not the ones precision.json caps (that would
    # measure the table with itself): see flask_doctor.catalogue.precision.
    # No cache either: a measurement is fresh, and nothing is written into the corpus trees.
    env = {**os.environ, "FLASK_DOCTOR_OWN_SEVERITIES": "1", "FLASK_DOCTOR_NO_CACHE": "1"}
    if env.get("PYTHONPATH"):
        # The checker runs in each app's root: a relative PYTHONPATH (``PYTHONPATH=src`` in a
        # checkout) would silently point nowhere there and measure the installed flask-doctor.
        env["PYTHONPATH"] = absolute_search_path(env["PYTHONPATH"])
    with subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return proc.returncode, stderr


def _read_report(path: Path) -> dict[str, Any] | None:
    """The JSON report, or None when the checker wrote none or garbage."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_all(
    apps: Sequence[App], corpus: Path, checker: str, preview: bool, jobs: int, timeout: int
) -> Iterator[list[dict[str, Any]]]:
    """Run the checker over apps, ``jobs`` at a time; yields each app's records in manifest order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for app in apps:
            root = tree_path(corpus, app)
            if not is_extracted(corpus, app):
                missing = {"kind": "run", "app": app.key, "half": app.half, "version": app.version}
                futures.append(pool.submit(lambda m=missing: [m | {"status": "missing"}]))
            else:
                futures.append(pool.submit(run_one, app, root, checker, preview, timeout))
        for future in futures:
            yield future.result()


# --------------------------------------------------------------------------- results and ledger


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSONL file; a broken line is a one-line error naming it."""
    records = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise EcosystemError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    raise EcosystemError(f"{path}:{number}: not a JSON object") from None
    return records


def parse_ledger(records: Iterable[dict[str, Any]], source: str = "ledger") -> dict[str, dict[str, Any]]:
    """Verdicts by fingerprint; unknown verdicts are errors.

    The ledger is append-only: a finding judged again (its message or evidence changed) gets a second
    entry, and the last one counts, as in ``precision_table.py``. A second entry for the same fingerprint
    under another app or rule is an error (a fingerprint names one finding of one rule in one app).
    """
    ledger: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(records, start=1):
        missing = [k for k in ("fingerprint", "app", "rule", "verdict", "reason") if k not in entry]
        if missing:
            raise EcosystemError(f"{source}: entry {number}: missing {', '.join(missing)}")
        if entry["verdict"] not in VERDICTS:
            raise EcosystemError(f"{source}: entry {number}: verdict must be one of {', '.join(VERDICTS)}")
        earlier = ledger.get(entry["fingerprint"])
        if earlier is not None and (earlier["app"], earlier["rule"]) != (entry["app"], entry["rule"]):
            raise EcosystemError(
                f"{source}: entry {number}: fingerprint {entry['fingerprint']} judged before for another app or rule"
            )
        ledger[entry["fingerprint"]] = entry
    return ledger


def load_ledger(path: Path) -> dict[str, dict[str, Any]]:
    """The ledger file, created empty when absent (a fresh corpus has no verdicts yet)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return parse_ledger(read_jsonl(path), str(path))


@dataclass
class LedgerDiff:
    """What a run shows against the ledger."""

    new: list[dict[str, Any]]
    gone: list[dict[str, Any]]


def ledger_diff(results: Sequence[dict[str, Any]], ledger: dict[str, dict[str, Any]]) -> LedgerDiff:
    """Findings with no verdict yet, and verdicts whose finding the run no longer produces.

    "Gone" only counts apps that ran successfully: a crash or a partial ``--half``
    run must not look like findings that disappeared.
    """
    findings = [r for r in results if r.get("kind") == "finding"]
    ran = {r["app"] for r in results if r.get("kind") == "run" and r.get("status") == "ok"}
    produced = {f["fingerprint"] for f in findings}
    new = [f for f in findings if f["fingerprint"] not in ledger]
    gone = [e for fp, e in ledger.items() if e["app"] in ran and fp not in produced]
    return LedgerDiff(new=new, gone=gone)


@dataclass
class Tally:
    """Counts of one (half, rule) cell; precision needs every judged finding."""

    findings: int = 0
    true: int = 0
    wrong: int = 0
    debatable: int = 0

    @property
    def judged(self) -> int:
        return self.true + self.wrong + self.debatable

    @property
    def precision(self) -> float | None:
        """true / judged, None when nothing is judged; 'debatable' counts against the rule."""
        return self.true / self.judged if self.judged else None

    def add(self, verdict: str | None) -> None:
        self.findings += 1
        if verdict in VERDICTS:
            setattr(self, verdict, getattr(self, verdict) + 1)


def precision_table(
    results: Sequence[dict[str, Any]], ledger: dict[str, dict[str, Any]], loud_only: bool = False
) -> dict[tuple[str, str], Tally]:
    """Tallies by (half, rule) plus (half, "all"), optionally only warnings and errors."""
    table: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for finding in results:
        if finding.get("kind") != "finding":
            continue
        if loud_only and finding.get("severity") not in LOUD:
            continue
        verdict = ledger.get(finding["fingerprint"], {}).get("verdict")
        table[(finding["half"], finding["code"])].add(verdict)
        table[(finding["half"], "all")].add(verdict)
    return dict(table)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool) -> str:
    """A Markdown table, or the same columns aligned for a terminal."""
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    render = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in [list(headers), *cells]]
    return "\n".join(render)


def precision_rows(table: dict[tuple[str, str], Tally]) -> list[list[object]]:
    """Rows sorted by half then rule, with the half's total last."""
    rows = []
    for half in HALVES:
        rules = sorted(rule for h, rule in table if h == half and rule != "all")
        for rule in [*rules, "all"]:
            if (half, rule) in table:
                t = table[(half, rule)]
                rows.append([half, rule, t.findings, t.judged, t.true, t.wrong, t.debatable, _percent(t.precision)])
    return rows


def describe(finding: dict[str, Any]) -> str:
    """One line naming a finding for humans."""
    message = finding.get("message", "")
    message = message if len(message) <= 140 else message[:137] + "..."
    return (
        f"{finding['app']} {finding['code']} {finding['path']}:{finding['line']} [{finding['fingerprint']}] {message}"
    )


# --------------------------------------------------------------------------- compare


def is_finding(record: dict[str, Any]) -> bool:
    """A finding of a run: ``kind: finding``, or a row of a slim run (``runs/current.jsonl``, which keeps
    findings only and drops ``kind``)."""
    return record.get("kind", "finding" if "fingerprint" in record else None) == "finding"


def finding_keys(results: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Findings of a run by fingerprint (fingerprints are unique within a run)."""
    return {r["fingerprint"]: r for r in results if is_finding(r)}


def compare_runs(
    before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Findings added and removed between two runs, plus apps whose run status changed."""
    old, new = finding_keys(before), finding_keys(after)
    added = [new[k] for k in sorted(new.keys() - old.keys(), key=lambda k: _order(new[k]))]
    removed = [old[k] for k in sorted(old.keys() - new.keys(), key=lambda k: _order(old[k]))]
    status_old = {r["app"]: r.get("status") for r in before if r.get("kind") == "run"}
    status_new = {r["app"]: r.get("status") for r in after if r.get("kind") == "run"}
    if not status_old or not status_new:
        return added, removed, []  # a slim run records no app status: nothing to compare it with
    changed = [
        f"{app}: {status_old.get(app, 'absent')} -> {status_new.get(app, 'absent')}"
        for app in sorted(status_old.keys() | status_new.keys())
        if status_old.get(app) != status_new.get(app)
    ]
    return added, removed, changed


def _order(record: dict[str, Any]) -> tuple[str, str, int, str]:
    return (record["app"], record["path"], record["line"], record["code"])


def moved_fingerprints(
    before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Fingerprints both runs have, at different places: (before, after) pairs.

    A fingerprint counts the findings of one rule on the same line text in a file, so removing the
    first of two identical lines' findings gives the second one the first one's fingerprint: the
    ledger's verdict for it then labels another finding. Such pairs need their verdicts moved (or a
    new judgement), and ``compare`` lists them apart from findings added or removed.
    """
    old, new = finding_keys(before), finding_keys(after)
    shared = sorted(old.keys() & new.keys(), key=lambda k: _order(new[k]))
    return [(old[key], new[key]) for key in shared if _order(old[key]) != _order(new[key])]


# --------------------------------------------------------------------------- commands


def cmd_pin(args: argparse.Namespace) -> int:
    """Add or refresh manifest entries from PyPI (newest release unless ==VERSION)."""
    apps = {a.key: a for a in (load_manifest(args.manifest) if args.manifest.exists() else [])}
    failures = 0
    for spec in args.specs:
        try:
            app = pin(spec)
        except EcosystemError as exc:
            failures += 1
            print(f"{spec}: FAILED: {exc}", file=sys.stderr)
            continue
        apps[app.key] = app
        print(f"{app.key} {app.version} {app.filename} half={app.half}")
    for spec in args.remove or []:
        apps.pop(normalize_name(spec), None)
    args.manifest.write_text(render_manifest(apps.values()), encoding="utf-8")
    return 2 if failures else 0


def cmd_download(args: argparse.Namespace) -> int:
    """Fetch, verify and extract every selected app that is not there yet."""
    apps = selected(load_manifest(args.manifest), args.only)
    failures = 0
    for app in apps:
        try:
            ensure(args.corpus_dir, app)
        except EcosystemError as exc:
            failures += 1
            print(f"{app.key}: FAILED: {exc}", file=sys.stderr)
    print(f"{len(apps) - failures}/{len(apps)} apps ready in {args.corpus_dir}")
    return 2 if failures else 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Size of each extracted app and its Flask evidence, as a table."""
    rows, totals = [], Counter[str]()
    for app in selected(load_manifest(args.manifest), args.only, args.half):
        if not is_extracted(args.corpus_dir, app):
            rows.append([app.key, app.version, app.half, "-", "-", "-", "-"])
            continue
        stats = tree_stats(tree_path(args.corpus_dir, app))
        totals.update(stats)
        totals["apps"] += 1
        rows.append([app.key, app.version, app.half, *stats.values()])
    rows.append(["total", "", f"{totals['apps']} apps", *(totals[k] for k in tree_stats_keys())])
    headers = ["app", "version", "half", "py files", "lines", "import flask", "app/routes"]
    print(format_table(headers, rows, args.markdown))
    return 0


def tree_stats_keys() -> tuple[str, ...]:
    return ("files", "lines", "flask_imports", "flask_defs")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the checker over the corpus and write findings + per-app status lines."""
    apps = selected(load_manifest(args.manifest), args.only, args.half)
    checker = args.checker or default_checker()
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    counts: Counter[str] = Counter()
    try:
        for records in run_all(apps, args.corpus_dir, checker, args.preview, args.jobs, args.timeout):
            for record in records:
                out.write(json.dumps(record, sort_keys=True) + "\n")
            status = records[-1]
            counts[status["status"]] += 1
            detail = status.get("error", "")
            if status["status"] == "ok":
                detail = f"{status['findings']} findings, {status['rule_errors']} rule errors ({INTERNAL_ERROR})"
            print(
                f"{status['app']:28} {status['status']:8} {status.get('seconds', 0):7.1f}s  {detail}",
                file=sys.stderr,
            )
    finally:
        if args.out:
            out.close()
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())), file=sys.stderr)
    return 0 if set(counts) <= {"ok"} else 1


def cmd_diff(args: argparse.Namespace) -> int:
    """New findings to judge, verdicts gone stale, and precision per rule and half."""
    results = read_jsonl(args.results)
    ledger = load_ledger(args.ledger)
    diff = ledger_diff(results, ledger)
    md = args.markdown
    print(f"{'## ' if md else ''}New findings (no verdict yet): {len(diff.new)}")
    for finding in diff.new:
        print(("- " if md else "  ") + describe(finding))
    print(f"\n{'## ' if md else ''}Verdicts whose finding is gone: {len(diff.gone)}")
    for entry in diff.gone:
        print(("- " if md else "  ") + f"{entry['app']} {entry['rule']} [{entry['fingerprint']}] {entry['reason']}")
    headers = ["half", "rule", "findings", "judged", "true", "wrong", "debatable", "precision"]
    for title, loud in (("all severities", False), ("warning and above", True)):
        print(f"\n{'## ' if md else ''}Precision, {title}\n")
        print(format_table(headers, precision_rows(precision_table(results, ledger, loud)), md))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Exit 1 when two runs differ in any finding or app status (a refactor must change none)."""
    added, removed, changed = compare_runs(read_jsonl(args.before), read_jsonl(args.after))
    for label, items in (("added", added), ("removed", removed)):
        print(f"{label}: {len(items)}")
        for finding in items:
            print("  " + describe(finding))
    print(f"status changed: {len(changed)}")
    for line in changed:
        print("  " + line)
    moved = moved_fingerprints(read_jsonl(args.before), read_jsonl(args.after))
    print(f"fingerprints moved to another place (their verdicts now label another finding): {len(moved)}")
    for old, new in moved:
        print(f"  {describe(new)} (was {old['path']}:{old['line']})")
    return 1 if added or removed or changed or moved else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="corpus manifest (TOML)")
    commands = parser.add_subparsers(dest="command", required=True)

    def corpus_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--corpus-dir", type=Path, default=default_corpus_dir())
        sub.add_argument("--only", nargs="+", metavar="NAME", help="only these apps")
        return sub

    pin_cmd = commands.add_parser("pin", help="add or refresh manifest entries from PyPI")
    pin_cmd.add_argument("specs", nargs="*", metavar="NAME[==VERSION]")
    pin_cmd.add_argument("--remove", nargs="+", metavar="NAME", help="drop apps from the manifest")
    pin_cmd.set_defaults(func=cmd_pin)
    corpus_command("download", "fetch, verify and extract missing apps").set_defaults(func=cmd_download)
    stats = corpus_command("stats", "files, lines and Flask evidence per extracted app")
    stats.add_argument("--half", choices=("tune", "held", "all"), default="all")
    stats.add_argument("--markdown", action="store_true")
    stats.set_defaults(func=cmd_stats)
    run = corpus_command("run", "run the checker over the corpus")
    run.add_argument("--half", choices=("tune", "held", "all"), default="all")
    run.add_argument("--checker", help="command prefix ending in the `check` subcommand")
    run.add_argument("--out", type=Path, help="JSONL results file (default: stdout)")
    run.add_argument("--preview", action="store_true", help="also run preview rules")
    run.add_argument("--jobs", type=int, default=1, help="apps checked in parallel")
    run.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per app")
    run.set_defaults(func=cmd_run)
    diff = commands.add_parser("diff", help="findings without verdict, stale verdicts, precision")
    diff.add_argument("--results", type=Path, required=True)
    diff.add_argument("--ledger", type=Path, default=LEDGER)
    diff.add_argument("--markdown", action="store_true")
    diff.set_defaults(func=cmd_diff)
    compare = commands.add_parser("compare", help="findings added/removed between two runs")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    compare.set_defaults(func=cmd_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except EcosystemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Settings: discovery of the config file, validation, selection semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_doctor.config import (
    ConfigError,
    PathGlob,
    Settings,
    find_config_file,
    load_settings,
    merge_cli,
)
from flask_doctor.findings import Severity

KNOWN = {"FD001", "FD003", "FD201", "FD202", "FD203", "FD301", "FD302", "FD305", "FD407", "FD601"}


def known() -> set[str]:
    return set(KNOWN)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------- loading
def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    settings = load_settings(tmp_path)
    assert settings == Settings(root=tmp_path)
    assert settings.source is None
    assert settings.respect_gitignore is True and settings.preview is False


def test_root_is_nearest_pyproject_when_it_has_no_section(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[project]\nname = 'shop'\n")
    settings = load_settings(tmp_path / "src")
    assert settings.root == tmp_path.absolute()
    assert settings.source is None


def test_reads_every_key_in_kebab_case(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "shop"

[tool.flask-doctor]
select = ["FD2", "fd301"]
extend-select = ["FD407"]
ignore = ["FD203"]
per-file-ignores = { "tests/**" = ["FD3"], "__init__.py" = ["FD601"] }
exclude = ["migrations"]
extend-exclude = ["scripts/*.py"]
severity = { FD201 = "note", FD3 = "error" }
production-configs = ["ProductionConfig"]
development-configs = ["DevConfig"]
testing-configs = ["TestConfig"]
fail-level = "ERROR"
respect-gitignore = false
preview = true
audit-silenced = ["FD305"]

[tool.flask-doctor.audit]
silenced = ["FD305:config:DEBUG"]
""",
    )
    app_dir = tmp_path / "app" / "views"
    app_dir.mkdir(parents=True)
    settings = load_settings(app_dir, known_codes=known)
    assert settings == Settings(
        select=["FD2", "FD301"],
        ignore=["FD203"],
        extend_select=["FD407"],
        per_file_ignores={"tests/**": ["FD3"], "__init__.py": ["FD601"]},
        exclude=["migrations"],
        extend_exclude=["scripts/*.py"],
        severity={"FD201": Severity.NOTE, "FD3": Severity.ERROR},
        production_configs=["ProductionConfig"],
        development_configs=["DevConfig"],
        testing_configs=["TestConfig"],
        fail_level="error",
        respect_gitignore=False,
        preview=True,
        audit_silenced=["FD305"],
        root=tmp_path.absolute(),
        source=(tmp_path / "pyproject.toml").absolute(),
        sections={"audit": {"silenced": ["FD305:config:DEBUG"]}},
    )


def test_search_skips_pyproject_without_section_but_stops_at_git(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.flask-doctor]\nignore = ['FD201']\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / "pyproject.toml", "[project]\nname='x'\n")
    write(repo / "pkg" / "pyproject.toml", "[project]\nname='pkg'\n")
    # Nothing inside the repository configures flask-doctor: the file above
    # the repository must not leak in.
    assert find_config_file(repo / "pkg") is None
    settings = load_settings(repo / "pkg")
    assert settings.ignore == [] and settings.root == (repo / "pkg").absolute()

    write(repo / "pyproject.toml", "[tool.flask-doctor]\nignore = ['FD202']\n")
    settings = load_settings(repo / "pkg" / "module.py")
    assert settings.ignore == ["FD202"]
    assert settings.root == repo.absolute()


def test_standalone_file_wins_over_pyproject_in_same_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[tool.flask-doctor]\nignore = ['FD201']\n")
    write(tmp_path / "flask-doctor.toml", "ignore = ['FD202']\n")
    assert load_settings(tmp_path).ignore == ["FD202"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flask-doctor.toml", 'select = ["FD3"]\n'),
        ("ci.toml", '[tool.flask-doctor]\nselect = ["FD3"]\n'),
        ("pyproject.toml", '[tool.flask-doctor]\nselect = ["FD3"]\n'),
    ],
)
def test_explicit_config(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path / "conf" / name, text)
    settings = load_settings(tmp_path, explicit=path, known_codes=known)
    assert settings.select == ["FD3"]
    assert settings.source == path
    assert settings.root == path.parent.absolute()


def test_explicit_pyproject_without_section_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load_settings(tmp_path, explicit=path).select == []


def test_explicit_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path, explicit=tmp_path / "nope.toml")


# ---------------------------------------------------------------- validation
def config_error(tmp_path: Path, body: str, *, codes: bool = True) -> ConfigError:
    path = write(tmp_path / "pyproject.toml", "[tool.flask-doctor]\n" + body)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, explicit=path, known_codes=known if codes else None)
    return info.value


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    error = config_error(tmp_path, "per_file_ignores = {}\n")
    assert "unknown key 'per_file_ignores'" in str(error)
    assert "did you mean 'per-file-ignores'?" in str(error)
    assert str(tmp_path / "pyproject.toml") in str(error)
    assert error.key == "per_file_ignores"

    error = config_error(tmp_path, 'selct = ["FD2"]\n')
    assert "did you mean 'select'?" in str(error)


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    error = config_error(tmp_path, "zzz = 1\n")
    assert "known keys:" in str(error) and "per-file-ignores" in str(error)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('select = "FD2"\n', "'select' must be an array of strings, got a string (write select = [\"FD2\"])"),
        ("ignore = [1]\n", "'ignore' must be an array of strings, got an array"),
        ('preview = "yes"\n', "'preview' must be true or false, got a string"),
        ("fail-level = 3\n", "'fail-level' must be a string, got an integer"),
        ('fail-level = "fatal"\n', "'fail-level': unknown severity 'fatal'"),
        ('severity = "note"\n', "'severity' must be a table"),
        ('severity = { FD201 = "loud" }\n', "'severity.FD201': unknown severity 'loud'"),
        ("severity = { FD201 = 1 }\n", "'severity.FD201' must be a string"),
        ('per-file-ignores = ["tests"]\n', "'per-file-ignores' must be a table"),
        ('per-file-ignores = { "tests/*" = "FD2" }\n', "must be an array of strings"),
        ('select = ["E501"]\n', "'select': 'E501' is not a rule id or prefix"),
        ('select = ["FD2011"]\n', "is not a rule id or prefix"),
    ],
)
def test_type_errors_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    assert message in str(config_error(tmp_path, body))


def test_unknown_rule_ids_are_rejected_with_a_suggestion(tmp_path: Path) -> None:
    error = config_error(tmp_path, 'ignore = ["FD209"]\n')
    assert "'ignore': unknown rule id FD209; did you mean FD203?" in str(
        error
    ) or "'ignore': unknown rule id FD209; did you mean FD201?" in str(error)
    error = config_error(tmp_path, 'per-file-ignores = { "x.py" = ["FD9"] }\n')
    assert "unknown rule id FD9" in str(error)
    error = config_error(tmp_path, 'severity = { FD999 = "note" }\n')
    assert "unknown rule id FD999" in str(error)


def test_prefixes_are_valid_when_some_rule_has_them(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.flask-doctor]\nselect = ["FD", "FD2", "FD20", "ALL"]\n')
    assert load_settings(tmp_path, explicit=path, known_codes=known).select == ["FD", "FD2", "FD20", "ALL"]


def test_without_known_codes_only_the_shape_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.flask-doctor]\nignore = ["FD999"]\n')
    assert load_settings(tmp_path, explicit=path).ignore == ["FD999"]


def test_toml_syntax_error_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.flask-doctor]\nselect = ["FD2"\nignore = []\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, explicit=path)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: invalid TOML:")


def test_syntax_error_found_by_search_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[tool.flask-doctor\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path)


def test_underscore_table_name_is_called_out(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.flask_doctor]\nselect = []\n")
    with pytest.raises(ConfigError, match=r"did you mean \[tool.flask-doctor\]"):
        load_settings(tmp_path, explicit=path)


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"[tool.flask-doctor]\nselect = ['\xff']\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_settings(tmp_path, explicit=path)


# ----------------------------------------------------------------- selection
@pytest.mark.parametrize(
    ("select", "extend", "ignore", "code", "enabled"),
    [
        ([], [], [], "FD201", True),
        (["FD2"], [], [], "FD201", True),
        (["FD2"], [], [], "FD301", False),
        (["FD2"], [], ["FD201"], "FD201", False),  # more specific ignore wins
        (["FD2"], [], ["FD201"], "FD202", True),
        (["FD201"], [], ["FD2"], "FD201", True),  # more specific select wins
        (["FD201"], [], ["FD201"], "FD201", False),  # equal: ignore wins
        (["FD3"], ["FD201"], [], "FD201", True),
        (["FD3"], ["FD201"], [], "FD202", False),
        ([], [], ["FD2"], "FD202", False),
        ([], ["FD202"], ["FD2"], "FD202", True),
        (["ALL"], [], ["FD"], "FD301", False),
        ([], [], ["ALL"], "FD301", False),
    ],
)
def test_is_enabled_specificity(
    select: list[str], extend: list[str], ignore: list[str], code: str, enabled: bool
) -> None:
    settings = Settings(select=select, extend_select=extend, ignore=ignore, root=Path("/proj"))
    assert settings.is_enabled(code) is enabled


@pytest.mark.parametrize(
    ("path", "code", "enabled"),
    [
        ("tests/test_views.py", "FD302", False),
        ("tests/unit/deep/test_x.py", "FD301", False),
        ("tests/test_views.py", "FD201", True),
        ("app/__init__.py", "FD601", False),
        ("app/views.py", "FD601", True),
        ("migrations/versions/abc.py", "FD201", False),
        ("app/migrations_helper.py", "FD201", True),
        ("/proj/tests/test_views.py", "FD302", False),  # absolute paths are made relative
        ("/elsewhere/tests/test_views.py", "FD302", True),
        ("scripts/seed.py", "FD201", False),
        ("scripts/tools/seed.py", "FD201", False),  # fnmatch: * crosses /
    ],
)
def test_per_file_ignores(path: str, code: str, enabled: bool) -> None:
    settings = Settings(
        per_file_ignores={
            "tests/**": ["FD3"],
            "__init__.py": ["FD601"],
            "migrations/": ["FD"],
            "scripts/*.py": ["FD201"],
        },
        root=Path("/proj"),
    )
    assert settings.is_enabled(code, path) is enabled


def test_severity_for_prefers_the_most_specific_override() -> None:
    settings = Settings(severity={"FD3": Severity.NOTE, "FD302": Severity.ERROR})
    assert settings.severity_for("FD302", Severity.WARNING) is Severity.ERROR
    assert settings.severity_for("FD301", Severity.ERROR) is Severity.NOTE
    assert settings.severity_for("FD201", Severity.WARNING) is Severity.WARNING


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        (".mypy_cache", "a/.mypy_cache/x.json", True),
        ("test_*.py", "pkg/tests/test_app.py", True),
        ("test_*.py", "pkg/tests/app_test.py", False),
        ("app/legacy", "app/legacy/views.py", True),
        ("app/legacy", "other/app/legacy/views.py", False),
        ("/app/legacy/", "app/legacy", True),
        ("**/generated/*.py", "generated/a.py", True),
        ("**/generated/*.py", "x/y/generated/a.py", True),
        ("a/**/b.py", "a/b.py", True),
        ("a/**/b.py", "a/x/y/b.py", True),
        ("./examples", "examples/clinic/app.py", True),
        ("file[0-9].py", "file3.py", True),
        ("file[!0-9].py", "file3.py", False),
    ],
)
def test_path_glob(pattern: str, path: str, matches: bool) -> None:
    assert PathGlob(pattern).matches(path) is matches


def test_is_excluded_uses_both_lists() -> None:
    settings = Settings(exclude=["tests/fixtures"], extend_exclude=["*.gen.py"], root=Path("/proj"))
    assert settings.is_excluded("/proj/tests/fixtures/app.py")
    assert settings.is_excluded("src/x.gen.py")
    assert not settings.is_excluded("src/x.py")


# ----------------------------------------------------------------------- CLI
def test_merge_cli_select_replaces_and_ignore_adds() -> None:
    base = Settings(
        select=["FD2"],
        extend_select=["FD407"],
        ignore=["FD203", "FD301"],
        exclude=["migrations"],
        extend_exclude=["build2"],
        fail_level="error",
    )
    merged = merge_cli(
        base, select=["FD3,fd201"], ignore=["FD302"], extend_select=["FD601"], exclude=["vendor"], fail_level="note"
    )
    assert merged.select == ["FD3", "FD201"]
    assert merged.extend_select == ["FD601"]
    # Only a file ignore identical to a --select entry is dropped; FD301 is
    # more specific than --select FD3 and stays ignored.
    assert merged.ignore == ["FD203", "FD301", "FD302"]
    assert merged.exclude == ["vendor"] and merged.extend_exclude == ["build2"]
    assert merged.fail_level == "note"
    assert base.select == ["FD2"]  # the original is untouched
    assert merged.is_enabled("FD201") and not merged.is_enabled("FD202")


def test_merge_cli_select_wins_over_identical_file_ignore() -> None:
    merged = merge_cli(Settings(ignore=["FD201"]), select=["FD201"])
    assert merged.is_enabled("FD201")


def test_merge_cli_without_options_keeps_everything() -> None:
    base = Settings(select=["FD2"], ignore=["FD201"], extend_select=["FD3"], fail_level="error")
    assert merge_cli(base) == base


def test_merge_cli_extend_select_adds_to_file() -> None:
    merged = merge_cli(Settings(select=["FD2"], extend_select=["FD3"]), extend_select=["FD4"])
    assert merged.select == ["FD2"] and merged.extend_select == ["FD3", "FD4"]


def test_merge_cli_validates_codes() -> None:
    with pytest.raises(ConfigError, match="--select: unknown rule id FD999"):
        merge_cli(Settings(), select=["FD999"], known_codes=known)
    with pytest.raises(ConfigError, match="is not a rule id"):
        merge_cli(Settings(), ignore=["E501"])
    with pytest.raises(ConfigError, match="--fail-level"):
        merge_cli(Settings(), fail_level="loud")


# ------------------------------------------------------------ surface sections
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[tool.flask-doctor.audit]\nsilenced = 5\n", "'tool.flask-doctor.audit.silenced' must be an array of strings"),
        ('[tool.flask-doctor.audit]\nsilenced = ["nope"]\n', "is not an array of rule ids"),
        ('[tool.flask-doctor.audit]\nsilence = ["FD301"]\n', "unknown key 'silence' in [tool.flask-doctor.audit]"),
        ('[tool.flask-doctor]\naudit = "FD301"\n', "[tool.flask-doctor.audit] must be a table"),
        ("[tool.flask-doctor.soak]\nrequests = 5\n", "unknown key 'requests' in [tool.flask-doctor.soak]"),
    ],
)
def test_surface_sections_are_validated(tmp_path: Path, body: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", body)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, known_codes=known)
    assert message in str(info.value)


def test_valid_audit_section_is_kept(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.flask-doctor.audit]\nsilenced = ["FD301", "FD3:config:DEBUG"]\n')
    settings = load_settings(tmp_path, known_codes=known)
    assert settings.sections["audit"] == {"silenced": ["FD301", "FD3:config:DEBUG"]}


def test_a_huge_value_is_not_echoed_whole(tmp_path: Path) -> None:
    huge = "X" * 1_000_000
    error = str(config_error(tmp_path, f'select = ["{huge}"]\n'))
    assert len(error) < 400
    assert "1000002 characters" in error


def test_a_config_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    error = str(config_error(tmp_path, "# " + "x" * 6_000_000 + "\n"))
    assert "larger than the 5,000,000-byte limit; not read" in error

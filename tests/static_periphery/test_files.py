"""File discovery: skipped directories, .gitignore, exclude globs, links, problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flask_doctor.config import Settings
from flask_doctor.static.files import Discovery, GitIgnore, deploy_kind, discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n" if name.endswith(".py") else "", encoding="utf-8")


def rel(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    touch(
        root,
        "app/__init__.py",
        "app/views.py",
        "app/models.py",
        "app/static/js/app.js",
        "wsgi.py",
        "Dockerfile",
        "Dockerfile.dev",
        "docker/worker.Dockerfile",
        "Procfile",
        "docker-compose.yml",
        "docker-compose.override.yaml",
        "compose.prod.yml",
        "gunicorn.conf.py",
        "deploy/uwsgi.ini",
        "deploy/api.uwsgi.ini",
        "deploy/nginx.conf",
        "deploy/site.nginx.conf",
        ".env",
        ".env.example",
        ".env.production",
        "fly.toml",
        "app.yaml",
        "README.md",
        "setup.cfg",  # read for the dependencies it declares
        # never walked
        ".venv/lib/python3.12/site-packages/flask/app.py",
        "venv/bin/activate.py",
        "env/lib/x.py",
        "node_modules/pkg/index.py",
        "build/lib/app/views.py",
        "dist/shop-1.0/setup.py",
        "shop.egg-info/top_level.py",
        "app/__pycache__/views.cpython-312.py",
        ".tox/py312/x.py",
        ".git/hooks/pre-commit.py",
        "htmlcov/index.py",
        "myenv/lib/python3.12/site.py",
    )
    (root / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return root


def test_walk_collects_python_and_deploy_files(project: Path) -> None:
    found = discover([project], Settings(root=project))
    assert rel(found.python_files, project) == [
        "app/__init__.py",
        "app/models.py",
        "app/views.py",
        "gunicorn.conf.py",
        "wsgi.py",
    ]
    assert rel(found.deploy_files, project) == [
        ".env",
        ".env.example",
        ".env.production",
        "Dockerfile",
        "Dockerfile.dev",
        "Procfile",
        "app.yaml",
        "compose.prod.yml",
        "deploy/api.uwsgi.ini",
        "deploy/nginx.conf",
        "deploy/site.nginx.conf",
        "deploy/uwsgi.ini",
        "docker/worker.Dockerfile",  # Path order: by component
        "docker-compose.override.yaml",
        "docker-compose.yml",
        "fly.toml",
        "gunicorn.conf.py",
        "setup.cfg",
    ]
    assert found.problems == []


def test_env_directory_is_skipped_but_env_file_is_read(tmp_path: Path) -> None:
    touch(tmp_path, ".env/lib/python3.12/site.py", "config/.env", "app.py")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["app.py"]
    assert rel(found.deploy_files, tmp_path) == ["config/.env"]


@pytest.mark.parametrize(
    ("path", "at_root", "kind"),
    [
        ("Dockerfile", False, "dockerfile"),
        ("Containerfile", False, "dockerfile"),
        ("Dockerfile.prod", False, "dockerfile"),
        ("api.Dockerfile", False, "dockerfile"),
        ("Procfile", False, "procfile"),
        ("gunicorn.conf.py", False, "gunicorn"),
        ("gunicorn_config.py", False, "gunicorn"),
        ("gunicorn.py", True, "gunicorn"),
        ("config/gunicorn.py", False, "gunicorn"),
        ("app/gunicorn.py", False, None),
        ("docker-compose.yml", False, "compose"),
        ("docker-compose.ci.yaml", False, "compose"),
        ("compose.yaml", False, "compose"),
        ("uwsgi.ini", False, "uwsgi"),
        ("app.uwsgi.ini", False, "uwsgi"),
        ("setup.ini", False, None),
        (".env", False, "env"),
        (".env.local", False, "env"),
        (".envrc", False, None),
        ("fly.toml", False, "fly"),
        ("app.yaml", False, "appengine"),
        ("nginx.conf", False, "nginx"),
        ("nginx-site.conf", False, "nginx"),
        ("api.nginx.conf", False, "nginx"),
        ("supervisord.conf", False, "supervisor"),
        ("supervisor/web.conf", False, "conf"),
        ("deploy/app.conf", False, "conf"),
        ("app.conf", True, "conf"),
        ("src/app/settings.conf", False, None),
        ("nginx/default.conf", False, "nginx"),
        ("sites-available/shop", False, "nginx"),
        ("boot.sh", False, "shell"),
        ("docker/docker-entrypoint.sh", False, "shell"),
        ("scripts/deploy.sh", False, None),
        ("views.py", False, None),
        ("dockerfile.md", False, None),
        ("Dockerfile.md", False, None),
        (".env.sh", False, None),
        ("docker-compose.yml.bak", False, None),
        ("Dockerfile.j2", False, "dockerfile"),
        ("Dockerfile-server", True, "dockerfile"),
        ("deploy/Dockerfile_prod", False, "dockerfile"),
        ("Dockerfile-server.md", True, None),
    ],
)
def test_deploy_kind(path: str, at_root: bool, kind: str | None) -> None:
    assert deploy_kind(Path(path), at_root=at_root) == kind


def test_gunicorn_py_only_at_roots_and_config_dirs(tmp_path: Path) -> None:
    touch(tmp_path, "gunicorn.py", "config/gunicorn.py", "app/gunicorn.py")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.deploy_files, tmp_path) == ["config/gunicorn.py", "gunicorn.py"]
    assert rel(found.python_files, tmp_path) == ["app/gunicorn.py", "config/gunicorn.py", "gunicorn.py"]


def test_package_gunicorn_py_counts_when_it_holds_settings(tmp_path: Path) -> None:
    # ``gunicorn -c python:shop.gunicorn`` loads a settings module deep in the package
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "gunicorn.py").write_text("bind = '0.0.0.0:8000'\nworkers = 3\nmax_requests = 1000\n")
    # a module of the same name that builds a custom gunicorn application is not a settings file
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "gunicorn.py").write_text(
        "from gunicorn.app.base import BaseApplication\n\nclass App(BaseApplication):\n    pass\n\nworkers = 2\nbind = ':80'\n"
    )
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.deploy_files, tmp_path) == ["shop/gunicorn.py"]
    assert rel(found.python_files, tmp_path) == ["runner/gunicorn.py", "shop/gunicorn.py"]


def test_gitignore_root_and_nested(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    touch(
        tmp_path,
        "app/views.py",
        "app/generated/schema.py",
        "app/generated/keep.py",
        "local_settings.py",
        "src/local_settings.py",
        "tmp/scratch.py",
        "docs/conf.py",
        "docs/build/conf.py",
        "logs/app.py",
        "pkg/sub/ignored_here.py",
        "pkg/sub/other.py",
        "pkg/notes/a.py",
        "pkg/notes/b.py",
        "deep/a/b/c/cache.py",
        ".env",
    )
    (tmp_path / ".gitignore").write_text(
        "# comments are ignored\n"
        "\n"
        "local_settings.py\n"
        "/tmp/\n"
        "logs\n"
        "app/generated/*\n"
        "!app/generated/keep.py\n"
        "docs/**/conf.py\n"
        "**/c/cache.py\n"
        ".env\n"
        "\\#notacomment.py\n"
    )
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / ".gitignore").write_text("sub/ignored_here.py\nnotes/\n!notes/b.py\n")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == [
        "app/generated/keep.py",
        "app/views.py",
        "pkg/sub/other.py",
    ]
    # an ignored .env is not read either
    assert found.deploy_files == []


def test_gitignore_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    touch(tmp_path, "a.py", "b.py")
    (tmp_path / ".gitignore").write_text("b.py\n")
    found = discover([tmp_path], Settings(root=tmp_path, respect_gitignore=False))
    assert rel(found.python_files, tmp_path) == ["a.py", "b.py"]


def test_walking_a_subdirectory_honours_gitignores_above_it(tmp_path: Path) -> None:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("*.local.py\n")
    (tmp_path / ".gitignore").write_text("app/secret_*.py\n")
    touch(tmp_path, "app/views.py", "app/secret_keys.py", "app/dev.local.py")
    found = discover([tmp_path / "app"], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["app/views.py"]


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "app/views.py",
        "migrations/versions/001.py",
        "tests/fixtures/bad.py",
        "tests/test_views.py",
        "app/schema_pb2.py",
        "examples/Dockerfile",
    )
    settings = Settings(
        root=tmp_path, exclude=["migrations", "tests/fixtures"], extend_exclude=["*_pb2.py", "examples/"]
    )
    found = discover([tmp_path], settings)
    assert rel(found.python_files, tmp_path) == ["app/views.py", "tests/test_views.py"]
    assert found.deploy_files == []


def test_explicit_files_are_checked_even_when_excluded(tmp_path: Path) -> None:
    touch(tmp_path, "migrations/001.py", "build/Dockerfile")
    (tmp_path / ".gitignore").write_text("migrations/\n")
    settings = Settings(root=tmp_path, exclude=["migrations"])
    found = discover([tmp_path / "migrations" / "001.py", tmp_path / "build" / "Dockerfile"], settings)
    assert rel(found.python_files, tmp_path) == ["migrations/001.py"]
    assert rel(found.deploy_files, tmp_path) == ["build/Dockerfile"]
    forced = discover([tmp_path / "migrations" / "001.py"], settings, force_exclude=True)
    assert forced == Discovery()


def test_explicit_directory_in_skip_list_is_walked(tmp_path: Path) -> None:
    touch(tmp_path, "build/gen.py", "build/__pycache__/gen.py")
    found = discover([tmp_path / "build"], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["build/gen.py"]


def test_missing_path_and_unknown_file_are_problems(tmp_path: Path) -> None:
    touch(tmp_path, "README.md")
    found = discover([tmp_path / "nope", tmp_path / "README.md"], Settings(root=tmp_path))
    assert found.problems == [
        (tmp_path / "README.md", "not a Python source or a known deploy file; skipped"),
        (tmp_path / "nope", "no such file or directory"),
    ]


def test_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    touch(tmp_path, "app/views.py")
    os.symlink(tmp_path / "app", tmp_path / "app" / "again")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["app/views.py"]
    assert [(p.relative_to(tmp_path).as_posix(), m.split(" to ")[0]) for p, m in found.problems] == [
        ("app/again", "symbolic link loop")
    ]


def test_self_referencing_link_and_broken_link(tmp_path: Path) -> None:
    touch(tmp_path, "ok.py")
    os.symlink(tmp_path / "loop.py", tmp_path / "loop.py")
    os.symlink(tmp_path / "gone.py", tmp_path / "dangling.py")
    os.symlink(tmp_path / "gone.txt", tmp_path / "notes.txt")  # not ours: silent
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["ok.py"]
    assert [p.name for p, _ in found.problems] == ["dangling.py", "loop.py"]
    assert all("link" in m for _, m in found.problems)


def test_linked_directory_and_file_are_read_once(tmp_path: Path) -> None:
    touch(tmp_path, "real/views.py")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    os.symlink(tmp_path / "real" / "views.py", tmp_path / "views_link.py")
    found = discover([tmp_path, tmp_path / "real" / "views.py"], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["real/views.py"]
    assert found.problems == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_directory_is_a_problem(tmp_path: Path) -> None:
    touch(tmp_path, "ok.py", "locked/secret.py")
    (tmp_path / "locked").chmod(0)
    try:
        found = discover([tmp_path], Settings(root=tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert rel(found.python_files, tmp_path) == ["ok.py"]
    assert found.problems[0][0] == tmp_path / "locked"
    assert found.problems[0][1].startswith("cannot read directory")


def test_output_is_deterministic(project: Path) -> None:
    first = discover([project / "app", project], Settings(root=project))
    second = discover([project, project / "app"], Settings(root=project))
    assert first.python_files == sorted(first.python_files)
    assert set(first.python_files) == set(second.python_files)


@pytest.mark.parametrize(
    ("lines", "path", "is_dir", "expected"),
    [
        (["*.pyc"], "a/b/c.pyc", False, True),
        (["build/"], "src/build", True, True),
        (["build/"], "src/build", False, None),
        (["/build"], "src/build", True, None),
        (["/build"], "build", True, True),
        (["a/*.py"], "a/b/c.py", False, None),  # * does not cross /
        (["a/**/c.py"], "a/b/x/c.py", False, True),
        (["**/foo"], "x/y/foo", True, True),
        (["foo/**"], "foo/bar/baz.py", False, True),
        (["*.py", "!keep.py"], "src/keep.py", False, False),
        (["trailing.py   "], "trailing.py", False, True),
        (["\\!bang.py"], "!bang.py", False, True),
        (["# comment.py"], "# comment.py", False, None),
        (["[abc].py"], "b.py", False, True),
    ],
)
def test_gitignore_patterns(lines: list[str], path: str, is_dir: bool, expected: bool | None) -> None:
    assert GitIgnore("", lines).match(path, is_dir) is expected


def test_nested_gitignore_base() -> None:
    gi = GitIgnore("pkg", ["/local.py", "*.tmp.py"])
    assert gi.match("pkg/local.py", False) is True
    assert gi.match("local.py", False) is None
    assert gi.match("pkg/sub/local.py", False) is None
    assert gi.match("pkg/sub/x.tmp.py", False) is True


def test_scandir_failure_is_a_problem_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path, "ok.py", "locked/secret.py")
    real_scandir = os.scandir

    def scandir(path: str):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([tmp_path], Settings(root=tmp_path))
    assert rel(found.python_files, tmp_path) == ["ok.py"]
    assert found.problems == [(tmp_path / "locked", "cannot read directory: Permission denied")]


def test_relative_arguments_from_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path, "app/views.py", "app/generated/x.py", "generated/y.py")
    monkeypatch.chdir(tmp_path / "app")
    # "app/generated" is relative to the project root, not to the cwd
    found = discover([Path(".")], Settings(root=tmp_path, exclude=["app/generated"]))
    assert found.python_files == [Path("views.py")]
    forced = discover([Path("generated/x.py")], Settings(root=tmp_path, exclude=["app/generated"]), force_exclude=True)
    assert forced.python_files == []

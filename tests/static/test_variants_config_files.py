"""Variant matrix for settings loaded from data files (catalogue S05, S12, S13, S14, S15, S16, S19).

Rules: FD205 sqlalchemy-track-modifications-enabled, FD206 sqlalchemy-echo-in-production, FD302
hardcoded-secret-key, FD303 insecure-cookie-flag, FD304 samesite-none-without-secure, FD305 debug-in-production,
FD309 csrf-disabled-in-production.

The settings are written in a file the application loads rather than in Python: ``app.config.from_file`` with
``json.load``, ``tomllib.load``, ``yaml.safe_load``; the older ``from_json``; ``from_pyfile`` of a ``.cfg``
file.  Each variant is a small project written from Flask's configuration documentation (not from the
corpus): a bad shape must be reported by its rule (a warning or an error, not a note), a good shape (a file
for development or tests, an example to copy, a template the deploy fills in, a file the app never loads, a
load only development runs) must draw none of these rules.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD205", "FD206", "FD302", "FD303", "FD304", "FD305", "FD309"]

#: A factory that loads ``config.json`` with ``json.load`` and sets nothing else.
JSON_APP = """
import json
from flask import Flask

def create_app():
    app = Flask(__name__)
    app.config.from_file("config.json", load=json.load)
    return app
"""

#: The same with Flask-SQLAlchemy, the database URL from the environment.
JSON_DB_APP = """
import json
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.from_file("config.json", load=json.load)
    db.init_app(app)
    return app
"""

#: A factory that loads ``config.toml`` with ``tomllib.load`` (binary mode, Flask 2.3+).
TOML_APP = """
import tomllib
from flask import Flask

def create_app():
    app = Flask(__name__)
    app.config.from_file("config.toml", load=tomllib.load, text=False)
    return app
"""

#: A factory that takes ``FLASK_*`` variables from the environment.
PREFIXED_APP = """
from flask import Flask

def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    return app
"""

#: A complete, safe production file.
SAFE_JSON = (
    '{\n  "DEBUG": false,\n  "SQLALCHEMY_ECHO": false,\n  "SQLALCHEMY_TRACK_MODIFICATIONS": false,\n'
    '  "SESSION_COOKIE_SECURE": true,\n  "SESSION_COOKIE_SAMESITE": "Lax",\n  "WTF_CSRF_ENABLED": true\n}\n'
)

# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    ("json-debug-true", "FD305", {"app.py": JSON_APP, "config.json": '{\n  "DEBUG": true\n}\n'}),
    ("toml-debug-true", "FD305", {"app.py": TOML_APP, "config.toml": "DEBUG = true\n"}),
    (
        "json-echo-true",
        "FD206",
        {"app.py": JSON_DB_APP, "config.json": '{"SQLALCHEMY_ECHO": true, "SQLALCHEMY_TRACK_MODIFICATIONS": false}\n'},
    ),
    (
        "json-track-modifications-true",
        "FD205",
        {"app.py": JSON_DB_APP, "config.json": '{"SQLALCHEMY_TRACK_MODIFICATIONS": true}\n'},
    ),
    (
        "json-literal-secret-key",
        "FD302",
        {"app.py": JSON_APP, "config.json": '{\n  "SECRET_KEY": "s3cr3t-shipped-with-the-repo"\n}\n'},
    ),
    (
        "toml-literal-secret-key",
        "FD302",
        {"app.py": TOML_APP, "config.toml": 'SECRET_KEY = "s3cr3t-shipped-with-the-repo"\n'},
    ),
    (
        "toml-session-cookie-secure-false",
        "FD303",
        {"app.py": TOML_APP, "config.toml": "SESSION_COOKIE_SECURE = false\nSESSION_COOKIE_HTTPONLY = false\n"},
    ),
    (
        "json-samesite-none-without-secure",
        "FD304",
        {"app.py": JSON_APP, "config.json": '{"SESSION_COOKIE_SAMESITE": "None"}\n'},
    ),
    (
        "json-csrf-disabled",
        "FD309",
        {
            "app.py": """
            import json
            from flask import Flask
            from flask_wtf import CSRFProtect

            csrf = CSRFProtect()

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.json", load=json.load)
                csrf.init_app(app)
                return app
            """,
            "config.json": '{"WTF_CSRF_ENABLED": false}\n',
        },
    ),
    (
        "yaml-safe-load-debug-true",
        "FD305",
        {
            "app.py": """
            import yaml
            from flask import Flask

            app = Flask(__name__)
            app.config.from_file("settings.yaml", load=yaml.safe_load)
            """,
            "settings.yaml": "DEBUG: true\nSECRET_KEY_FILE: /run/secrets/key\n",
        },
    ),
    (
        "yaml-partial-loader-echo",
        "FD206",
        {
            "app.py": """
            import functools
            import os
            import yaml
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config.from_file("config.yml", load=functools.partial(yaml.load, Loader=yaml.SafeLoader))
                db.init_app(app)
                return app
            """,
            "config.yml": "SQLALCHEMY_ECHO: true\n",
        },
    ),
    (
        "from-json-secret-key",
        "FD302",
        {
            "app.py": """
            from flask import Flask

            app = Flask(__name__)
            app.config.from_json("settings.json")
            """,
            "settings.json": '{"SECRET_KEY": "a-real-looking-key-0f9a8b7c"}\n',
        },
    ),
    (
        "os-path-join-here-debug",
        "FD305",
        {
            "app.py": """
            import json
            import os
            from flask import Flask

            HERE = os.path.dirname(os.path.abspath(__file__))

            def create_app():
                app = Flask(__name__)
                app.config.from_file(os.path.join(HERE, "conf", "app.json"), load=json.load)
                return app
            """,
            "conf/app.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "pathlib-parent-toml-cookie",
        "FD303",
        {
            "app.py": """
            import tomllib
            from pathlib import Path
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file(Path(__file__).parent / "settings.toml", load=tomllib.load, text=False)
                return app
            """,
            "settings.toml": "SESSION_COOKIE_SECURE = false\n",
        },
    ),
    (
        "package-loads-root-file",
        "FD305",
        {
            "shop/__init__.py": """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("../config.json", load=json.load)
                return app
            """,
            "config.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "instance-relative-json-secret",
        "FD302",
        {
            "shop/__init__.py": """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_file("config.json", load=json.load)
                return app
            """,
            "instance/config.json": '{"SECRET_KEY": "committed-instance-secret-42"}\n',
        },
    ),
    (
        "from-pyfile-cfg-debug",
        "FD305",
        {
            "app.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_pyfile("app.cfg")
                return app
            """,
            "app.cfg": "# settings\nDEBUG = True\n",
        },
    ),
    (
        "production-named-json",
        "FD305",
        {
            "app.py": """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.production.json", load=json.load)
                return app
            """,
            "config.production.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "helper-loads-settings-file",
        "FD302",
        {
            "app.py": """
            import json
            from flask import Flask

            def load_settings(app):
                app.config.from_file("settings.json", load=json.load)

            def create_app():
                app = Flask(__name__)
                load_settings(app)
                return app
            """,
            "settings.json": '{"SECRET_KEY": "helper-loaded-secret-xyz"}\n',
        },
    ),
    (
        "with-open-update-json-load",
        "FD305",
        {
            "app.py": """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                with open("config.json") as f:
                    app.config.update(json.load(f))
                return app
            """,
            "config.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "from-mapping-of-yaml-data",
        "FD302",
        {
            "app.py": """
            import yaml
            from flask import Flask

            app = Flask(__name__)
            data = yaml.safe_load(open("settings.yml"))
            app.config.from_mapping(data)
            """,
            "settings.yml": "SECRET_KEY: not-so-secret-after-all-77\n",
        },
    ),
    (
        "dockerfile-prefixed-env-secret",
        "FD302",
        {
            "app.py": PREFIXED_APP,
            "Dockerfile": "FROM python:3.12\nENV FLASK_SECRET_KEY=f0e1d2-baked-into-the-image\n"
            "CMD gunicorn 'app:create_app()'\n",
        },
    ),
    (
        "compose-prefixed-env-cookie-insecure",
        "FD303",
        {
            "app.py": PREFIXED_APP,
            "docker-compose.yml": "services:\n  web:\n    build: .\n    command: gunicorn 'app:create_app()'\n"
            "    environment:\n      FLASK_SESSION_COOKIE_SECURE: 'false'\n",
        },
    ),
    (
        "production-branch-loads-file",
        "FD305",
        {
            "app.py": """
            import json
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                if os.environ.get("APP_ENV") == "production":
                    app.config.from_file("config.json", load=json.load)
                return app
            """,
            "config.json": '{"DEBUG": true}\n',
        },
    ),
]

GOOD: list[tuple[str, dict[str, str]]] = [
    ("safe-production-json", {"app.py": JSON_DB_APP, "config.json": SAFE_JSON}),
    (
        "dev-named-json",
        {
            "app.py": JSON_APP.replace("config.json", "config.dev.json"),
            "config.dev.json": '{"DEBUG": true, "SECRET_KEY": "dev", "SESSION_COOKIE_SECURE": false}\n',
        },
    ),
    (
        "development-named-toml",
        {
            "app.py": TOML_APP.replace("config.toml", "development.toml"),
            "development.toml": 'DEBUG = true\nSECRET_KEY = "dev"\n',
        },
    ),
    (
        "local-named-json",
        {
            "app.py": JSON_APP.replace(
                '"config.json", load=json.load', '"config.local.json", load=json.load, silent=True'
            ),
            "config.local.json": '{"DEBUG": true, "SECRET_KEY": "local"}\n',
        },
    ),
    (
        "tests-load-their-own-file",
        {
            "app.py": """
            from flask import Flask

            def create_app():
                return Flask(__name__)
            """,
            "tests/conftest.py": """
            import json
            import pytest
            from app import create_app

            @pytest.fixture
            def app():
                app = create_app()
                app.config.from_file("config.json", load=json.load)
                return app
            """,
            "tests/config.json": '{"DEBUG": true, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": false}\n',
        },
    ),
    (
        "example-file-for-users-to-copy",
        {
            "app.py": JSON_APP,
            "config.example.json": '{"DEBUG": true, "SECRET_KEY": "change-me", "SQLALCHEMY_ECHO": true}\n',
        },
    ),
    (
        "sample-toml-the-app-loads-by-mistake-of-name",
        {
            "app.py": TOML_APP.replace("config.toml", "settings.sample.toml"),
            "settings.sample.toml": 'DEBUG = true\nSECRET_KEY = "sample"\n',
        },
    ),
    (
        "file-the-app-never-loads",
        {
            "app.py": """
            from flask import Flask

            app = Flask(__name__)
            """,
            "config.json": '{"DEBUG": true, "SECRET_KEY": "unused-secret-value"}\n',
        },
    ),
    (
        "template-with-placeholders",
        {
            "app.py": JSON_APP,
            "config.json": '{"SECRET_KEY": "${SECRET_KEY}", "SESSION_COOKIE_SAMESITE": "{{ samesite }}"}\n',
        },
    ),
    (
        "debug-branch-loads-dev-file",
        {
            "app.py": """
            import json
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                if os.environ.get("FLASK_ENV") == "development":
                    app.config.from_file("settings.json", load=json.load)
                return app
            """,
            "settings.json": '{"DEBUG": true, "SECRET_KEY": "dev"}\n',
        },
    ),
    (
        "main-block-loads-file",
        {
            "app.py": """
            import json
            from flask import Flask

            app = Flask(__name__)

            if __name__ == "__main__":
                app.config.from_file("debug.json", load=json.load)
                app.run()
            """,
            "debug.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "path-from-environment",
        {
            "app.py": """
            import json
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file(os.environ["APP_CONFIG"], load=json.load)
                return app
            """,
            "config.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "examples-folder-loads-its-file",
        {
            "app.py": JSON_APP.replace("config.json", "settings.json"),
            "settings.json": '{"DEBUG": false}\n',
            "examples/demo.py": JSON_APP,
            "examples/config.json": '{"DEBUG": true, "SECRET_KEY": "demo"}\n',
        },
    ),
    (
        "update-from-dev-file",
        {
            "app.py": """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                with open("config.development.json") as f:
                    app.config.update(json.load(f))
                return app
            """,
            "config.development.json": '{"DEBUG": true, "SECRET_KEY": "dev"}\n',
        },
    ),
    (
        "update-from-settings-the-operator-passes",
        {
            "app.py": """
            import json
            import sys
            from flask import Flask

            def create_app(path):
                app = Flask(__name__)
                with open(path) as f:
                    app.config.update(json.load(f))
                return app
            """,
            "config.json": '{"DEBUG": true}\n',
        },
    ),
    (
        "plain-dotenv-is-a-developers-file",
        {
            "app.py": PREFIXED_APP,
            ".env": "FLASK_SECRET_KEY=dev\nFLASK_DEBUG=1\n",
            ".flaskenv": "FLASK_APP=app:create_app\nFLASK_DEBUG=1\n",
            "Procfile": "web: gunicorn 'app:create_app()'\n",
        },
    ),
    (
        "dockerfile-passes-the-secret-through",
        {
            "app.py": PREFIXED_APP,
            "Dockerfile": "FROM python:3.12\nARG SECRET\nENV FLASK_SECRET_KEY=${SECRET}\nCMD gunicorn 'app:create_app()'\n",
        },
    ),
    (
        "entrypoint-reads-the-secret-when-it-starts",
        {
            "app.py": PREFIXED_APP,
            "docker-entrypoint.sh": "#!/bin/sh\nexport FLASK_SECRET_KEY=$(cat /run/secrets/key)\n"
            "exec gunicorn 'app:create_app()'\n",
            "Dockerfile": 'FROM python:3.12\nENTRYPOINT ["/docker-entrypoint.sh"]\n',
        },
    ),
    (
        "other-prefix-than-the-variables",
        {
            "app.py": PREFIXED_APP.replace("from_prefixed_env()", 'from_prefixed_env("SHOP")'),
            "Dockerfile": "FROM python:3.12\nENV FLASK_SECRET_KEY=f0e1d2-unused\nCMD gunicorn 'app:create_app()'\n",
        },
    ),
    (
        "invalid-json-template",
        {"app.py": JSON_APP, "config.json": '{"DEBUG": {{ debug }}, "SECRET_KEY": "{{ secret }}"}\n'},
    ),
]

#: FD205 says an explicit ``True`` as a note (the cost is memory and signals, not a failure).
LEAST = {"FD205": Severity.NOTE}

#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _project(files: dict[str, str]) -> dict[str, str]:
    return {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES, preview=True)


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, files",
    [pytest.param(rule, files, id=name, marks=_mark(name)) for name, rule, files in BAD],
)
def test_bad_variant_is_reported(rule, files):
    found = _found(files)
    least = LEAST.get(rule, Severity.WARNING)
    assert any(f.code == rule and f.severity >= least for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]


def test_a_settings_value_that_aliases_expand_is_not_built():
    # ``b: [*a, *a, ...]`` nested: a few lines of YAML that stand for a million items
    from flask_doctor.static.model.settings_files import literal_node

    value: object = ["x"] * 10
    for _ in range(5):
        value = [value] * 10
    assert literal_node(value, 1) is None
    assert literal_node({"SECRET_KEY": "k", "HOSTS": ["a", "b"]}, 3) is not None

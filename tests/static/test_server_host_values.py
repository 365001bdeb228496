"""The address a server call listens on, resolved through what the code shows (FD306's `host_value`)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flask_doctor.static.facts.devserver import host_value
from flask_doctor.static.runner import analyse_sources

CONFIG = """
import os
from flask import Flask

class Config:
    HOST = os.getenv("HOST", "0.0.0.0")
    LOCAL = os.environ.get("LOCAL", "127.0.0.1")
    FROM_ENV = os.environ["BIND"]
    PORT = 5000

class ProductionConfig(Config):
    LOCAL = "localhost"

app = Flask(__name__)
app.config.from_object(Config)

def serve(fallback="0.0.0.0"):
    twice = "127.0.0.1"
    twice = "0.0.0.0"
    once = os.getenv("BIND_HOST", "")
    app.run(host=HOST_EXPRESSION)
"""


@pytest.mark.parametrize(
    ("expression", "host"),
    [
        ('app.config["HOST"]', "0.0.0.0"),
        ('app.config.get("HOST")', "0.0.0.0"),
        ('app.config.get("UNSET", "::")', "::"),  # no setting: the read's own default
        ('app.config["LOCAL"]', "localhost"),  # the production config class replaces the base one's value
        ('app.config["FROM_ENV"]', None),  # only the environment gives it
        ('app.config["PORT"]', None),  # no string
        ('os.getenv("HOST", "0.0.0.0")', "0.0.0.0"),
        ("fallback", "0.0.0.0"),  # a parameter's default
        ("once", ""),  # a local assigned once, from the environment's default
        ("twice", None),  # assigned twice: no one known address
        ('settings["HOST"]', None),  # not a Flask app's config
    ],
)
def test_host_resolves_through_what_the_code_shows(expression: str, host: str | None) -> None:
    result = analyse_sources({"app.py": textwrap.dedent(CONFIG).lstrip().replace("HOST_EXPRESSION", expression)})
    project = result.project
    module = project.by_path["app.py"]
    fn = next(f for f in project.functions.values() if f.node.name == "serve")
    call = next(n for n in ast.walk(fn.node) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "run")
    assert host_value(project, call.keywords[0].value, fn, module) == host

"""File roles (``facts.roles``) on small projects: the client package, and programs without a main guard."""

from __future__ import annotations

import textwrap

from flask_doctor.static.facts.roles import FileRole, is_server_entry_module, module_roles, server_entry_modules
from flask_doctor.static.runner import analyse_sources

SERVER = """
from flask import Flask
app = Flask(__name__)

@app.get("/")
def index():
    return "ok"
"""


def _roles(files: dict[str, str]) -> dict[str, FileRole]:
    sources = {path: textwrap.dedent(text).lstrip() for path, text in files.items()}
    return module_roles(analyse_sources(sources, select=[]).project)


def test_a_client_package_the_server_never_touches_is_client_code():
    roles = _roles(
        {
            "shop/__init__.py": "",
            "shop/app.py": SERVER,
            "shop/client/__init__.py": "",
            "shop/client/api.py": "import requests\n\ndef orders(url):\n    return requests.get(url).json()\n",
            "shop/client/cli.py": "from shop.client.api import orders\n\ndef main():\n    print(orders('x'))\n",
            "setup.py": "from setuptools import setup\nsetup(entry_points={'console_scripts': ['shop=shop.client.cli:main']})\n",
            "tests/test_client.py": "from shop.client.api import orders\n",
        }
    )
    assert roles["shop.client.api"] is FileRole.CLIENT
    assert roles["shop.client.cli"] is FileRole.CLIENT
    assert roles["shop.app"] is FileRole.APPLICATION


def test_a_client_package_the_server_imports_or_that_imports_the_server_stays_application():
    imported = _roles(
        {
            "shop/__init__.py": "",
            "shop/app.py": SERVER + "from shop.client.api import orders\n",
            "shop/client/__init__.py": "",
            "shop/client/api.py": "def orders(url):\n    return url\n",
        }
    )
    assert imported["shop.client.api"] is FileRole.APPLICATION
    named = _roles(
        {
            "shop/__init__.py": "",
            "shop/app.py": SERVER + "PLUGIN = 'shop.client.api:orders'\n",
            "shop/client/__init__.py": "",
            "shop/client/api.py": "def orders(url):\n    return url\n",
        }
    )
    assert named["shop.client.api"] is FileRole.APPLICATION
    builds_on = _roles(
        {
            "shop/__init__.py": "",
            "shop/app.py": SERVER,
            "shop/models.py": "class Order:\n    pass\n",
            "shop/client/__init__.py": "",
            "shop/client/api.py": "from shop.models import Order\n\ndef orders():\n    return Order()\n",
        }
    )
    assert builds_on["shop.client.api"] is FileRole.APPLICATION


def test_a_module_that_reads_argv_at_module_level_and_nobody_imports_is_a_script():
    roles = _roles(
        {
            "app.py": SERVER,
            "themes/plain/build.py": "import sys\nNAME = sys.argv[1]\nopen(NAME, 'w').write('x')\n",
            "helpers.py": "import sys\n\ndef name():\n    return sys.argv[1]\n",
        }
    )
    assert roles["build"] is FileRole.SCRIPT
    assert roles["helpers"] is FileRole.APPLICATION


def test_server_entry_modules_are_named_for_a_wsgi_server_and_bind_the_app():
    project = analyse_sources(
        {
            "lease/__init__.py": "",
            "lease/app.py": SERVER,
            "lease/wsgi/__init__.py": "",
            "lease/wsgi/api.py": "from lease.app import app as application\nimport threading\nlock = threading.Lock()\n",
            "lease/service_wsgi.py": "def serve():\n    pass\n",
            "tests/wsgi.py": "import threading\nlock = threading.Lock()\n",
        },
        select=[],
    ).project
    assert [m.name for m in server_entry_modules(project)] == ["lease.wsgi.api"]
    assert is_server_entry_module("lease.wsgi.api")
    assert is_server_entry_module("lease.service_wsgi")
    assert not is_server_entry_module("lease.api")

"""Connexion operations (``model.connexion``): the functions an OpenAPI file names are views.

Each case pairs an operation function that is reached with its near miss: a function the file does not name,
a file nothing registers, an ``add_api`` of another library, a file that is not there.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import REQUEST
from flask_doctor.static.runner import analyse_sources

SPEC = """
openapi: 3.0.0
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      operationId: app.api.pets.list_pets
      responses: {"200": {description: ok}}
  /pets/{pet_id}:
    x-openapi-router-controller: app.api.pets
    get:
      operationId: get_pet
      responses: {"200": {description: ok}}
"""

PETS = """
import requests


def list_pets():
    return requests.get("https://pets.example.com/all").json()


def get_pet(pet_id):
    return _fetch(pet_id)


def _fetch(pet_id):
    return requests.get(f"https://pets.example.com/{pet_id}").json()


def unused():
    return requests.get("https://pets.example.com/x").json()
"""

MAIN = """
import connexion

app = connexion.App(__name__, specification_dir="openapi/")
app.add_api("pets.yaml")
"""


def _run(sources: dict[str, str]):
    return analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=["FD402"])


def _tree(main: str = MAIN, spec_path: str = "app/openapi/pets.yaml", spec: str = SPEC) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/pets.py": PETS,
        "app/main.py": main,
        spec_path: spec,
    }


def test_operation_functions_are_views_and_run_in_requests() -> None:
    result = _run(_tree())
    functions = result.project.functions
    assert "view" in functions["app.api.pets.list_pets"].roles
    assert "view" in functions["app.api.pets.get_pet"].roles  # ``x-openapi-router-controller`` + operationId
    assert REQUEST in functions["app.api.pets._fetch"].contexts
    # a function of the same module that no operation names is reached from nowhere
    assert not functions["app.api.pets.unused"].roles
    assert not functions["app.api.pets.unused"].contexts
    # FD402 warns where a request waits; the unreached function, which nothing names, is dead code: nothing
    flagged = sorted((f.location.line, "request path" in f.message or "in view" in f.message) for f in result.findings)
    assert flagged == [(6, True), (14, True)]


def test_connexion_3_flask_app_and_a_path_built_from_the_module_folder() -> None:
    main = """
    from pathlib import Path

    from connexion import FlaskApp

    HERE = Path(__file__).parent


    def create_app():
        app = FlaskApp(__name__)
        app.add_api(HERE / "openapi" / "pets.yaml")
        return app
    """
    functions = _run(_tree(main=main)).project.functions
    assert REQUEST in functions["app.api.pets.list_pets"].contexts


def test_flask_api_of_a_specification_the_code_loads_first() -> None:
    """Airflow: ``with ROOT.joinpath("openapi", "v1.yaml").open() as f: spec = safe_load(f)`` then
    ``FlaskApi(specification=spec)``."""
    main = """
    from pathlib import Path

    import yaml
    from connexion import FlaskApi

    ROOT = Path(__file__).parent


    def init_api(app):
        with ROOT.joinpath("openapi", "pets.yaml").open() as f:
            specification = yaml.safe_load(f)
        app.register_blueprint(FlaskApi(specification=specification, base_path="/api").blueprint)
    """
    functions = _run(_tree(main=main)).project.functions
    assert "view" in functions["app.api.pets.get_pet"].roles


def test_resty_resolver_names_functions_after_the_path() -> None:
    spec = """
    swagger: "2.0"
    info: {title: pets, version: "1"}
    paths:
      /pets:
        get:
          responses: {"200": {description: ok}}
      /pets/{pet_id}:
        get:
          responses: {"200": {description: ok}}
    """
    pets = """
    import requests


    def search():
        return requests.get("https://pets.example.com/all").json()


    def get(pet_id):
        return requests.get(f"https://pets.example.com/{pet_id}").json()


    def post(body):
        return requests.post("https://pets.example.com", json=body).json()
    """
    main = """
    import connexion
    from connexion.resolver import RestyResolver

    app = connexion.App(__name__)
    app.add_api("pets.yaml", resolver=RestyResolver("app.api"))
    """
    sources = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/pets.py": pets,
        "app/main.py": main,
        "app/pets.yaml": spec,
    }
    functions = _run(sources).project.functions
    assert "view" in functions["app.api.pets.search"].roles  # GET on the collection
    assert "view" in functions["app.api.pets.get"].roles  # GET on one item
    assert not functions["app.api.pets.post"].roles  # the file has no POST


def test_near_misses_name_no_view() -> None:
    # the specification file is there, but nothing registers it
    unregistered = "import connexion\n\napp = connexion.App(__name__)\n"
    functions = _run(_tree(main=unregistered)).project.functions
    assert not functions["app.api.pets.list_pets"].contexts
    # another library's ``add_api`` of a class (Flask-AppBuilder's ``appbuilder.add_api(PetApi)``)
    appbuilder = """
    from flask_appbuilder import AppBuilder

    appbuilder = AppBuilder()
    specification = "pets.yaml"
    appbuilder.add_api(specification)
    """
    functions = _run(_tree(main=appbuilder, spec_path="app/pets.yaml")).project.functions
    assert not functions["app.api.pets.list_pets"].contexts
    # the file the call names is not in the tree: nothing is guessed from another one
    missing = 'import connexion\n\napp = connexion.App(__name__)\napp.add_api("other.yaml")\n'
    functions = _run(_tree(main=missing, spec_path="app/pets.yaml")).project.functions
    assert not functions["app.api.pets.list_pets"].contexts
    # a file that does not parse names nothing (and does not crash the check)
    broken = _run(_tree(spec="paths: [unclosed\n"))
    assert not broken.project.functions["app.api.pets.list_pets"].contexts
    assert all(f.code == "FD402" for f in broken.findings)

"""Connexion operations: the functions an OpenAPI specification names are views.

Connexion (2.x wraps a Flask app, 3.x has the Flask-based ``FlaskApp``)
routes each operation of an OpenAPI file to a Python function it names by
``operationId: pkg.module.function`` (after ``x-openapi-router-controller:
pkg.module`` when the operation or its path gives one).  Nothing calls those
functions by name: they are request roots like ``@app.route`` views.

* **Registrations**: ``app.add_api("openapi.yaml")`` on a connexion
  application (``connexion.App``/``FlaskApp``/``AsyncApp``, as the model
  types it), any ``x.add_api(...)`` whose first argument is a ``.yaml``,
  ``.yml`` or ``.json`` file that exists, and ``FlaskApi(specification=...)``
  (Airflow builds its API blueprint so).
* **Which file**: a constant (``"openapi.yaml"``), or the constants of a path
  the code builds (``Path(__file__).parent / "openapi" / "v1.yaml"``,
  ``ROOT.joinpath("api", "openapi", "v1.yaml")``, ``os.path.join(HERE,
  "spec.yml")``).  A specification the code loads first (``spec =
  safe_load(f)`` with ``f`` opened from such a path) is the specification file
  the registering function spells.  The file is looked for under the
  ``specification_dir=`` of the module's connexion apps, the module's folder
  and the folders above it, never outside the checked tree.
* **Reading**: by the caller's bounded reader (``build_project(read_file=)``),
  with ``yaml.safe_load``; nothing is imported or run.  A file that does not
  parse, or is not a mapping with ``paths``, names nothing.  The result
  cache stores what each specification read held (:meth:`TreeReader.digests`)
  and drops the entry when one of them changes.
* **Resolvers**: connexion's default one (``operationId``, after the router
  controller); ``RestyResolver("pkg.api")`` also names the functions of
  operations without ``operationId`` after the path (``GET /pets`` ->
  ``pkg.api.pets.search``, ``GET /pets/{id}`` -> ``pkg.api.pets.get``).
  Other resolvers (``MethodViewResolver``, a project's own) are not followed
  beyond the ``operationId`` they read.
"""

from __future__ import annotations

import ast
import hashlib
import json
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path

from flask_doctor.bounded_read import is_regular_file, read_text_bounded
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import CallSite, FunctionInfo
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

#: Reads a file of the checked tree by its display path (``pkg/openapi.yaml``); None when it is not there.
FileReader = Callable[[str], "str | None"]

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
#: What :class:`TreeReader` reads: specifications and the settings files ``app.config.from_file`` loads.
READABLE_SUFFIXES = (*SPEC_SUFFIXES, ".toml", ".cfg", ".conf")
#: Connexion's API classes built with a ``specification`` (2.x ``FlaskApi``).
API_TYPES = frozenset({"connexion.FlaskApi", "connexion.apis.FlaskApi", "connexion.apis.flask_api.FlaskApi"})
#: The last names of the calls that register a specification (the builder collects them in ``Project.spec_calls``).
SPEC_REGISTRATIONS = ("add_api", "FlaskApi")
#: At most this many specification files read per project, each at most this many bytes.
MAX_SPECS = 50
MAX_SPEC_BYTES = 4 * 1024 * 1024
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
#: ``/pets/{id}/photos`` -> resource ``pets``, rest ``{id}/photos`` (connexion's ``RestyResolver``).
_RESTY_PATH = on_first_use(r"^/?(?P<resource>[\w\-]*)/*(?P<rest>.*)$")


def mark_connexion_views(project: Project, read: FileReader | None) -> None:
    """Give the view role to every project function an OpenAPI operation of a registered specification names."""
    if read is None:
        return
    seen: set[str] = set()
    for site in project.spec_calls:
        func = site.node.func
        if isinstance(func, ast.Attribute) and func.attr == "add_api":
            spec = _argument(site.node)
            connexion_app = _is_connexion_app(project, site)
        elif site.name in API_TYPES:
            spec, connexion_app = _argument(site.node), True
        else:
            continue
        if spec is None:
            continue
        resty = _resty_module(site.node)
        for path in _spec_files(project, site, spec, read, strict=not connexion_app):
            if path in seen or len(seen) >= MAX_SPECS:
                continue
            seen.add(path)
            document = _load(read(path) or "", path)
            for target in _operation_targets(document, resty):
                fn = _function_named(project, target)
                if fn is not None:
                    fn.roles.add("view")


class TreeReader:
    """Reads the specification and settings files (:data:`READABLE_SUFFIXES`) of the tree under ``root`` by
    display path, bounded in size; nothing outside ``root`` (``..``, absolute paths, links that leave it).

    It remembers every path it was asked for and what it found (a missing file too), so that a cached result
    can name the side files it depends on (:meth:`digests`) and be dropped when one of them changes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._top = root.resolve()
        self.answers: dict[str, str | None] = {}

    def __call__(self, display: str) -> str | None:
        if display in self.answers:
            return self.answers[display]
        text = None
        parts = display.split("/")
        if display.endswith(READABLE_SUFFIXES) and not posixpath.isabs(display) and ".." not in parts:
            path = self.root.joinpath(*parts)
            try:
                if is_regular_file(path) and path.resolve().is_relative_to(self._top):
                    text = read_text_bounded(path, MAX_SPEC_BYTES)
            except OSError:  # too large, unreadable: names nothing
                text = None
        self.answers[display] = text
        return text

    def digests(self) -> dict[str, str]:
        """What each path asked for held: a hash of its text, or ``"-"`` when it was missing or unreadable."""
        return {path: _digest(text) for path, text in sorted(self.answers.items())}


def _digest(text: str | None) -> str:
    return "-" if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def tree_reader(root: Path) -> TreeReader:
    """A :class:`TreeReader` of ``root``."""
    return TreeReader(root)


def _argument(call: ast.Call) -> ast.expr | None:
    """The specification argument: the first positional one, or ``specification=``."""
    given = next((k.value for k in call.keywords if k.arg == "specification"), None)
    return given if given is not None else (call.args[0] if call.args else None)


def _is_connexion_app(project: Project, site: CallSite) -> bool:
    """``app.add_api`` on an instance the model types as a connexion class (``connexion.App``, ``FlaskApp``)."""
    owner = site.name.rpartition(".")[0]
    if owner.startswith("connexion."):
        return True  # a local: ``app = connexion.App(__name__)`` in the factory
    obj = project.objects.get(owner)
    return obj is not None and obj.type.startswith("connexion.")


def _resty_module(call: ast.Call) -> str | None:
    """``resolver=RestyResolver("pkg.api")``: the module it names functions in."""
    resolver = next((k.value for k in call.keywords if k.arg == "resolver"), None)
    if (
        isinstance(resolver, ast.Call)
        and (dotted(resolver.func) or "").rpartition(".")[2] == "RestyResolver"
        and resolver.args
        and isinstance(resolver.args[0], ast.Constant)
        and isinstance(resolver.args[0].value, str)
    ):
        return resolver.args[0].value
    return None


# ------------------------------------------------------------------ files
def _spec_files(project: Project, site: CallSite, spec: ast.expr, read: FileReader, *, strict: bool) -> list[str]:
    """The display paths of the specification files ``spec`` names that exist.

    ``strict`` (an ``add_api`` whose receiver the code does not show to be connexion's): only a constant file
    name given right in the call counts."""
    spelled = list(_spelled_paths(spec))
    if not spelled and not strict:
        # ``FlaskApi(specification=spec)`` with ``spec = safe_load(f)``: the file the registering code spells
        scope: list[ast.AST] = (
            [site.function.node]
            if site.function is not None
            else [s for s in site.module.tree.body if not isinstance(s, (ast.FunctionDef, ast.ClassDef))]
        )
        spelled = sorted({p for node in scope for p in _spelled_paths(node)})
    if strict and not (isinstance(spec, ast.Constant) and spelled):
        return []
    folder = posixpath.dirname(site.module.path)
    bases = [posixpath.join(folder, d) for d in _spec_dirs(project, site)]
    while True:
        bases.append(folder)
        if not folder:
            break
        folder = posixpath.dirname(folder)
    found: list[str] = []
    for name in spelled[:10]:
        for base in bases:
            path = posixpath.normpath(posixpath.join(base, name))
            if path.startswith("../") or path == ".." or posixpath.isabs(path):
                continue
            if read(path) is not None:
                found.append(path)
                break
    return found


def _spelled_paths(node: ast.AST) -> Iterator[str]:
    """The specification file paths the expression ``node`` spells with constants.

    ``"openapi.yaml"``; ``HERE / "openapi" / "v1.yaml"``, ``ROOT.joinpath("openapi", "v1.yaml")`` and
    ``os.path.join(HERE, "openapi", "v1.yaml")``: the constants joined, up to the file name."""
    used: set[int] = set()
    loose: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            parts: list[ast.expr] = sub.args
        elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Div):
            parts = _divided(sub)
        else:
            if _is_spec_text(sub) and id(sub) not in used:
                loose.append(sub.value)  # type: ignore[attr-defined]
            continue
        texts = [p for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
        if texts and _is_spec_text(texts[-1]):
            used.update(id(t) for t in texts)
            yield from _clean("/".join(t.value.strip("/") for t in texts if t.value.strip("/")))
    for text in loose:
        yield from _clean(text)


def _clean(text: str) -> Iterator[str]:
    if text and len(text) < 300 and "\n" not in text and "{" not in text and "://" not in text:
        yield text


def _divided(node: ast.BinOp) -> list[ast.expr]:
    """The operands of a ``a / b / c`` chain, left to right."""
    parts: list[ast.expr] = []
    current: ast.expr = node
    while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Div):
        parts.insert(0, current.right)
        current = current.left
    parts.insert(0, current)
    return parts


def _is_spec_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(SPEC_SUFFIXES)


def _spec_dirs(project: Project, site: CallSite) -> list[str]:
    """The constant ``specification_dir=`` of the connexion applications the module builds."""
    found: list[str] = []
    for node in ast.walk(site.module.tree):
        if isinstance(node, ast.Call) and node.keywords:
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "specification_dir"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value not in found
                ):
                    found.append(value.value)
    return found


def _load(text: str, path: str) -> object:
    """The parsed document, or None when it does not parse."""
    if not text:
        return None
    try:
        if path.endswith(".json"):
            return json.loads(text)
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except Exception:  # noqa: BLE001 - any malformed file names nothing
        return None


# ------------------------------------------------------------- operations
def _operation_targets(document: object, resty: str | None) -> Iterator[str]:
    """The dotted function name of each operation (``pkg.module.function``)."""
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        shared = item.get("x-openapi-router-controller")
        for method, operation in item.items():
            if not (isinstance(method, str) and method.lower() in _HTTP_METHODS and isinstance(operation, dict)):
                continue
            controller = operation.get("x-openapi-router-controller", shared)
            operation_id = operation.get("operationId")
            if isinstance(operation_id, str) and operation_id:
                yield f"{controller}.{operation_id}" if isinstance(controller, str) and controller else operation_id
            elif resty is not None and isinstance(path, str):
                yield _resty_target(path, method.lower(), controller if isinstance(controller, str) else None, resty)


def _resty_target(path: str, method: str, controller: str | None, module: str) -> str:
    """Connexion's ``RestyResolver``: ``GET /pets`` -> ``module.pets.search``, ``GET /pets/{id}`` ->
    ``module.pets.get``, ``POST /pets`` -> ``module.pets.post``."""
    match = _RESTY_PATH().match(path)
    resource = match.group("resource") if match else ""
    rest = match.group("rest") if match else ""
    name = controller or (f"{module}.{resource.replace('-', '_')}" if resource else module)
    collection = method == "get" and resource and not rest
    return f"{name}.{'search' if collection else method}"


def _function_named(project: Project, target: str) -> FunctionInfo | None:
    """The project function (or method of a project class or instance) ``pkg.module.name`` names."""
    if not target or len(target) > 300:
        return None
    qualified = project.canonical(target)
    fn = project.functions.get(qualified)
    if fn is not None:
        return fn
    owner, _, attribute = qualified.rpartition(".")
    owner = project.canonical(owner) if owner else owner
    if owner in project.classes:
        return project._method(owner, attribute)
    obj = project.objects.get(owner)
    if obj is not None and obj.type in project.classes:
        return project._method(obj.type, attribute)
    return None

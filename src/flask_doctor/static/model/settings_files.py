"""Settings the application loads from data files: ``app.config.from_file("config.json", load=json.load)``.

Flask reads configuration from files that are not Python modules:
``from_file`` with a loader (``json.load``, ``tomllib.load``/``toml.load``,
``yaml.safe_load``), the older ``from_json``, ``from_pyfile`` of a
``.cfg`` file, and ``update``/``from_mapping`` of what a parser read from an
opened file (``with open("config.json") as f: app.config.update(json.load(f))``).
This module reads the file such a call names and adds its
upper-case top-level keys (the ones Flask keeps) to ``project.config``, so
that every rule that reads settings sees them through the usual facts
(``settings``, ``production_settings``, ``live_in_production``).

* **Which file**: the constant path of the call (``"config.json"``,
  ``os.path.join(here, "config.json")``, ``Path(__file__).parent /
  "settings.toml"``), looked for where Flask resolves it: next to the
  calling module, in the folder above it, and in their ``instance/``
  folders (``instance_relative_config``); an ``open()``ed file in the
  project's root (the working directory) or next to the module.
  A path built from the environment or a variable names no file.
* **Which environment**: a file named for development, tests or a local setup
  (``config.dev.json``, ``testing.toml``, ``local.cfg``) holds development or
  testing settings; a file under ``tests/``, ``examples/``, ``docs/``, or
  named as an example or template (``config.example.json``,
  ``settings.sample.toml``, ``config.json.dist``) is never read.  A call in a
  test, a ``__main__`` block, CLI-only code, or a branch that selects a
  development or testing environment loads nothing production runs with.
  Other files are production settings.
* **Values**: constants, lists and mappings of constants become the AST of
  the same literal, located at the key's line in the file.  A value that is
  a placeholder the deploy fills in (``"${SECRET_KEY}"``, ``"{{ secret }}"``)
  is left out, and so is a ``.cfg`` value that is not a literal (it may read
  the environment, which a data file cannot be asked about).
* **Reading**: by the caller's bounded reader (``build_project(read_file=)``);
  JSON and TOML with the standard library, YAML with ``yaml.safe_load``,
  ``.cfg`` with ``ast.parse``.  Nothing is imported or run.  A file that does
  not parse, or is not a mapping, gives nothing.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flask_doctor.findings import Location
from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.model.environments import classify_env, env_of_test
from flask_doctor.static.model.records import CLI, MAIN, TEST, ConfigSetting
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model.connexion import FileReader
    from flask_doctor.static.model.project import Project
    from flask_doctor.static.model.records import CallSite

__all__ = ["SETTINGS_SUFFIXES", "collect_file_settings", "is_file_setting", "literal_node"]

#: The data files read, by how their name ends.
SETTINGS_SUFFIXES = (".json", ".toml", ".yaml", ".yml", ".cfg", ".conf")
#: ``app.config`` methods that load a file.
_LOADERS = frozenset({"from_file", "from_json", "from_pyfile"})
#: ``app.config`` methods that take a mapping: ``update(json.load(f))``, ``from_mapping(data)``.
_MAPPINGS = frozenset({"update", "from_mapping"})
_CONFIG_METHODS = _LOADERS | _MAPPINGS
#: A file name that says it is an example or a template to copy, not the settings the app runs with.
_EXAMPLE_NAME = on_first_use(r"(^|[._-])(example|examples|sample|template|tmpl|tpl|dist|skel|default_local)([._-]|$)")
#: A value that is a placeholder filled in when the file is deployed (``${SECRET}``, ``{{ secret }}``, ``<secret>``).
_PLACEHOLDER = on_first_use(r"^\s*(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|\{%.*%\}|<[^<>]+>|%\([^)]*\)s)\s*$")
_UPPER = on_first_use(r"^[A-Z][A-Z0-9_]*$")
_MAX_DEPTH = 8
#: The most items one setting's value may hold (:func:`literal_node`).
_MAX_NODES = 5_000
_MAX_FILES = 20
#: Functions that only run in these contexts never load production settings.
_DEV_CONTEXTS = frozenset({MAIN, CLI, TEST})


def is_file_setting(setting: ConfigSetting) -> bool:
    """``setting`` comes from a data file the app loads (its owner is the file's path)."""
    return setting.owner == setting.location.path and not setting.owner.endswith(".py")


def collect_file_settings(project: Project, read_file: FileReader | None) -> None:
    """Add the settings of the data files the application loads to ``project.config`` (module docstring)."""
    if read_file is None:
        return
    from flask_doctor.static.facts.sites import calls_named  # noqa: PLC0415 (the facts build on the model)

    seen: set[str] = set()
    # ``_loader_kind`` takes only ``x.config.<method>(...)``: those sites are listed under the method's name
    for site in calls_named(project, _CONFIG_METHODS):
        load = _loader_kind(site)
        if load is None or not _production_call(project, site):
            continue
        kind, path_arg = load
        found = _locate(site, path_arg, kind, read_file)
        if found is None or found[0] in seen:
            continue
        path, text = found
        seen.add(path)
        env = _file_env(path)
        if env is None:
            continue
        for key, value, line in _read(path, text, kind):
            value = literal_node(value, line)
            if value is not None:
                project.config.append(ConfigSetting(key, value, Location(path, line, 1), env, path))
        if len(seen) >= _MAX_FILES:
            break


def _loader_kind(site: CallSite) -> tuple[str, ast.expr | None] | None:
    """``json``, ``toml``, ``yaml`` or ``python`` for a call that loads a settings file, and the path it names."""
    func = site.node.func
    if not (func.__class__ is ast.Attribute and func.attr in _CONFIG_METHODS):
        return None
    owner = func.value
    if not (isinstance(owner, ast.Attribute) and owner.attr == "config"):
        return None
    call = site.node
    if func.attr in _MAPPINGS:
        return _parsed_file(site)
    path = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filename"), None)
    if func.attr == "from_json":
        return "json", path
    if func.attr == "from_pyfile":
        return "python", path
    load = next((k.value for k in call.keywords if k.arg == "load"), call.args[1] if len(call.args) > 1 else None)
    if isinstance(load, ast.Call) and (dotted(load.func) or "").endswith("partial") and load.args:
        load = load.args[0]  # functools.partial(yaml.load, Loader=...)
    kind = _parser_kind(dotted(load) or "") if load is not None else None
    return (kind, path) if kind is not None else None


def _parsed_file(site: CallSite) -> tuple[str, ast.expr | None] | None:
    """``app.config.update(json.load(f))`` / ``from_mapping(data)`` with ``data = tomllib.load(f)``: the parser's
    kind and the path of the file ``f`` opens (``with open("config.json") as f``, ``open(...)`` in the call)."""
    scope = site.function.node if site.function is not None else site.module.tree
    arg = site.node.args[0] if len(site.node.args) == 1 and not site.node.keywords else None
    if isinstance(arg, ast.Name):
        arg = _bound_before(scope, arg.id, site.node.lineno)
    if not (isinstance(arg, ast.Call) and arg.args):
        return None
    kind = _parser_kind(dotted(arg.func) or "")
    if kind is None or kind == "python":
        return None
    source = arg.args[0]
    if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and source.func.attr == "read":
        source = source.func.value  # json.loads(open(path).read())
    if isinstance(source, ast.Name):
        source = _opened_as(scope, source.id, site.node.lineno)
    if (
        isinstance(source, ast.Call)
        and (dotted(source.func) or "") in ("open", "io.open", "codecs.open")
        and source.args
    ):
        return kind, source.args[0]
    return None


def _bound_before(scope: ast.AST, name: str, line: int) -> ast.expr | None:
    """The value of the last ``name = value`` of ``scope`` before ``line``."""
    value: ast.expr | None = None
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and node.lineno < line
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ):
            if value is None or node.lineno > getattr(value, "lineno", 0):
                value = node.value
    return value


def _opened_as(scope: ast.AST, name: str, line: int) -> ast.expr | None:
    """The ``open(...)`` call of ``with open(...) as name`` (or ``name = open(...)``) in ``scope`` before ``line``."""
    for node in ast.walk(scope):
        if isinstance(node, ast.With) and node.lineno <= line:
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                    return item.context_expr
    return _bound_before(scope, name, line)


def _parser_kind(name: str) -> str | None:
    """``json``, ``toml`` or ``yaml`` for a parser function by its dotted name (``json.load``, ``yaml.safe_load``)."""
    module, _, function = name.rpartition(".")
    if function not in ("load", "loads", "safe_load", "full_load", "json_load", "toml_load", "yaml_load"):
        return None
    if module in ("json", "simplejson", "ujson", "orjson") or function == "json_load":
        return "json"
    if module in ("tomllib", "tomli", "toml", "rtoml") or function in ("toml_load",):
        return "toml"
    if module in ("yaml", "ruamel.yaml") or function in ("safe_load", "full_load", "yaml_load"):
        return "yaml"
    return None


def _production_call(project: Project, site: CallSite) -> bool:
    """The call runs in the production app: application code, not a test, a ``__main__`` block or CLI-only code."""
    if site.in_main or role_of_path(site.module.path) is not FileRole.APPLICATION:
        return False
    fn = site.function
    if fn is not None and (TEST in fn.roles or (fn.contexts and fn.contexts <= _DEV_CONTEXTS)):
        return False
    scope = fn.node if fn is not None else site.module.tree
    return _branch_env(scope, site.node) in (None, "production")


def _branch_env(scope: ast.AST, call: ast.Call) -> str | None:
    """The environment the innermost ``if`` around ``call`` selects (``if app.debug:`` -> development)."""
    found: str | None = None
    todo: list[ast.AST] = [scope]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If):
                for branch, in_else in ((child.body, False), (child.orelse, True)):
                    if any(_contains(stmt, call) for stmt in branch):
                        env = env_of_test(child.test, in_else)
                        found = env if env is not None else found
                        todo.extend(branch)
                continue
            if isinstance(child, ast.stmt) and _contains(child, call):
                todo.append(child)
    return found


def _contains(stmt: ast.AST, call: ast.Call) -> bool:
    end = getattr(stmt, "end_lineno", None) or getattr(stmt, "lineno", 0)
    return getattr(stmt, "lineno", 0) <= call.lineno <= end


def _constant_path(node: ast.expr) -> str | None:
    """The trailing constant part of a path expression (``os.path.join(here, "conf", "app.json")`` -> conf/app.json)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        if name.endswith(("path.join", "joinpath")) or name in ("Path", "pathlib.Path", "PurePath"):
            parts: list[str] = []
            for arg in reversed(node.args):
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    break
                parts.insert(0, arg.value)
            if name.endswith("joinpath") and not parts:
                return None
            return "/".join(parts) if parts else None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = _constant_path(node.right)
        if right is None:
            return None
        left = node.left
        if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Div):
            inner = _constant_path(left)
            if inner is not None:
                return f"{inner}/{right}"
        return right
    return None


def _locate(site: CallSite, arg: ast.expr | None, kind: str, read_file: FileReader) -> tuple[str, str] | None:
    """The display path and text of the file the call loads.

    Flask resolves ``from_file``/``from_pyfile`` against the app's root path (the calling module's folder, or
    the package above a helper module) or its ``instance/`` folder; ``open()`` against the working directory,
    which is the project's root when the server starts there, or the module's folder for a path built from
    ``__file__``.
    """
    name = _constant_path(arg) if arg is not None else None
    if not name or name.startswith(("/", "~")) or "\\" in name:
        return None
    name = posixpath.normpath(name)
    if not name.endswith(SETTINGS_SUFFIXES) or (kind == "python" and name.endswith(".py")):
        return None
    here = posixpath.dirname(site.module.path)
    above = posixpath.dirname(here)
    folders = [here, posixpath.join(here, "instance"), posixpath.join(above, "instance"), above]
    if isinstance(site.node.func, ast.Attribute) and site.node.func.attr in _MAPPINGS:
        folders = ["", here]  # ``open("config.json")``: the working directory, or the module's folder
    for folder in dict.fromkeys(folders):
        candidate = posixpath.normpath(posixpath.join(folder, name))
        if candidate.startswith(("..", "/")):
            continue
        text = read_file(candidate)
        if text is not None:
            return candidate, text
    return None


def _file_env(path: str) -> str | None:
    """The environment a settings file holds, from its path; None for files that are no app's settings."""
    if role_of_path(path) is not FileRole.APPLICATION:
        return None
    name = path.rsplit("/", 1)[-1].lower()
    if _EXAMPLE_NAME().search(name):
        return None
    env = classify_env(name.rsplit(".", 1)[0])
    return "production" if env == "base" else env


def _toml_data(text: str) -> Any:
    """The TOML document of ``text`` (imported here, like YAML: only for TOML settings)."""
    try:  # Python 3.11+
        import tomllib  # noqa: PLC0415
    except ModuleNotFoundError:  # pragma: no cover - older Pythons use the backport the project depends on
        import tomli as tomllib  # type: ignore[no-redef]  # noqa: PLC0415

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from exc


def _yaml_data(text: str) -> Any:
    """The YAML document of ``text`` (imported here: most projects load no YAML settings, and start-up counts)."""
    import yaml  # noqa: PLC0415

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def _read(path: str, text: str, kind: str) -> Iterator[tuple[str, Any, int]]:
    """The upper-case top-level keys of the file, their values and lines."""
    if kind == "python" or path.endswith((".cfg", ".conf")) and kind != "json":
        yield from _read_python(text)
        return
    try:
        if kind == "json":
            data = json.loads(text)
        elif kind == "toml":
            data = _toml_data(text)
        else:
            data = _yaml_data(text)
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    lines = text.splitlines()
    for key, value in data.items():
        if isinstance(key, str) and _UPPER().match(key):
            yield key, value, _line_of(lines, key)


def _line_of(lines: list[str], key: str) -> int:
    """The first line that names ``key`` as a key (``"KEY":``, ``KEY =``, ``KEY:``, ``[KEY]``), else 1."""
    pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*[:=]|^\s*\[\s*{re.escape(key)}\s*\]""")
    for number, line in enumerate(lines, 1):
        if pattern.search(line) or f'"{key}"' in line and ":" in line.split(f'"{key}"', 1)[1][:3]:
            return number
    return 1


def _read_python(text: str) -> Iterator[tuple[str, Any, int]]:
    """``KEY = literal`` at the top level of a Python-syntax settings file (``from_pyfile("app.cfg")``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target = stmt.targets[0]
        if not (isinstance(target, ast.Name) and _UPPER().match(target.id)):
            continue
        try:
            value = ast.literal_eval(stmt.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        yield target.id, value, stmt.lineno


def literal_node(value: Any, line: int) -> ast.expr | None:
    """The AST of ``value`` (a constant, list or mapping of them), located at ``line``; None for anything else.

    A value of more than :data:`_MAX_NODES` items gives None: YAML aliases let a small file stand for a huge
    tree (``b: [*a, *a, ...]`` nested a few times), and no setting a rule reads is that large.
    """
    budget = [_MAX_NODES]
    node = _literal(value, line, 0, budget)
    return ast.fix_missing_locations(node) if node is not None else None


def _literal(value: Any, line: int, depth: int, budget: list[int]) -> ast.expr | None:
    node: ast.expr
    budget[0] -= 1
    if depth > _MAX_DEPTH or budget[0] < 0:
        return None
    if isinstance(value, str) and _PLACEHOLDER().match(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        node = ast.Constant(value)
    elif isinstance(value, (list, tuple)):
        items = []
        for v in value:
            item = _literal(v, line, depth + 1, budget)
            if item is None:
                return None
            items.append(item)
        node = ast.List(items, ast.Load())
    elif isinstance(value, dict):
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for k, v in value.items():
            key = _literal(k, line, depth + 1, budget) if isinstance(k, str) else None
            item = _literal(v, line, depth + 1, budget) if key is not None else None
            if key is None or item is None:
                return None
            keys.append(key)
            values.append(item)
        node = ast.Dict(keys, values)
    else:
        return None
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node

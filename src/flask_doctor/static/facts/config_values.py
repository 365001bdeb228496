"""Facts about the value of a config setting: constants, environment reads and their defaults.

A setting's value is an expression the checker never runs.  What rules need
to know of it is simple and the same everywhere: is it a true or false
constant (``"1"``, ``"off"``, ``True``, ``0``), a hard-coded secret, a read
of an environment variable and, if so, the default production falls back
to when the variable is missing (``os.environ.get("K", "dev")``,
``os.getenv("K") or "dev"``), or a value generated when the process starts
(``os.urandom(24)``).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts.scopes import enclosing_function, imports_at
from flask_doctor.static.names import ImportTable, dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import ConfigSetting, Project

#: Calls that read an environment variable (``environ.get``/``.getenv`` of any owner count too).
ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config", "environ.get"})
#: Calls that return a new random value, by qualified name, with the label a message shows.
RANDOM_CALLS = {
    "os.urandom": "os.urandom",
    "secrets.token_hex": "secrets.token_hex",
    "secrets.token_bytes": "secrets.token_bytes",
    "secrets.token_urlsafe": "secrets.token_urlsafe",
    "secrets.randbits": "secrets.randbits",
    "secrets.choice": "secrets.choice",
    "uuid.uuid4": "uuid.uuid4",
    "uuid.uuid1": "uuid.uuid1",
    "random.random": "random.random",
    "random.choice": "random.choice",
    "random.choices": "random.choices",
    "random.randint": "random.randint",
    "random.getrandbits": "random.getrandbits",
    "random.randbytes": "random.randbytes",
    "random.sample": "random.sample",
    "Crypto.Random.get_random_bytes": "get_random_bytes",
    "Cryptodome.Random.get_random_bytes": "get_random_bytes",
}


def qualify(table: ImportTable, node: ast.AST) -> str:
    """The qualified name of a Name/Attribute through ``table``, else its dotted text ("" for others)."""
    name = dotted(node) or ""
    return table.qualify(name) or name


def short(node: ast.AST, limit: int = 60) -> str:
    """The source of ``node`` cut to ``limit`` characters, for a message."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_env_read(node: ast.AST, table: ImportTable) -> bool:
    """``os.environ.get("K")``, ``os.getenv("K")``, ``os.environ["K"]``, ``config("K")`` (python-decouple)."""
    if isinstance(node, ast.Call):
        name = qualify(table, node.func)
        if name in ENV_GETTERS or name.endswith(("environ.get", ".getenv")):
            return True
    if isinstance(node, ast.Subscript):
        name = qualify(table, node.value)
        return name.endswith("environ")
    return False


def env_default(node: ast.AST, table: ImportTable) -> ast.expr | None:
    """The default of ``os.environ.get("K", default)`` / ``os.getenv("K") or default``."""
    if isinstance(node, ast.Call) and is_env_read(node, table):
        if len(node.args) >= 2:
            return node.args[1]
        for kw in node.keywords:
            if kw.arg in ("default", "value"):
                return kw.value
        return None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
        if any(is_env_read(v, table) for v in node.values[:-1]):
            return node.values[-1]
    return None


def truthy_constant(node: ast.AST | None) -> bool:
    """``True``, ``1``, ``"1"``, ``"true"``, ``"yes"``, ``"on"`` (how Flask and shells spell "on")."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)
    return False


def false_constant(node: ast.AST | None) -> bool:
    """``False``, ``0``, ``"0"``, ``"false"``, ``"no"``, ``"off"``."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("0", "false", "no", "off")
        return value is False or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    return False


def literal_secret(node: ast.AST | None) -> str | None:
    """The text of a hard-coded, non-empty secret literal (``"dev"``, ``b"..."``, f-string of constants)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return text if text.strip() else None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return text if text.strip() else None
    return None


def _local_value(project: Project, setting: ConfigSetting, name: str) -> ast.expr | None:
    """``key = os.urandom(24)`` earlier in the same function/module, for ``SECRET_KEY = key``."""
    path, line = setting.location.path, setting.location.line
    fn = enclosing_function(project, path, line)
    body: list[ast.AST]
    if fn is not None:
        body = list(ast.walk(fn.node))
    else:
        module = project.by_path.get(path)
        if module is None:
            return None
        body = list(module.tree.body)
    found: ast.expr | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and stmt.lineno < line:
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found = stmt.value
    return found


def random_call(project: Project, setting: ConfigSetting) -> tuple[ast.Call, str, bool] | None:
    """``(call, label, is_fallback)`` when the value is generated at start-up.

    ``is_fallback``: the random value is only the default of an environment
    read (``os.environ.get("K") or secrets.token_hex()``).
    """
    table = imports_at(project, setting.location.path, setting.location.line)
    value: ast.expr = setting.value
    if isinstance(value, ast.Name):
        local = _local_value(project, setting, value.id)
        if local is not None:
            value = local
    fallback_part = env_default(value, table)
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        name = qualify(table, node.func)
        label = RANDOM_CALLS.get(name)
        if label is None:
            continue
        is_fallback = fallback_part is not None and any(n is node for n in ast.walk(fallback_part))
        return node, label, is_fallback
    return None


__all__ = [
    "ENV_GETTERS",
    "RANDOM_CALLS",
    "env_default",
    "false_constant",
    "is_env_read",
    "literal_secret",
    "qualify",
    "random_call",
    "short",
    "truthy_constant",
]

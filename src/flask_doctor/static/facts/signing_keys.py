"""Token-signing keys a project reads from the attributes of its own configuration object.

Besides Flask's settings, projects sign tokens with a key kept on a configuration object of their own
(``global_config = Configuration()`` at module level, ``self.SECRET_KEY = "..."`` in its ``__init__``) and
passed straight to the signing library: ``jwt.encode(payload, global_config.SECRET_KEY)``.  This fact
finds those keys whose value the class writes as a string literal, with the other ways the class fills
the attribute (a value read from the environment, or from a file the operator may provide).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import ClassInfo, Project
from flask_doctor.static.names import dotted

#: Signing calls -> (position, keyword) of the key argument.
SIGNING_CALLS = {
    "jwt.encode": (1, "key"),
    "jwt.decode": (1, "key"),
    "jose.jwt.encode": (1, "key"),
    "jose.jwt.decode": (1, "key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"),
    "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimedSerializer": (0, "secret_key"),
    "itsdangerous.Serializer": (0, "secret_key"),
    "itsdangerous.TimedJSONWebSignatureSerializer": (0, "secret_key"),
}
#: The last segments of the signing calls' names: a site whose callee can be given none of them is no signing call.
_SIGNING_NAMES = frozenset(name.rpartition(".")[2] for name in SIGNING_CALLS)
#: Calls whose value comes from the process environment.
ENVIRONMENT_READS = ("os.environ.get", "os.getenv", "os.environ.__getitem__", "environ.get", "getenv")


@dataclass(frozen=True)
class SigningKey:
    """A literal a project configuration class writes to the attribute a signing call uses as its key."""

    attribute: str  # ``Configuration.SECRET_KEY``
    literal: str
    location: Location  # where the literal is written
    used: Location  # the signing call
    call_name: str  # ``jwt.encode``
    from_environment: bool  # some assignment in the class reads the environment
    from_file: bool  # some other assignment in the class reads something else (a file the operator writes)


def _attribute_writes(cls: ClassInfo, attribute: str) -> list[ast.expr]:
    """Values the class body or its methods assign to ``attribute`` (``X = ...``, ``self.X = ...``)."""
    values: list[ast.expr] = []
    for node in ast.walk(cls.node):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id == attribute and node in cls.node.body:
                values.append(value)
            elif (
                isinstance(target, ast.Attribute)
                and target.attr == attribute
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                values.append(value)
    return values


def _reads_environment(value: ast.expr) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and (dotted(node.func) or "").endswith(ENVIRONMENT_READS):
            return True
        if isinstance(node, ast.Subscript) and (dotted(node.value) or "").endswith("environ"):
            return True
    return False


def _string(value: ast.expr) -> str | None:
    """The text of a string literal, also when split over adjacent literals in parentheses."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


@project_fact
def configuration_signing_keys(project: Project) -> list[SigningKey]:
    """Literal token-signing keys written in a project configuration class (see the module docstring)."""
    found: dict[Location, SigningKey] = {}
    # the name looked up below ends with the callee's attribute, its written name, its builder's name or its
    # import's: the sites listed under the signing calls' last segments (``facts.sites``) are all it can match
    for site in calls_named(project, _SIGNING_NAMES):
        if is_test_path(site.module.path):
            continue
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        text = dotted(site.node.func) or ""
        qualified = (table.qualify(text) if table is not None else None) or site.name or text
        spec = SIGNING_CALLS.get(qualified)
        if spec is None:
            continue
        position, keyword = spec
        key = next((k.value for k in site.node.keywords if k.arg == keyword), None)
        if key is None and len(site.node.args) > position:
            key = site.node.args[position]
        if not (isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name)):
            continue
        holder = table.qualify(key.value.id) if table is not None else None
        obj = project.objects.get(project.canonical(holder or f"{site.module.name}.{key.value.id}"))
        if obj is None or obj.in_function is not None:
            continue
        for class_name in project.lineage(project.canonical(obj.type)):
            cls = project.classes.get(class_name)
            if cls is None:
                continue
            values = _attribute_writes(cls, key.attr)
            if not values:
                continue
            literals = [v for v in values if _string(v)]
            if not literals:
                break
            literal = literals[0]
            others = [v for v in values if not _string(v)]
            at = Location(cls.module.path, literal.lineno, literal.col_offset + 1)
            if at not in found:
                found[at] = SigningKey(
                    attribute=f"{cls.name}.{key.attr}",
                    literal=_string(literal) or "",
                    location=at,
                    used=Location(site.module.path, site.node.lineno, site.node.col_offset + 1),
                    call_name=qualified,
                    from_environment=any(_reads_environment(v) for v in values),
                    from_file=any(not _reads_environment(v) for v in others),
                )
            break
    return list(found.values())


__all__ = ["SIGNING_CALLS", "SigningKey", "configuration_signing_keys"]

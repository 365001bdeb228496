"""Token-signing keys a project reads from the attributes of its own configuration object.

Besides Flask's settings, projects sign tokens with a key kept on a configuration object of their own
(``global_config = Configuration()`` at module level, ``self.SECRET_KEY = "..."`` in its ``__init__``) and
passed straight to the signing library: ``jwt.encode(payload, global_config.SECRET_KEY)``.  This fact
finds those keys whose value the class writes as a string literal, with the other ways the class fills
the attribute (a value read from the environment, or from a file the operator may provide).

A second fact, :func:`inline_signing_keys`, finds the simpler spellings real applications use more often:
the key written as a literal in the signing call itself (``URLSafeTimedSerializer("confirm-secret")``,
``jwt.encode(payload, "secret")``) or in a module-level constant the call names
(``JWT_SECRET = "..."`` in the same module or imported from another project module), including the literal
default of an environment read (``JWT_SECRET = os.getenv("JWT_SECRET", "dev")``), which is used whenever
the deployment leaves the variable out.
"""

from __future__ import annotations

import ast

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.config import refused_when_missing
from flask_doctor.static.facts.config_values import (
    TracedSecret,
    env_variables,
    supplied_by_deploy,
    trace_to_literal,
)
from flask_doctor.static.facts.roles import FileRole, is_test_path, role_of
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import ClassInfo, FunctionInfo, Project
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.source import SourceModule

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


@dataclass(frozen=True, eq=False)
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


@dataclass(frozen=True, eq=False)
class InlineSigningKey:
    """A literal a signing call uses as its key: written in the call, or in a constant the call names."""

    literal: str  # may be empty: ``URLSafeTimedSerializer("")`` signs with no secret at all
    location: Location  # where the literal is written
    used: Location  # the signing call
    call_name: str  # ``itsdangerous.URLSafeTimedSerializer``
    name: str | None  # the constant the call names (``JWT_SECRET``), None when the literal is in the call
    fallback: bool  # only the default of an environment read: used when the deployment leaves the variable out


#: Text of a key that is public by design: a PEM public key or certificate verifies, it signs nothing.
_PUBLIC_KEY_MARKERS = ("PUBLIC KEY", "CERTIFICATE", "ssh-rsa ")


def _verification_off(call: ast.Call) -> bool:
    """``jwt.decode(token, "", options={"verify_signature": False})`` (or PyJWT 1's ``verify=False``): the key
    is not used, the token is only read."""
    for keyword in call.keywords:
        if keyword.arg == "verify" and isinstance(keyword.value, ast.Constant) and keyword.value.value is False:
            return True
        if keyword.arg == "options" and isinstance(keyword.value, ast.Dict):
            for k, v in zip(keyword.value.keys, keyword.value.values, strict=True):
                if (
                    isinstance(k, ast.Constant)
                    and k.value in ("verify_signature", "verify")
                    and isinstance(v, ast.Constant)
                    and v.value is False
                ):
                    return True
    return False


def _key_argument(site_node: ast.Call, spec: tuple[int, str]) -> ast.expr | None:
    position, keyword = spec
    key = next((k.value for k in site_node.keywords if k.arg == keyword), None)
    if key is None and len(site_node.args) > position and not isinstance(site_node.args[position], ast.Starred):
        key = site_node.args[position]
    return key


def bound_locally(function: FunctionInfo | None, name: str) -> bool:
    """``name`` is a parameter of the function or assigned in it: not the module constant of that name."""
    if function is None:
        return False
    node = function.node
    arguments = node.args
    if any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)):
        return True
    return any(
        isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store) for sub in ast.walk(node)
    )


def _provided(project: Project, key: ast.expr, module: SourceModule, table: ImportTable | None) -> bool:
    """The environment variable behind a fallback key is set by the production deploy files, or start-up code
    refuses to run without it: the literal default never reaches a deployment."""
    value = key
    if isinstance(key, ast.Name):
        assigned = [
            stmt.value
            for stmt in module.tree.body
            if isinstance(stmt, ast.Assign)
            for target in stmt.targets
            if isinstance(target, ast.Name) and target.id == key.id
        ]
        value = assigned[0] if len(assigned) == 1 else key
    where = table or ImportTable()
    if supplied_by_deploy(project, value, where):
        return True
    names = env_variables(value, where) + ([key.id] if isinstance(key, ast.Name) else [])
    return any(refused_when_missing(project, name) is not None for name in names)


def _local_literal(function: FunctionInfo | None, name: str) -> ast.Constant | None:
    """The string literal a function assigns to its local ``name`` once and only once (``KEY = "..."`` before
    ``Serializer(KEY)``); ``None`` for a parameter, a name assigned twice, or any other value."""
    if function is None:
        return None
    arguments = function.node.args
    if any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)):
        return None
    stores = [
        sub
        for sub in ast.walk(function.node)
        if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store)
    ]
    if len(stores) != 1:
        return None
    for node in ast.walk(function.node):
        if isinstance(node, ast.Assign) and node.targets == [stores[0]]:
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
                return value
    return None


@project_fact
def inline_signing_keys(project: Project) -> list[InlineSigningKey]:
    """Literal keys of signing calls in application code (see the module docstring)."""
    found: dict[Location, InlineSigningKey] = {}
    for site in calls_named(project, _SIGNING_NAMES):
        if site.in_main or role_of(project, site.module) is not FileRole.APPLICATION:
            continue  # a test, an example, a script or a development entry point signs for itself
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        text = dotted(site.node.func) or ""
        qualified = (table.qualify(text) if table is not None else None) or site.name or text
        spec = SIGNING_CALLS.get(qualified)
        if spec is None or _verification_off(site.node):
            continue
        key = _key_argument(site.node, spec)
        if key is None:
            continue
        used = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        traced: TracedSecret | None
        name: str | None = None
        if isinstance(key, ast.Constant) and isinstance(key.value, (str, bytes)):
            raw = key.value.decode("latin-1") if isinstance(key.value, bytes) else key.value
            traced = TracedSecret(raw, Location(site.module.path, key.lineno, key.col_offset + 1), False)
        elif isinstance(key, ast.Attribute | ast.Call) or (
            isinstance(key, ast.Name) and not bound_locally(site.function, key.id)
        ):
            traced = trace_to_literal(project, key, site.module, table)
            name = dotted(key) if isinstance(key, ast.Name | ast.Attribute) else None
        elif isinstance(key, ast.Name) and (local := _local_literal(site.function, key.id)) is not None:
            text = local.value.decode("latin-1") if isinstance(local.value, bytes) else str(local.value)
            traced = TracedSecret(text, Location(site.module.path, local.lineno, local.col_offset + 1), False)
            name = key.id
        else:
            continue
        if traced is None or any(marker in traced.text for marker in _PUBLIC_KEY_MARKERS):
            continue
        if traced.fallback and _provided(project, key, site.module, table):
            continue  # the deployment hands the app the variable, or the app refuses to start without it
        if traced.location not in found:
            found[traced.location] = InlineSigningKey(
                literal=traced.text,
                location=traced.location,
                used=used,
                call_name=qualified,
                name=name,
                fallback=traced.fallback,
            )
    return list(found.values())


__all__ = [
    "SIGNING_CALLS",
    "InlineSigningKey",
    "SigningKey",
    "bound_locally",
    "configuration_signing_keys",
    "inline_signing_keys",
]

"""Does a view change anything?  The write that makes a forged request worth forging.

A cross-site request forgery is an attack only when the forged request *does*
something with the victim's authority: saves a row, deletes a file, changes
the session, sends a mail.  A POST that only pages through a table (DataTables
sends its paging as a form), re-encodes a search and redirects to GET, or
returns a list of names changes nothing, and a finding on it is a false alarm.

Static code cannot prove that a view writes nothing, so this fact looks for
visible evidence that it writes, in the branch that handles the unsafe method
(``if request.method == "POST":``) or in the whole view, and one call level
down in the project functions it calls:

* a call whose name is a write verb (``commit``, ``save``, ``delete``,
  ``os.remove``, ``rename``, ``send_email``, ``update_user``...);
* ``open(path, "w")`` and friends;
* a store into the session, ``current_user`` or any other object the view did
  not create itself (``session["k"] = v``, ``current_user.email = v``).

A name is only a hint.  When a write-named call reaches a project function
(``set_form(data)``, ``self.set_header(key)``), its body decides, read
strictly down to a few levels: it writes unless it only stores into values
it created itself or that its caller created and passed in, and calls
nothing that writes.  Calls to other project helpers are followed two levels
down, so ``controllers.relabel(...)`` -> ``store.relabel(...)`` ->
``collection.find_one_and_update(...)`` is seen.  Copies that share a write's
name (``parts._replace(...)``, ``text.replace("a", "b")``) and Flask's
``send_file`` responses are not writes.

Rules that need a write say nothing (or less) when none is found, and show the
write they found as evidence.

:func:`action_write` passes over the project's bookkeeping calls
(:func:`bookkeeping_calls`): a helper that several GET-only views also call
(telemetry, an activity log) runs on any link to the site, so a forged POST
that does no more than that gains nothing a plain link does not.  A context
manager that commits on exit (``with session_scope() as session:``) writes
what its ``with`` block writes: the block is read, not the manager's body.
"""

from __future__ import annotations

import ast
import re

from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.guards import bound_arguments
from flask_doctor.static.facts.sql_strings import sql_template
from flask_doctor.static.facts.taint import bindings
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

#: Method or function names that change state (databases, files, caches, mail, the login).
WRITE_NAMES = frozenset(
    {
        "commit",
        "save",
        "add",
        "add_all",
        "delete",
        "remove",
        "update",
        "insert",
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "delete_one",
        "delete_many",
        "replace_one",
        "upsert",
        "execute",
        "executemany",
        "executescript",
        "flush",
        "merge",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
        "write",
        "write_text",
        "write_bytes",
        "writelines",
        "modify",
        "rename",
        "destroy",
        "revert",
        "store",
        "unlink",
        "rmtree",
        "removedirs",
        "rmdir",
        "mkdir",
        "makedirs",
        "move",
        "copy",
        "copyfile",
        "copytree",
        "replace",
        "set",
        "setex",
        "hset",
        "hdel",
        "incr",
        "decr",
        "lpush",
        "rpush",
        "sadd",
        "srem",
        "publish",
        "send",
        "sendmail",
        "send_message",
        "login_user",
        "logout_user",
        "apply_async",
        "delay",
        "enqueue",
        "put",
        "patch",
        "post",
        "truncate",
        "purge",
        "drop",
        "approve",
        "reject",
        "ban",
        "archive",
        "restore",
        "activate",
        "deactivate",
        "enable",
        "disable",
        "lock",
        "unlock",
        "invite",
        "register",
        "subscribe",
        "unsubscribe",
        "follow",
        "unfollow",
        "upload",
        "import_",
        "sync",
        "reset",
        "revoke",
        "grant",
        "create_all",
        "git_sync",
        "save_images",
        "delete_image",
    }
)
#: Prefixes of project helpers that change state (``save_page``, ``delete_user``, ``send_reset_mail``).
_WRITE_PREFIX = on_first_use(
    r"^_?(save|delete|remove|update|insert|create|add|set|send|write|modify|change|reset|register|import|upload"
    r"|store|apply|approve|reject|grant|revoke|ban|block|unblock|enable|disable|activate|deactivate|publish"
    r"|move|copy|rename|destroy|purge|clear|mark|toggle|assign|unassign|invite|subscribe|unsubscribe|follow"
    r"|unfollow|lock|unlock|restore|archive|edit|submit|post|put|commit|persist|record|log_in|login|logout"
    r"|generate|issue|rotate|transfer|pay|charge|refund|cancel|close|open|merge|revert|undo|upsert|drop"
    r"|truncate|empty|flush|schedule|enqueue|trigger|run|start|stop|kill|execute)_",
)
#: The same verbs in camelCase project helpers (``dropBlacklist``, ``saveSettings``, ``removeUser``): only the
#: verbs that always change something, not ``open``/``run``/``start``, which often only read (``runQuery``).
_CAMEL_WRITE_PREFIX = on_first_use(
    r"^_?(save|delete|remove|update|insert|create|add|set|send|write|modify|change|reset|register|import|upload"
    r"|store|approve|reject|grant|revoke|ban|block|unblock|enable|disable|activate|deactivate|publish|rename"
    r"|destroy|purge|clear|mark|toggle|assign|unassign|invite|subscribe|unsubscribe|follow|unfollow|lock|unlock"
    r"|restore|archive|edit|submit|commit|persist|upsert|drop|truncate|move|copy|transfer|pay|charge|refund"
    r"|cancel)[A-Z]",
)
#: camelCase methods of the standard library that configure an object in memory (``logging``, ``threading``).
_CAMEL_CONFIGURERS = frozenset(
    {"setLevel", "setFormatter", "addHandler", "removeHandler", "addFilter", "removeFilter", "setDaemon", "setName"}
)
#: Calls that ask a question (``can_edit``, ``is_admin``) and objects that answer permission questions.
_PREDICATE_PREFIXES = ("can_", "may_", "is_", "has_", "check_", "get_", "find_", "load_", "read_", "validate_")
#: Helpers that compute or fetch: their callees are not searched for writes (``get_config()`` may register keys).
_READER_PREFIXES = (
    *_PREDICATE_PREFIXES,
    "from_",
    "to_",
    "parse_",
    "prep_",
    "build_",
    "make_",
    "render_",
    "format_",
    "compute_",
    "calc_",
    "list_",
    "search_",
    "query_",
    "fetch_",
    "lookup_",
    "serialize_",
    "serialise_",
    "encode_",
    "decode_",
)
#: A fetch that also writes: pymongo's ``find_one_and_update``/``find_and_modify``, ``get_or_create``.
_FETCH_AND_WRITE = on_first_use(
    r"_and_(update|replace|delete|modify|remove|insert|set)(_|$)|_or_(create|insert|add)(_|$)"
)
#: Flask helpers whose write-like names build a response.
_RESPONSES = frozenset({"send_file", "send_from_directory", "send_static_file"})
_PERMISSION_OBJECTS = frozenset({"may", "can", "allowed", "permissions", "perms", "acl", "policy"})
#: Builtins that share a name with a write method (``set()`` builds a set).
_BUILTIN_CONSTRUCTORS = frozenset({"set", "copy", "replace", "update", "post", "put", "patch"})
#: ``open()`` modes that write.
_WRITE_MODE = on_first_use(r"[wax+]")
#: Names a store into changes state beyond the request (``g`` is request scratch space).
_SCRATCH = frozenset({"g", "flask.g", "self", "cls"})
#: Methods of the session object (and of any mapping the view did not create) that change it.
_MAPPING_WRITES = frozenset({"pop", "popitem", "clear", "update", "setdefault", "__setitem__", "__delitem__"})


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


#: Calls that run the SQL text they are given.
_SQL_RUNNERS = frozenset({"execute", "executescript", "executemany", "execute_sql", "exec_driver_sql", "query"})
#: SQL statements that change data or schema (the first word of the text).
_SQL_WRITE = on_first_use(
    r"\s*(?:insert|update|delete|drop|alter|create|replace|truncate|merge|upsert)\b", re.IGNORECASE
)


def _sql_write(call: ast.Call) -> bool:
    """``db.execute("DELETE FROM ...")``, ``dataset.query(f'DROP TRIGGER "{name}"')``: the SQL says it writes."""
    if _call_name(call) not in _SQL_RUNNERS or not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.Call) and first.args and _call_name(first) == "text":
        first = first.args[0]  # ``session.execute(text("UPDATE ..."))``
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        text: str | None = first.value
    else:
        text, _ = sql_template(first)
    return bool(text and _SQL_WRITE().match(text))


def _write_call(call: ast.Call, owner_locals: set[str]) -> bool:
    """Is this call a write (by name, ``open(.., "w")``, SQL that writes, or a mutation of the session)?"""
    name = _call_name(call).lstrip("_")
    if not name:
        return False
    if _sql_write(call):
        return True
    if name.startswith(_PREDICATE_PREFIXES):
        return bool(_FETCH_AND_WRITE().search(name))  # ``find_one_and_update``, ``get_or_create``
    if _call_name(call) == "_replace" or name in _RESPONSES:
        return False  # ``parts._replace(query=...)`` is a named tuple's changed copy; ``send_file`` a response
    if name == "replace" and isinstance(call.func, ast.Attribute) and dotted(call.func.value) != "os":
        # ``text.replace("$PAGE", name)``, ``stamp.replace(tzinfo=utc)`` copy; ``Path(p).replace(target)`` moves
        single = len(call.args) == 1 and not call.keywords
        return single and not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str))
    if isinstance(call.func, ast.Attribute):
        receiver = dotted(call.func.value) or ""
        if receiver.rsplit(".", 1)[-1] in _PERMISSION_OBJECTS:
            return False  # ``user.may.destroy(name)`` asks, it does not destroy
    elif name in _BUILTIN_CONSTRUCTORS:
        return False
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(_WRITE_MODE().search(mode.value))
    if name in _MAPPING_WRITES and isinstance(call.func, ast.Attribute):
        receiver = dotted(call.func.value) or ""
        return receiver.split(".")[0] == "session"
    if name in ("append", "extend", "add", "remove", "discard") and isinstance(call.func, ast.Attribute):
        receiver = dotted(call.func.value) or ""
        head = receiver.split(".")[0]
        if head in owner_locals or not receiver:
            return False  # a list or set the view builds itself
        if name in ("append", "extend", "discard"):
            return head.isupper() or head == "session"  # a module-level registry (``SESSIONS.append(token)``)
    if name in WRITE_NAMES or _WRITE_PREFIX().match(name):
        return True
    return name not in _CAMEL_CONFIGURERS and bool(_CAMEL_WRITE_PREFIX().match(name))


def _store_target(target: ast.expr, owner_locals: set[str]) -> bool:
    """A store into something the view did not create: the session, ``current_user``, a module global."""
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return False
    base: ast.expr = target
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    if not isinstance(base, ast.Name):
        return False
    if base.id in _SCRATCH:
        return False
    return base.id not in owner_locals or base.id == "session"


def unsafe_branch(fn: FunctionInfo) -> list[ast.stmt]:
    """The statements that run for a POST: the ``if request.method == "POST":`` branch and what surrounds it.

    Without such a branch, the whole body.
    """
    body = fn.node.body
    for index, stmt in enumerate(body):
        if not isinstance(stmt, ast.If):
            continue
        side = _method_test(stmt.test)
        if side is None:
            continue
        branch = stmt.body if side else stmt.orelse
        before = body[:index]
        after = body[index + 1 :]
        ends = bool(branch) and isinstance(branch[-1], (ast.Return, ast.Raise))
        return [*before, *branch, *([] if ends else after)]
    return list(body)


def has_method_branch(fn: FunctionInfo) -> bool:
    """The view tells its methods apart itself: ``if request.method == "POST":`` at the top of its body."""
    return any(isinstance(stmt, ast.If) and _method_test(stmt.test) is not None for stmt in fn.node.body)


def _method_test(test: ast.expr) -> bool | None:
    """``request.method == "POST"`` -> True (the body is the POST branch); ``== "GET"`` -> False; else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, right = test.left, test.comparators[0]
    if not (isinstance(left, ast.Attribute) and left.attr == "method"):
        return None
    values: set[str] = set()
    if isinstance(right, ast.Constant) and isinstance(right.value, str):
        values = {right.value.upper()}
    elif isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        values = {e.value.upper() for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    if not values:
        return None
    unsafe = bool(values & {"POST", "PUT", "PATCH", "DELETE"})
    positive = isinstance(test.ops[0], (ast.Eq, ast.In))
    if unsafe:
        return positive
    if values <= {"GET", "HEAD"}:
        return not positive
    return None


def _locals_of(fn: FunctionInfo) -> set[str]:
    names = set(fn.local_names)
    names.update(a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs))
    return names


def _params_of(fn: FunctionInfo) -> list[str]:
    args = fn.node.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _fresh_locals(project: Project, fn: FunctionInfo) -> set[str]:
    """Locals bound only to new values (a literal, a comprehension, a call's result), never to another name.

    ``data = {}`` is the function's own; ``prefs = session`` or ``for item in current_user.items`` are not.
    """
    fresh: set[str] = set()
    aliased: set[str] = set()
    for bound in bindings(project, fn):
        alias = isinstance(bound.value, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred))
        (aliased if alias else fresh).update(bound.names)
    return fresh - aliased - set(_params_of(fn)) - {"session", "current_user", "g"}


#: How deep a helper whose *name* says it writes is read to see whether its body really does.
_PROOF_DEPTH = 4
#: How deep other project helpers are searched for a write.
_LOOSE_DEPTH = 2


def _in_cookie_session(fn: FunctionInfo, node: ast.expr) -> bool:
    """Does ``node`` (``session["k"]``, ``session.pop``) name Flask's cookie ``session`` in ``fn``?"""
    base = node
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    return isinstance(base, ast.Name) and (fn.imports.qualify(base.id) or "") == "flask.session"


def _first_write(
    project: Project,
    fn: FunctionInfo,
    stmts: list[ast.stmt],
    depth: int,
    cookie_session: bool = True,
    passing: frozenset[str] = frozenset(),
) -> ast.AST | None:
    """The first visible write in ``stmts``: one made here first, else a call into a helper that writes.

    With ``cookie_session=False``, stores into Flask's ``session`` (the user's own cookie) do not count; calls to
    the project functions in ``passing`` do not count either.
    """
    owner_locals = _locals_of(fn)
    helpers: list[tuple[ast.Call, FunctionInfo]] = []
    managers: set[int] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if not isinstance(node, (ast.With, ast.AsyncWith)):
                continue
            for item in node.items:
                expr = item.context_expr
                callee = _project_callee(project, fn, expr) if isinstance(expr, ast.Call) else None
                if callee is None or not _yields(callee):
                    continue
                managers.add(id(expr))
                if isinstance(item.optional_vars, ast.Name):
                    # what the manager hands out (a session) is not the view's own object: ``work.add(row)`` writes
                    owner_locals.discard(item.optional_vars.id)
    for stmt in stmts:
        for node in ast.walk(stmt):
            if not cookie_session and (
                (isinstance(node, ast.Call) and _in_cookie_session(fn, node.func))
                or (
                    isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete))
                    and all(
                        _in_cookie_session(fn, t)
                        for t in (node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target])
                    )
                )
            ):
                continue
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                if depth == 0 and any(_store_target(t, owner_locals) for t in targets):
                    return node
                if isinstance(node, ast.Delete) and any(
                    isinstance(t, ast.Subscript) and dotted(t.value) == "session" for t in targets
                ):
                    return node
            elif isinstance(node, ast.Call):
                callee = _project_callee(project, fn, node)
                if callee is not None and callee.qualname in passing:
                    continue  # bookkeeping that GET-only views do as well
                if id(node) in managers:
                    continue  # ``with session_scope() as s:`` commits what its block does: the block decides
                if _write_call(node, owner_locals):
                    fresh = _fresh_locals(project, fn)
                    if callee is None or _proven_writes(project, node, callee, fresh, depth + 1, frozenset()):
                        return node
                    # ``set_form(data)`` only fills the view's own dict: the name is not the deed
                elif (
                    depth < _LOOSE_DEPTH
                    and callee is not None
                    and not callee.name.lstrip("_").startswith(_READER_PREFIXES)
                ):
                    helpers.append((node, callee))
    for node, callee in helpers:
        if _first_write(project, callee, list(callee.node.body), depth + 1, cookie_session, passing) is not None:
            return node
    return None


def _yields(fn: FunctionInfo) -> bool:
    """A generator function: with ``@contextmanager``, a unit of work that wraps its ``with`` block."""
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in ast.walk(fn.node))


#: How many GET-only views must make the same call for it to be the project's bookkeeping.
_BOOKKEEPING_VIEWS = 3
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@project_fact
def bookkeeping_calls(project: Project) -> frozenset[str]:
    """Project functions that three or more GET-only views call as a statement of their own.

    ``record_usage("page")`` or ``log_visit()`` at the top of every view is the project's bookkeeping (telemetry,
    an activity log), not what a view is for: any link to the site already runs it, so a POST view whose only write
    is such a call gives a forged request nothing a link does not.  A view counts as GET-only when its routes name
    their methods and none is unsafe (a route without ``methods`` answers GET).
    """
    counts: dict[str, int] = {}
    for fn in project.views():
        methods = {m.upper() for route in fn.routes for m in route.methods}
        if not fn.routes or not methods or not methods <= _SAFE_METHODS or fn.class_name:
            continue
        called: set[str] = set()
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                callee = _project_callee(project, fn, node.value)
                if callee is not None:
                    called.add(callee.qualname)
        for qualname in called:
            counts[qualname] = counts.get(qualname, 0) + 1
    return frozenset(q for q, n in counts.items() if n >= _BOOKKEEPING_VIEWS)


def _project_callee(project: Project, fn: FunctionInfo, call: ast.Call) -> FunctionInfo | None:
    name = dotted(call.func)
    callee = project.resolve_function(name, fn, fn.module) if name else None
    return callee if callee is not fn else None


def _owned_params(callee: FunctionInfo, call: ast.Call, owned: set[str]) -> set[str]:
    """The callee's parameters bound to objects the caller created itself (a dict it fills for a template)."""
    bound = bound_arguments(callee, call)
    return {
        param
        for param, arg in bound.items()
        if (arg.id in owned if isinstance(arg, ast.Name) else not isinstance(arg, (ast.Attribute, ast.Subscript)))
    }


def _proven_writes(
    project: Project,
    call: ast.Call,
    callee: FunctionInfo,
    caller_owned: set[str],
    depth: int,
    seen: frozenset[str],
) -> bool:
    """Does the project function a write-named call reaches really write?  True unless its body shows it does not.

    Read strictly: a store into anything but the callee's own locals (or a parameter the caller filled with an
    object it created), a write-named call that resolves nowhere, a callee too deep to read or a recursive one,
    all count as writes.
    """
    if depth > _PROOF_DEPTH or callee.qualname in seen or not callee.node.body:
        return True
    seen = seen | {callee.qualname}
    owned = _fresh_locals(project, callee) | _owned_params(callee, call, caller_owned)
    for stmt in callee.node.body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)):
                return True
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for target in targets:
                    base = target
                    while isinstance(base, (ast.Attribute, ast.Subscript, ast.Starred)):
                        base = base.value
                    if isinstance(target, (ast.Attribute, ast.Subscript)) and not (
                        isinstance(base, ast.Name) and base.id in owned
                    ):
                        return True
            elif isinstance(node, ast.Call):
                inner = _project_callee(project, callee, node)
                if inner is not None:
                    if _proven_writes(project, node, inner, owned, depth + 1, seen):
                        return True
                elif _write_call(node, owned):
                    return True
    return False


@keyed_fact
def view_write(project: Project, fn: FunctionInfo) -> Location | None:
    """Where the view visibly changes state when it handles an unsafe method (None: no write found)."""
    found = _first_write(project, fn, unsafe_branch(fn), 0)
    if found is None:
        return None
    return Location(fn.module.path, getattr(found, "lineno", fn.node.lineno), getattr(found, "col_offset", 0) + 1)


@keyed_fact
def action_write(project: Project, fn: FunctionInfo) -> Location | None:
    """Like :func:`view_write`, but the project's bookkeeping calls (:func:`bookkeeping_calls`) do not count.

    Only a write that is a call of a project function can be bookkeeping, so the project-wide count of GET-only
    views' calls is made only when the first write found is one (skipping calls never moves a write found before
    them)."""
    stmts = unsafe_branch(fn)
    found = _first_write(project, fn, stmts, 0)
    if isinstance(found, ast.Call) and _project_callee(project, fn, found) is not None:
        found = _first_write(project, fn, stmts, 0, passing=bookkeeping_calls(project))
    if found is None:
        return None
    return Location(fn.module.path, getattr(found, "lineno", fn.node.lineno), getattr(found, "col_offset", 0) + 1)


def lasting_write(project: Project, fn: FunctionInfo) -> Location | None:
    """Like :func:`view_write`, but a store into Flask's cookie ``session`` does not count: what the view
    changes beyond the user's own cookie (a display preference kept there is no lasting change)."""
    found = _first_write(project, fn, unsafe_branch(fn), 0, cookie_session=False)
    if found is None:
        return None
    return Location(fn.module.path, getattr(found, "lineno", fn.node.lineno), getattr(found, "col_offset", 0) + 1)


__all__ = [
    "WRITE_NAMES",
    "action_write",
    "bookkeeping_calls",
    "has_method_branch",
    "lasting_write",
    "unsafe_branch",
    "view_write",
]

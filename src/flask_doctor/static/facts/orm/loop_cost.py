"""Facts about what one iteration of a loop costs besides its query: when an N+1 is not worth fixing.

Two reasons make one extra query per item noise, whatever the rows are:

* **N is capped small in the code** (:func:`capped_count`): the loop walks a query cut by a literal
  ``.limit(3)``, a page of ``per_page=5``, or a literal slice ``rows[:5]``. At most that many extra round
  trips run, however large the table grows. The cap counts only up to :data:`SMALL_N`: a page of ten
  or twenty rows, each loading its relationship, is the classic N+1 a list page shows.
* **Each iteration already talks to another service** (:func:`per_item_io`): it sends an e-mail (also
  through Flask-User's ``user_manager.email_manager.send_...``), calls
  an HTTP API or a cloud SDK's client, runs a command, moves or deletes a file, or enqueues a task.
  Such a call costs far more than a database round trip on the same connection, so batching the query
  changes little. A commit or a plain ``session.add`` per item is *not* such a call: it is a database
  round trip like the query, and one grouped query plus one commit is the fix.

The I/O is looked for in the loop's own body (not under an ``if`` that tests what the per-item read
returned: ``if not referencing_count: os.remove(path)`` deletes only the few orphans), and in the
project functions the body calls, three levels down (``reminder.send()`` -> ``send_email(...)``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts.calls import callee_name, classify_mail_send, self_attribute_types, self_class
from flask_doctor.static.facts.jobs.tasks import NETWORK_PREFIXES, imports_package
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.queries import helper_context
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.facts.orm.queries import Query
    from flask_doctor.static.model import FunctionInfo, ModelInfo, Project

#: The largest cap written in the code under which a per-item query is not reported: at most this many
#: extra round trips. Ten rows each loading a relationship (a "recent items" box) is still reported.
SMALL_N = 5

#: Network clients of :data:`NETWORK_PREFIXES` that are datastores: a call to one costs about what a
#: query does, so it does not make the per-item query noise.
_DATASTORES = (
    "redis.",
    "pymongo.",
    "psycopg2.",
    "pymysql.",
    "MySQLdb.",
    "elasticsearch.",
    "opensearchpy.",
)
#: Top-level packages whose ``...Client`` classes are datastores, not remote APIs.
_DATASTORE_PACKAGES = frozenset(
    {
        "pymongo",
        "motor",
        "redis",
        "influxdb",
        "influxdb_client",
        "cassandra",
        "clickhouse_driver",
        "elasticsearch",
        "pymemcache",
        "memcache",
        "pylibmc",
        "bmemcached",
    }
)
#: Calls that change files on disk.
_FILE_CHANGES = frozenset(
    {
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.replace",
        "os.rmdir",
        "os.removedirs",
        "shutil.move",
        "shutil.rmtree",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "pathlib.Path.unlink",
        "pathlib.Path.rename",
        "pathlib.Path.replace",
        "pathlib.Path.rmdir",
    }
)
#: Methods that hand work to a task queue (Celery, RQ): a message to the broker per item.
_ENQUEUE = frozenset({"delay", "apply_async", "send_task", "enqueue", "enqueue_call"})
#: ``celery.AsyncResult(task_id)``: a handle built to read a task's state or result from the result backend.
_RESULT_HANDLES = frozenset({"AsyncResult", "GroupResult"})
#: A function whose name says it sends an e-mail (``send_email``, ``send_report_mail``, ``sendmail``).
_MAIL_NAME = re.compile(r"(?:^|_)send(?:_\w+)?_e?mails?$|^sendmail$")
#: How far into the project functions the loop body calls the I/O is looked for.
_DEPTH = 3


@dataclass(frozen=True, eq=False)
class ItemIo:
    """A call to another service made on every iteration: what it is, and where."""

    what: str
    call: ast.Call
    function: FunctionInfo


def capped_count(
    query: Query | None, iterable: ast.expr, ctx: Context, *, query_ctx: Context | None = None
) -> int | None:
    """The cap written in the code on how many items the loop walks, when it is at most :data:`SMALL_N`.

    ``.limit(3)`` / ``.paginate(per_page=5)`` on the query whose rows the loop walks, or a literal slice
    of what it walks (``rows[:5]``); a name bound once to a literal (``TOP = 3``) counts as the literal.
    ``None`` when nothing caps the items that low. ``query_ctx`` is where the query is built, when a caller
    passes its rows in.
    """
    caps: list[int] = []
    node = iterable
    while isinstance(node, ast.Call) and node.args and dotted(node.func) in ("enumerate", "sorted", "list", "reversed"):
        node = node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        piece = node.slice
        if piece.lower is None and piece.step is None and piece.upper is not None:
            upper = _literal_int(piece.upper, ctx)
            if upper is not None:
                caps.append(upper)
    if query is not None:
        for method, call in query.methods:
            if not isinstance(call, ast.Call):
                continue
            if method == "limit" and len(call.args) == 1:
                size = _literal_int(call.args[0], query_ctx or ctx)
                if size is not None:
                    caps.append(size)
            if method == "paginate":
                per_page = next((kw.value for kw in call.keywords if kw.arg == "per_page"), None)
                size = _literal_int(per_page, query_ctx or ctx) if per_page is not None else None
                if size is not None:
                    caps.append(size)
    small = [c for c in caps if 0 < c <= SMALL_N]
    return min(small) if small else None


def _literal_int(node: ast.expr, ctx: Context) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(node.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Constant):
            return _literal_int(values[0], ctx)
        if not values:
            for stmt in ctx.module.tree.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == node.id
                    and isinstance(stmt.value, ast.Constant)
                ):
                    return _literal_int(stmt.value, ctx)
    return None


def per_item_io(
    project: Project,
    fn: FunctionInfo,
    body: Iterable[ast.AST],
    *,
    helpers: Iterable[FunctionInfo] = (),
    items: dict[str, ModelInfo] | None = None,
    read_result: Callable[[ast.expr], bool] | None = None,
) -> ItemIo | None:
    """A call to another service each iteration of a loop makes (mail, HTTP or SDK client, command, file
    change, task enqueue), in the loop's ``body`` or in a project function it calls; else ``None``.

    ``helpers`` are functions the caller already knows the body runs per item (the chain to the query);
    ``items`` maps the loop's item to its model, so ``row.send()`` reaches the model's method;
    ``read_result`` tells a test that reads what the per-item query returned: I/O under such an ``if``
    runs only for some items (``if not found: os.remove(path)``) and does not count.
    """
    ctx = helper_context(project, fn)
    stack: list[ast.AST] = list(body)
    calls: list[ast.Call] = []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.If) and read_result is not None and read_result(node.test):
            stack.extend(node.orelse)  # the ``else`` runs when the test fails: also only for some items
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    for call in calls:
        found = _io(ctx, call)
        if found is not None:
            return ItemIo(found, call, fn)
    seen: set[str] = {fn.qualname}
    frontier: list[FunctionInfo] = []
    for helper in helpers:
        if helper.qualname not in seen:
            seen.add(helper.qualname)
            frontier.append(helper)
    for call in calls:
        callee = _callee(project, fn, call, items or {})
        if callee is not None and callee.qualname not in seen:
            seen.add(callee.qualname)
            frontier.append(callee)
    for _depth in range(_DEPTH):
        following: list[FunctionInfo] = []
        for helper in frontier:
            inner = helper_context(project, helper)
            for _name, call in helper.calls:
                found = _io(inner, call)
                if found is not None:
                    return ItemIo(found, call, helper)
            for name, _call in helper.calls:
                callee = project.resolve_function(name, helper, helper.module)
                if callee is not None and callee.qualname not in seen:
                    seen.add(callee.qualname)
                    following.append(callee)
        frontier = following
    return None


def _callee(project: Project, fn: FunctionInfo, call: ast.Call, items: dict[str, ModelInfo]) -> FunctionInfo | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        # ``notification_digest(rows).send(user)``: a method of the class the project function says it returns
        maker = _callee(project, fn, func.value, items)
        returns = dotted(maker.node.returns) if maker is not None and maker.node.returns is not None else None
        if maker is not None and returns:
            qualified = maker.imports.qualify(returns)
            cls = project.canonical(qualified) if qualified else f"{maker.module.name}.{returns}"
            return project._method(cls, func.attr) if cls in project.classes else None
    name = dotted(func)
    if not name:
        return None
    head, _, rest = name.partition(".")
    if head in items and rest and "." not in rest:
        return project._method(items[head].qualname, rest)  # ``reminder.send()`` on a row of the model
    return project.resolve_function(name, fn, fn.module)


def _io(ctx: Context, call: ast.Call) -> str | None:
    """What kind of call to another service ``call`` is, or ``None``."""
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if isinstance(func, ast.Attribute) and last in _ENQUEUE:
        return f"enqueues a task (`{_short(call)}`)"
    if last in _RESULT_HANDLES:
        return f"asks the task queue's result backend (`{_short(call)}`)"
    if _MAIL_NAME.search(last):
        return f"sends an e-mail (`{_short(call)}`)"
    if classify_mail_send(ctx, call) is not None:
        return f"sends an e-mail (`{_short(call)}`)"
    if _flask_user_mail(ctx, call):
        return f"sends an e-mail (`{_short(call)}`)"
    full = callee_name(ctx, call) or _through_attribute(ctx, call) or ""
    if not full:
        return None
    if full in _FILE_CHANGES:
        return f"changes a file (`{_short(call)}`)"
    if full.startswith("subprocess."):
        return f"runs a command (`{_short(call)}`)"
    if full.startswith(NETWORK_PREFIXES) and not full.startswith(_DATASTORES) and "." in full:
        if full.rsplit(".", 1)[-1][:1].isupper() and not full.startswith(("smtplib.SMTP", "boto3.")):
            return None  # an exception or a settings object built, not a call made (``requests.HTTPError(...)``)
        return f"calls another service (`{_short(call)}`)"
    owner, _, _method = full.rpartition(".")
    top = owner.split(".", 1)[0]
    if (
        owner.rsplit(".", 1)[-1].endswith("Client")
        and top not in _DATASTORE_PACKAGES
        and top not in ("flask", "werkzeug")  # a test client calls the app in process
        and owner not in ctx.project.classes
        and not any(name.split(".", 1)[0] == top for name in ctx.project.modules)
    ):
        return f"calls an API client (`{_short(call)}`)"
    return None


def _flask_user_mail(ctx: Context, call: ast.Call) -> bool:
    """``user_manager.email_manager.send_user_report(...)``: a ``send_...`` method of Flask-User's
    ``UserManager.email_manager``, an ``EmailManager`` (or the project's subclass of it) that renders the
    message and sends it through the configured adapter (SMTP, sendmail, SendGrid)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr.startswith("send_")):
        return False
    receiver = dotted(func.value) or ""
    return receiver.rsplit(".", 1)[-1] == "email_manager" and imports_package(ctx.project, "flask_user")


def _through_attribute(ctx: Context, call: ast.Call) -> str | None:
    """``self.nova.servers.delete(...)``: a call reached through an object the class keeps (``self.nova =
    novaclient.Client(...)``), named by that object's type and the method called."""
    name = dotted(call.func) or ""
    parts = name.split(".")
    if len(parts) < 4 or parts[0] != "self":
        return None
    owner = self_class(ctx.function)
    kept = self_attribute_types(ctx.project, owner).get(parts[1]) if owner else None
    return f"{kept}.{parts[-1]}" if kept else None


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 50 else text[:47] + "..."


__all__ = ["SMALL_N", "ItemIo", "capped_count", "per_item_io"]

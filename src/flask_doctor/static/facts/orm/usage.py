"""Facts about how the application uses its tables: who adds rows, who reads them, what drains a queue.

The database rules need evidence before they warn (docs/precision: "severity
follows evidence"):

* a table grows with use when code that runs per request or per job adds
  rows to it (``db.session.add(Post(...))``, ``Person.create(...)``) — a
  creation timestamp proves nothing (a release schedule has one too), and
  rows only an administrator adds (registered API clients, gateway secrets)
  stay few;
* a page only administrators open (``@admin_required``, a route under
  ``/admin``) lists all rows by purpose;
* a job or view that selects rows by a state or a deadline and then clears
  that state (``reminder.is_sent = True``) or deletes the rows works through a
  queue: each run sees the backlog since the last one, not the whole table.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.csrf import SESSION_AUTH
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.jobs.tasks import imports_package
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.models import (
    Relation,
    foreign_key_of,
    grows,
    model_for,
    model_property,
    owner_column,
    parent_columns,
    parent_model,
    relations,
    sign_in_account,
    unique_columns,
)
from flask_doctor.static.facts.orm.queries import (
    Query,
    bound_reason,
    filter_terms,
    naming_column,
    parent_key,
    per_owner,
    row_model,
)
from flask_doctor.static.facts.roles import is_test_path, role_of_path
from flask_doctor.static.model import JOB, REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, ModelInfo, Project

#: Class methods that add a row of their class (``Person.create(**data)``, ``User.get_or_create(...)``).
CREATORS = ("create", "get_or_create", "new", "create_from_dict", "from_dict", "add")
_ADMIN = on_first_use(r"admin|superuser|staff_required|is_staff", re.IGNORECASE)
#: Tables with one row per person who uses the instance: they grow with the audience, not with its activity.
ACCOUNT_TABLES = frozenset({"user", "users", "person", "persons", "people", "member", "members", "account", "accounts"})
#: Functions that delete or cascade: a write per item is what they are for.
DELETES = on_first_use(r"^_?(remove|delete|purge|destroy|cascade|drop)", re.IGNORECASE)
_CACHE_DECORATORS = ("lru_cache", "cache", "cached", "memoize", "memoize_function", "cached_property", "ttl_cache")


def deletes_per_item(loop: ast.AST) -> bool:
    """The loop deletes or removes something on each pass (``session.delete(row)``, ``remove_member(m)``).

    A function named for deleting (``Forum.delete``) may loop over other rows only to fix them up
    (recount each poster's posts); only a loop that itself deletes is the cascade that needs a write per item.
    """
    statements = _delete_statements(loop)
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and id(node) not in statements:
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if name and DELETES().search(name):
                return True
    return False


def deleted_each(load: ast.AST, at: ast.AST, fn: FunctionInfo) -> Evidence | None:
    """The loop over the rows ``load`` fetches hands each one it walks to a routine that deletes it, on every pass.

    ``for job in marked: delete_job.delay(job.id)``, ``for m in gone: remove_member(m)``: each row needs work of
    its own (files, dependants, a task per row) and every run removes what it selected, so the next run sees only
    what came since (the backlog), never the table. A plain ``session.delete(row)`` or ``row.delete()`` per row
    does not count: one bulk ``delete()`` does the same without loading the rows. A deletion under an ``if`` in
    the loop (only some rows go) does not count either. ``at`` is the ``for`` loop when the query is iterated
    directly, else the loop is one over the loaded result or the name it is assigned to.
    """
    loops: list[ast.For | ast.AsyncFor] = []
    if isinstance(at, (ast.For, ast.AsyncFor)):
        loops.append(at)
    else:
        names = {
            target.id
            for node in body_nodes(fn.node.body)
            if isinstance(node, ast.Assign) and any(sub is load for sub in ast.walk(node.value))
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        loops.extend(
            node
            for node in body_nodes(fn.node.body)
            if isinstance(node, (ast.For, ast.AsyncFor))
            and (
                (isinstance(node.iter, ast.Name) and node.iter.id in names)
                or any(sub is load for sub in ast.walk(node.iter))  # ``for row in q.all():``
            )
        )
    for loop in loops:
        if not isinstance(loop.target, ast.Name):
            continue
        row = loop.target.id
        for stmt in loop.body:  # the statements every pass runs, not those under an ``if``
            if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
                continue
            call = stmt.value
            parts = (dotted(call.func) or "").split(".")
            given = [*call.args, *(kw.value for kw in call.keywords)]
            mentions = any(_row_or_key(a, row) for a in given)  # ``delete(row)``, ``delete_job(job.id)``
            routine = [*parts[:-1], *([parts[-1]] if parts[-1] not in ("delete", "remove") else [])]
            if mentions and any(DELETES().search(part) for part in routine):
                return Evidence(
                    f"`{ast.unparse(call)}` deletes each row it walks",
                    Location(fn.module.path, call.lineno, call.col_offset + 1),
                )
    return None


def _row_or_key(arg: ast.expr, row: str) -> bool:
    """``arg`` is the row itself or its key (``job.id``, ``log.uuid``), not some other field (a file name)."""
    if isinstance(arg, ast.Name):
        return arg.id == row
    return (
        isinstance(arg, ast.Attribute)
        and isinstance(arg.value, ast.Name)
        and arg.value.id == row
        and (arg.attr in ("id", "pk", "uuid", "key") or arg.attr.endswith("_id"))
    )


def _delete_statements(loop: ast.AST) -> set[int]:
    """``table.delete().where(...)``, ``delete(Model).where(...)``: a DELETE statement built per item, not a row
    deleted with its cascade; one statement with ``in_()`` would delete them all."""
    found: set[int] = set()
    for node in ast.walk(loop):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "where"
            and isinstance(node.func.value, ast.Call)
            and (dotted(node.func.value.func) or "").rsplit(".", 1)[-1] == "delete"
        ):
            found.add(id(node.func.value))
    return found


_WRITES = ("add", "add_all", "commit", "delete", "merge", "flush", "bulk_save_objects")


def _writes_here(fn: FunctionInfo) -> bool:
    pending = _added_without_autoflush(fn)
    for sub in ast.walk(fn.node):
        if id(sub) in pending:
            continue
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _WRITES:
            receiver = (dotted(sub.func.value) or "").rsplit(".", 1)[-1].lower()
            if "session" in receiver or receiver in ("db", "sess"):
                return True
    return False


def _added_without_autoflush(fn: FunctionInfo) -> set[int]:
    """``session.add(obj)`` calls under ``with session.no_autoflush:``: the new rows wait in the session until
    the caller's commit flushes them all at once (SQLAlchemy batches the INSERTs of one flush), so the helper
    sends no write of its own per item; without the block, the next item's query would autoflush each row."""
    found: set[int] = set()
    for block in ast.walk(fn.node):
        if not isinstance(block, (ast.With, ast.AsyncWith)):
            continue
        if not any(
            isinstance(item.context_expr, ast.Attribute) and item.context_expr.attr == "no_autoflush"
            for item in block.items
        ):
            continue
        for stmt in block.body:
            found.update(
                id(sub)
                for sub in ast.walk(stmt)
                if isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr in ("add", "add_all")
            )
    return found


@keyed_fact
def writes_rows(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` writes through a session (``db.session.add(...)``, ``commit()``), itself or in a project
    function it calls (``database.update(cert)``): a get-or-create or an update per row, not only a read."""
    if _writes_here(fn):
        return True
    for name, _call in fn.calls:
        callee = project.resolve_function(name, fn, fn.module)
        if callee is not None and callee is not fn and _writes_here(callee):
            return True
    return False


@dataclass(frozen=True, eq=False)
class InsertSite:
    """A place that adds rows of a model, and the function it sits in."""

    model: str
    function: FunctionInfo
    call: ast.Call

    @property
    def location(self) -> Location:
        return Location(self.function.module.path, self.call.lineno, self.call.col_offset + 1)


def _model_name(project: Project, fn: FunctionInfo, name: str) -> str | None:
    """The model a bare name stands for: its own, or the one an import renames (``from models import Post as P``)."""
    if name in project.models:
        return name
    qualified = fn.imports.aliases.get(name)
    last = qualified.rpartition(".")[2] if qualified else None
    return last if last and last != name and last in project.models else None


def _model_called(project: Project, fn: FunctionInfo, name: str) -> tuple[ModelInfo, bool] | None:
    """The model a call named ``name`` builds: ``(model, True)`` for ``Post(...)``, ``False`` for ``Post.create``."""
    parts = name.split(".")
    for head, constructor in ((parts, True), (parts[:-1], False)):
        if not head or (not constructor and parts[-1] not in CREATORS and not parts[-1].startswith("create_")):
            continue
        model_name = _model_name(project, fn, head[-1]) if len(head) == 1 else head[-1]
        model = project.models.get(model_name) if model_name else None
        if model is None:
            continue
        text = ".".join(head)
        qualified = fn.imports.qualify(text)
        if qualified is not None:
            if qualified == model.qualname or qualified.endswith("." + model.name):
                return model, constructor
            continue
        if "." in text or text in fn.local_names:
            continue
        if model.qualname == f"{fn.module.name}.{model.name}":
            return model, constructor
    return None


@project_fact
def insert_sites(project: Project) -> dict[str, list[InsertSite]]:
    """Calls that add rows, by model name: ``Model(...)`` and ``Model.create(...)``-style creators."""
    found: dict[str, list[InsertSite]] = {}
    if not project.models:
        return found
    for fn in project.functions.values():
        if is_test_path(fn.module.path):
            continue
        for name, call in fn.calls:
            last = name.rpartition(".")[2]
            if (
                last not in project.models
                and last not in CREATORS
                and not last.startswith("create_")
                and ("." in name or _model_name(project, fn, name) is None)
            ):
                continue
            hit = _model_called(project, fn, name)
            if hit is not None:
                found.setdefault(hit[0].name, []).append(InsertSite(hit[0].name, fn, call))
    return found


def user_facing(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` runs in a job, or in a request that is not an admin-only page: what it adds comes with use."""
    return JOB in fn.contexts or (REQUEST in fn.contexts and not admin_only(project, fn))


def user_facing_insert(project: Project, model: ModelInfo) -> InsertSite | None:
    """A site that adds ``model`` rows from a job, or from a request that is not an admin-only page."""
    return next(
        (site for site in insert_sites(project).get(model.name, []) if user_facing(project, site.function)), None
    )


def pruned_on_insert(project: Project, model: ModelInfo) -> InsertSite | None:
    """Every place that adds ``model`` rows also trims the table: it (or a function it calls) runs a bulk
    ``delete()`` of ``model`` rows past a cutoff (``query(Event).filter(Event.revoked_at < oldest).delete()``).

    The table holds a moving window (the rows newer than the cutoff), whatever the instance's age: its authors
    bounded it where it grows. Returns the first such site, or ``None``.
    """
    sites = insert_sites(project).get(model.name, [])
    if not sites:
        return None
    for site in sites:
        fn = site.function
        helpers = (project.resolve_function(name, fn, fn.module) for name, _call in fn.calls)
        if not any(helper is not None and _trims(helper, model.name) for helper in (fn, *helpers)):
            return None
    return sites[0]


def _trims(fn: FunctionInfo, model: str) -> bool:
    """``fn`` bulk-deletes ``model`` rows selected by an ordering comparison (a cutoff), not one row by key."""
    for node in ast.walk(fn.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "delete"):
            continue
        query = node.func.value
        names = {sub.id for sub in ast.walk(query) if isinstance(sub, ast.Name)}
        cutoff = any(
            isinstance(sub, ast.Compare) and isinstance(sub.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE))
            for sub in ast.walk(query)
        )
        if cutoff and model in names:
            return True
        # ``delete_query.delete()`` over a query built a few lines up (``query(M).filter(M.at < oldest)``)
        if isinstance(query, ast.Name) and _assigned_query_trims(fn, query.id, model):
            return True
    return False


def _assigned_query_trims(fn: FunctionInfo, name: str, model: str) -> bool:
    """A name in ``fn`` assigned a query of ``model`` rows, and some query of ``model`` there is cut off by a
    comparison (``query.filter(M.revoked_at < oldest)``, possibly through a subquery of ids)."""
    assigned = [
        node.value
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        and model in {sub.id for sub in ast.walk(node.value) if isinstance(sub, ast.Name)}
    ]
    if not assigned:
        return False
    return any(
        isinstance(sub, ast.Compare)
        and isinstance(sub.ops[0], (ast.Lt, ast.LtE))
        and model in {part.id for part in ast.walk(sub) if isinstance(part, ast.Name)}
        for sub in ast.walk(fn.node)
    )


def export_view(project: Project, fn: FunctionInfo) -> bool:
    """The request that runs ``fn`` hands every row over as a file: the view (or a helper on the way to ``fn``)
    writes a ``csv.writer``/``csv.DictWriter``, or answers with a ``text/csv`` body or a
    ``Content-Disposition: attachment``. A name alone (``export``) says nothing: such views also answer JSON.

    An export's purpose is every row: maintainers accept its cost (it runs when someone asks for the file, not
    on every page), and paging it would break the file.
    """
    chain = project.chain(fn.qualname, REQUEST)
    for qualname in chain or [fn.qualname]:
        candidate = project.functions.get(qualname)
        if candidate is None:
            continue
        for node in ast.walk(candidate.node):
            if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in ("writer", "DictWriter"):
                if (dotted(node.func) or "").startswith("csv."):
                    return True
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lower()
                if text == "text/csv" or text.startswith("attachment;") or text == "attachment":
                    return True
    return False


#: Words in a command's name that say it runs once per upgrade, not as routine work.
_ONE_OFF_NAMES = frozenset({"migrate", "migration", "backfill"})
#: Phrases in a command's docstring that say the same ("should only be run once", "run only once", "a one-off"),
#: not a schedule ("only run once a day").
_ONE_OFF_DOC = on_first_use(
    r"\b(?:(?:only (?:be )?run|run only) once\b(?! (?:a|an|per|every|each)\b)|one-off\b|one-shot\b)"
)


def one_off_command(fn: FunctionInfo) -> bool:
    """``fn`` is a command an operator runs once, with an upgrade: a data migration (``migrate``,
    ``migrate_zones``, ``backfill_slugs``) or one whose docstring says so ("should only be run once").

    Loading every row there is the migration's work, done once per installation: its cost does not come back.
    """
    words = set(fn.name.lower().strip("_").split("_"))
    if words & _ONE_OFF_NAMES:
        return True
    text = " ".join((ast.get_docstring(fn.node) or "").lower().split())
    return _ONE_OFF_DOC().search(text) is not None


def generic_insert(project: Project, fn: FunctionInfo, attr: str) -> InsertSite | None:
    """A method of ``fn``'s class (or a base) that adds a row of the class's generic model
    (``self.__model__(**request.json)``, ``self.model.create(**data)`` in ``post``) from a request that is not
    admin-only, or from a job: whichever table the class serves grows with what its API clients create."""
    if fn.class_name is None:
        return None
    return _generic_insert(project, (fn.qualname.rsplit(".", 1)[0], attr))


@keyed_fact
def _generic_insert(project: Project, key: tuple[str, str]) -> InsertSite | None:
    owner, attr = key
    classes = set(project.lineage(owner))
    for method in project.functions.values():
        if method.class_name is None or method.qualname.rsplit(".", 1)[0] not in classes:
            continue
        if not user_facing(project, method):
            continue
        for _name, call in method.calls:
            built = ast.unparse(call.func)
            if built == attr or (built.startswith(f"{attr}.") and built[len(attr) + 1 :] in CREATORS):
                return InsertSite(attr, method, call)  # ``self.__model__(**data)``, ``self.model.create(**data)``
    return None


#: Job roots that run once per call a client makes: an RPC endpoint serves what an API request asked for.
_ASKED_ROOTS = frozenset({"rpc_endpoint"})
#: Job roots that run again and again on their own (a schedule, a queue, a feed): what they add piles up.
_REPEATING_ROOTS = frozenset(
    {"task", "periodic_task", "service", "consumer", "notification_endpoint", "signal_handler"}
)


def asked_by_client(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` runs in a job only as the work of an RPC endpoint: a client's call (an API request forwarded to a
    worker), once per call, like a form. ``host_create`` reached from the endpoint that enrolls a host adds a
    row each time an operator enrolls one, not run after run like a feed import or a scheduled job."""
    if JOB not in fn.contexts:
        return False
    chain = project.chain(fn.qualname, JOB)
    root = project.functions.get(chain[0]) if chain else None
    return root is not None and bool(root.roles & _ASKED_ROOTS) and not root.roles & _REPEATING_ROOTS


def filled_by_jobs(project: Project, model: ModelInfo) -> InsertSite | None:
    """A background job that adds ``model`` rows run after run (not one fixed row, not an RPC client's call)."""
    return next(
        (
            site
            for site in insert_sites(project).get(model.name, [])
            if JOB in site.function.contexts
            and not _fixed_row(site.call)
            and not asked_by_client(project, site.function)
        ),
        None,
    )


def grows_with_use(
    project: Project,
    model: ModelInfo,
    _seen: frozenset[str] = frozenset(),
    *,
    via_parent: bool = True,
    typed: bool = True,
) -> str | None:
    """Why ``model``'s table grows with use, or ``None``: :func:`grows`, or a background job adds its rows.

    A table only jobs fill has no form behind it: its rows come from a feed or a schedule and pile up run
    after run, even when its name and columns say nothing (``Cve`` rows an import job creates, ``Task``
    rows one per scheduled run). When request code adds rows too, this says nothing: reference tables
    (categories, tags) have forms, and such tables are judged by :func:`grows` alone. With ``via_parent`` a
    table whose rows belong to a growing record grows with it (:func:`_growing_parent`); with ``typed`` a time
    column counts by its type, not its description (FD201's reading; the loop rules keep the older one).
    """
    growth = grows(project, model, typed=typed)
    if growth is not None:
        return growth
    sites = insert_sites(project).get(model.name, [])
    for site in sites:
        parent = _row_per_record(project, site)
        if parent is not None and parent.qualname != model.qualname and grows(project, parent, typed=typed) is not None:
            return (
                f"`{site.function.display}` adds a `{model.name}` row for each `{parent.name}` (its value names the "
                f"`{parent.name}`'s id), and `{parent.name}` rows come with use"
            )
    if any(REQUEST in site.function.contexts or asked_by_client(project, site.function) for site in sites):
        # a form adds rows too: judged like any table with a form (reference tables have them), unless each row
        # belongs to the person whose request made it (``Sketch.user_id``): one more with every user's use.
        # An RPC endpoint's work is a client's request forwarded to a worker: judged the same way
        owner = owner_column(project, model)
        insert = next((site for site in _per_use_inserts(project, model)), None) if owner else None
        if insert is not None:
            return (
                f"`{insert.function.display}` adds `{model.name}` rows, each recorded against its owner "
                f"(`{model.name}.{owner}`): the table grows with every user's use"
            )
        parent = _growing_parent(project, model, _seen | {model.qualname}) if via_parent else None
        if parent is not None:
            return (
                f"each `{model.name}` row belongs to a `{parent.name}` (`{model.name}.{parent_key_name(parent)}`), "
                f"and `{parent.name}` rows come with use: the table grows with them"
            )
        return None
    for site in sites:
        if JOB in site.function.contexts and not _fixed_row(site.call) and not asked_by_client(project, site.function):
            return f"`{site.function.display}` adds `{model.name}` rows from a background job, run after run"
    return None


def _growing_parent(project: Project, model: ModelInfo, seen: frozenset[str]) -> _Parent | None:
    """The table ``model``'s rows belong to, through a foreign key or many-to-one relationship, when that table grows
    with use (:func:`grows_with_use`) and is not the accounts': a job's tasks, an event's proposed times. A row
    recorded against the person who made it is :func:`owner_column`'s case. ``seen`` stops a cycle of parents."""
    for key in sorted(many_to_one(project, model)):
        parent = parent_model(project, model, key)
        if parent is None or parent.qualname in seen or account_table(parent):
            continue
        if grows_with_use(project, parent, seen) is not None:
            return _Parent(parent, key)
    return None


def many_to_one(project: Project, model: ModelInfo) -> set[str]:
    """The parent keys of ``model`` that point at one parent row each: its foreign-key columns and scalar
    relationships, not its collections (``Agent.task_logs``) nor plain indexed columns."""
    rels = relations(project, model)
    found = set()
    for key in parent_columns(project, model):
        rel = rels.get(key)
        if rel is not None:
            if rel.scalar is True and foreign_key_of(project, model, rel) is not None:
                found.add(key)  # the foreign key is this model's column: many-to-one, not a backref's collection
            continue
        if key.endswith("_id"):
            found.add(key)
    return found


@dataclass(frozen=True)
class _Parent:
    model: ModelInfo
    key: str

    @property
    def name(self) -> str:
        return self.model.name


def parent_key_name(parent: _Parent) -> str:
    return parent.key


def _row_per_record(project: Project, site: InsertSite) -> ModelInfo | None:
    """The model of the record whose id a new row's value is built from: ``Group(name=f":post_group_{self.id}")``
    in a ``Post`` method adds one group per post. Returns that record's model, or ``None``."""
    fn = site.function
    values = [*site.call.args, *(kw.value for kw in site.call.keywords)]
    for value in values:
        if not isinstance(value, (ast.JoinedStr, ast.BinOp, ast.Call)):
            continue  # the id itself is a foreign key (one parent's rows); a name built from it is a row per record
        for node in ast.walk(value):
            if not (isinstance(node, ast.Attribute) and node.attr == "id" and isinstance(node.value, ast.Name)):
                continue
            holder = node.value.id
            if holder == "self" and fn.class_name is not None:
                found = project.models.get(fn.class_name)
            else:
                typed = fn.local_types.get(holder, "")
                found = project.models.get(typed.rsplit(".", 1)[-1]) if typed else None
                if found is not None and not (typed == found.qualname or typed.endswith("." + found.name)):
                    found = None
            if found is not None:
                return found
    return None


def few_parents(query: Query, ctx: Context) -> ModelInfo | None:
    """The parent a one-parent filter pins is a table nothing shows growing, while the rows' own table grows.

    ``OFXStatement.account_id == a`` over a handful of bank accounts: one parent's rows are a large share of
    a table that keeps growing, not the few rows of one record among many. Returns that parent, or ``None``
    (the parent is unknown, grows too, or the rows' table shows no growth).
    """
    model = query.model
    key = parent_key(query, ctx)
    if model is None or key is None:
        return None
    project = ctx.project
    parent = parent_model(project, model, key)
    if parent is None or parent.qualname == model.qualname or _ambiguous(project, parent):
        return None
    if grows_with_use(project, parent) is not None or user_facing_insert(project, parent) is None:
        return None  # many parents (or none that request code adds): one parent's rows stay few
    if _child_of_growing(project, parent):
        return None  # the parents are themselves a growing record's children (a few ``Time`` rows per ``Event``)
    if grows_with_use(project, model, via_parent=False) is None or user_facing_insert(project, model) is None:
        return None  # nothing shows the rows' own table growing (as children of another record they are few here)
    return parent


def _child_of_growing(project: Project, model: ModelInfo) -> bool:
    """``model``'s rows belong to records of a table that grows with use (``Time.event_id`` when events come with
    use): there are as many of them as of those records, times a few, so one of them holds few rows."""
    for key in many_to_one(project, model):
        grand = parent_model(project, model, key)
        if grand is not None and grand.qualname != model.qualname and grows_with_use(project, grand) is not None:
            return True
    return False


def _ambiguous(project: Project, parent: ModelInfo) -> bool:
    """The parent known is a migration's or a test's copy (the real class is no model we recognise), or
    several application classes share its name: which table is meant is not certain."""
    if role_of_path(parent.location.path).is_side:
        return True
    return (
        sum(1 for c in project.classes.values() if c.name == parent.name and not role_of_path(c.module.path).is_side)
        > 1
    )


def _per_use_inserts(project: Project, model: ModelInfo) -> list[InsertSite]:
    """User-facing inserts that add a row each time they run: not a get-or-create keyed by a name
    (``Group.get_or_create(name=n)``, ``Group(name=n)`` in ``_get_or_create_group``), which adds one row per
    distinct name however often it runs."""
    return [
        site
        for site in insert_sites(project).get(model.name, [])
        if user_facing(project, site.function) and not _one_per_name(site)
    ]


def _one_per_name(site: InsertSite) -> bool:
    """A get-or-create whose every value is a name: one row per distinct name, not per use."""
    call = site.call
    get_or_create = (
        isinstance(call.func, ast.Attribute) and call.func.attr in ("get_or_create", "first_or_create")
    ) or ("or_create" in site.function.name)
    keys = [kw.arg for kw in call.keywords]
    return get_or_create and bool(keys) and not call.args and all(k is not None and naming_column(k) for k in keys)


def _fixed_row(call: ast.Call) -> bool:
    """``Organisation.create(name="Kitsu")``: every value written in the code, the one default row a
    get-or-create adds once, not a row per run."""
    values = [*call.args, *(kw.value for kw in call.keywords)]
    return bool(values) and all(isinstance(v, ast.Constant) for v in values)


def admin_curated(project: Project, model: ModelInfo) -> InsertSite | None:
    """Rows only administrators or operators add (an admin-only page, a CLI command): a few by design.

    Registered API clients, gateway secrets, integrations: the table exists
    to hold a handful of rows someone configures, so loading it whole is
    its use.  Returns one such insert, or ``None`` when some insert is
    user-facing or the model has none.
    """
    sites = insert_sites(project).get(model.name, [])
    if not sites or user_facing_insert(project, model) is not None:
        return None
    for site in sites:
        contexts = site.function.contexts
        if REQUEST in contexts and admin_only(project, site.function):
            return site
        if contexts and contexts <= {"cli", "main", "factory"}:
            return site
    return None


def _decorator_texts(fn: FunctionInfo) -> list[str]:
    texts = [ast.unparse(d) for d in fn.node.decorator_list]
    if fn.class_name is not None:  # ``decorators = [admin_required]`` on a class-based view
        cls = fn.module.tree
        for node in ast.walk(cls):
            if isinstance(node, ast.ClassDef) and node.name == fn.class_name:
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators") for t in stmt.targets
                    ):
                        texts.append(ast.unparse(stmt.value))
    return texts


def _mentions_admin(expr: ast.expr) -> bool:
    return bool(_ADMIN().search(ast.unparse(expr)))


def _guards_admin_first(fn: FunctionInfo) -> bool:
    """The view starts with ``if not current_user.is_admin: abort(403)`` or ``check_admin_permissions()``.

    ``if current_user.id != user_id and not current_user.is_admin: abort(403)``
    lets the owner in too: that page is not admin-only. ``if not
    current_user.is_authenticated or not current_user.is_admin: abort(403)``
    turns away everyone who is not an administrator (any one condition of an
    ``or`` is enough to be sent away).
    """
    for stmt in fn.node.body[:4]:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            name = (dotted(stmt.value.func) or "").rsplit(".", 1)[-1].lower()
            if "admin" in name and name.startswith(("check", "require", "ensure", "assert", "verify")):
                return True
        if not (isinstance(stmt, ast.If) and _mentions_admin(stmt.test)):
            continue
        if (
            isinstance(stmt.test, ast.BoolOp)
            and isinstance(stmt.test.op, ast.And)
            and not all(_mentions_admin(v) for v in stmt.test.values)
        ):
            continue
        if any(
            isinstance(n, (ast.Raise, ast.Return))
            or (isinstance(n, ast.Call) and (dotted(n.func) or "").endswith("abort"))
            for s in stmt.body
            for n in ast.walk(s)
        ):
            return True
    return False


@project_fact
def admin_blueprints(project: Project) -> frozenset[str]:
    """Blueprints (by variable name) whose ``before_request`` hook requires an administrator."""
    names: set[str] = set()
    for fn in project.functions.values():
        hooks = [d for d in fn.decorators if d.endswith(".before_request")]
        if not hooks:
            continue
        if any(_ADMIN().search(text) for text in _decorator_texts(fn)) or _guards_admin_first(fn):
            names.update(d.rsplit(".", 2)[-2] for d in hooks)
    return frozenset(names)


@keyed_fact
def admin_only(project: Project, fn: FunctionInfo) -> bool:
    """The request that runs ``fn`` is a page only administrators open (guard, ``/admin`` route, admin blueprint)."""
    chain = project.chain(fn.qualname, REQUEST)
    root = project.functions.get(chain[0]) if chain else None
    guarded_blueprints = admin_blueprints(project)
    for candidate in (root, fn):
        if candidate is None or "view" not in candidate.roles:
            continue
        if any(_ADMIN().search(text) for text in _decorator_texts(candidate)):
            return True
        if candidate.routes and all(
            "/admin" in route.rule
            or _ADMIN().search(route.owner.rsplit(".", 1)[-1])
            or route.owner.rsplit(".", 1)[-1] in guarded_blueprints
            for route in candidate.routes
        ):
            return True
        if _guards_admin_first(candidate):
            return True
    # a class-based handler whose base is the admin one (``class RHManageNews(RHAdminBase)``): the base checks
    if fn.class_name is not None:
        owner = fn.qualname.rsplit(".", 1)[0]
        if any(_ADMIN().search(base.rsplit(".", 1)[-1]) for base in project.lineage(owner) if base != owner):
            return True
    return False


def account_table(model: ModelInfo) -> bool:
    """One row per account (``User``, ``Person``, ``Member``): as many rows as people use the instance."""
    return model.name.lower() in ACCOUNT_TABLES


def person_table(project: Project, model: ModelInfo) -> bool:
    """:func:`account_table`, but not an ``Account`` nobody signs in with (a bank or ledger account, kept by its
    owner: a handful of them): a row per person who uses the instance."""
    if not account_table(model):
        return False
    return model.name.lower().rstrip("s") != "account" or sign_in_account(project, model)


def few_parents_table(project: Project, model: ModelInfo) -> bool:
    """Rows of ``model`` are few however many rows point to them: a table nothing shows growing (no timestamp,
    growing name or job adding rows), whose rows no user-facing form or job adds (only an admin page, a command or
    nothing), and not a table of people. A many-to-one to it, or a primary-key lookup of it per item, costs one
    query per distinct row, then the identity map answers. A table users add to (their organisations, a receipt's
    templates) may hold a row for each, so its rows in one list may all differ; unless nobody signs in to the
    application: its forms add one person's setup (their cars, the languages they read), a handful of rows."""
    return (
        not person_table(project, model)
        and grows_with_use(project, model, via_parent=False, typed=False) is None
        and (user_facing_insert(project, model) is None or one_person_instance(project))
    )


#: Packages whose ``current_user`` is the signed-in account (a row of the account table).
_LOGIN_PACKAGES = ("flask_login", "flask_security", "flask_user", "flask_jwt_extended", "flask_praetorian")
#: Packages that sign people in (or check who they are) one way or another: the session logins CSRF
#: protection is about, those whose ``current_user`` is an account row, and the token and header logins.
_SIGN_IN_PACKAGES = frozenset(SESSION_AUTH) | set(_LOGIN_PACKAGES) | {"flask_httpauth", "flask_jwt", "flask_appbuilder"}


#: Tables of people who are not accounts (the friends who share a trip's costs, a shop's customers).
_PEOPLE = frozenset(
    {"friend", "contact", "customer", "client", "author", "employee", "student", "teacher", "player", "participant"}
    | {"attendee", "guest", "owner", "patient", "subscriber", "contributor", "volunteer", "profile", "speaker"}
)


@project_fact
def one_person_instance(project: Project) -> bool:
    """Nobody signs in to the application and it keeps no table of people: no users or members (a bank
    ``Account`` is not one), no friends or customers, no table holding credentials, no sign-in package imported.

    Such an instance is one person's (a household budget, a reader's library): what its forms add (their cars,
    their languages, the banks they link) is that one person's setup, a handful of rows, not a row per visitor.
    """
    for model in project.models.values():
        name = model.name.lower().rstrip("s")
        if name in _PEOPLE or person_table(project, model) or sign_in_account(project, model):
            return False
    return not any(imports_package(project, package) for package in _SIGN_IN_PACKAGES)


@dataclass(frozen=True, eq=False)
class UserCollection:
    """``current_user.products``: a collection relationship of the signed-in account, loaded in one query."""

    account: ModelInfo
    relation: Relation
    items: ModelInfo


def user_collection(iterable: ast.expr, ctx: Context) -> UserCollection | None:
    """The signed-in user's collection a loop walks (``for p in current_user.products``), if that is what it is.

    The rows are one person's (their subscriptions, their bookmarks): they grow with that person's use, like
    ``filter_by(user_id=me)``. The account model is the account table that declares a collection with that
    name; all such tables must agree on the items' model.
    """
    if not (isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name)):
        return None
    qualified = ctx.qualified(iterable.value) or ""
    if not (qualified.endswith(".current_user") and qualified.split(".", 1)[0] in _LOGIN_PACKAGES):
        return None
    found: list[tuple[ModelInfo, Relation, ModelInfo]] = []
    for model in ctx.project.models.values():
        if not account_table(model):
            continue
        rel = relations(ctx.project, model).get(iterable.attr)
        if rel is None or rel.scalar is not False or not rel.target:
            continue
        items = ctx.project.models.get(rel.target.rsplit(".", 1)[-1])
        if items is None:
            return None
        found.append((model, rel, items))
    if not found or len({items.qualname for _, _, items in found}) != 1:
        return None
    return UserCollection(*found[0])


@dataclass(frozen=True, eq=False)
class ParentCollection:
    """``post.comments``: a collection relationship of one loaded object, its rows loaded in one query."""

    parent: ModelInfo
    relation: Relation
    items: ModelInfo
    #: ``post.comments`` as the code reads it (the loop may walk a local holding it, or a filtered slice).
    source: ast.expr


#: What a loop may walk instead of the collection itself: ``sorted(post.comments)``, ``enumerate(...)``.
_SAME_ROWS = ("enumerate", "sorted", "list", "tuple", "reversed", "iter")
#: Steps on a ``lazy="dynamic"`` collection that keep all its rows (``agent.tasks.order_by(...).all()``).
_ALL_ROWS = frozenset({"all", "order_by", "filter", "filter_by", "options"})


def parent_collection(iterable: ast.expr, ctx: Context, depth: int = 0) -> ParentCollection | None:
    """The collection of one loaded object a loop walks (``for comment in post.comments``), if that is what it is.

    The parent is one row a function loads: a local every assignment gives one query row
    (``post = Post.query.filter_by(path=p).first()``), not ``self`` in a model's method (the caller holds that
    object, with no sign of how many children it has). The collection is a one-to-many or many-to-many
    relationship of its model (a lazy list or a ``lazy="dynamic"`` query run whole: ``agent.tasks``,
    ``agent.tasks.order_by(...).all()``), or a property returning one (``return self._comments.all()``);
    through a local holding it, a comprehension keeping some of its items, or a slice of those. The signed-in
    user's collections are :func:`user_collection`'s.
    """
    if depth > 3 or ctx.function is None:
        return None
    while isinstance(iterable, ast.Call) and iterable.args and dotted(iterable.func) in _SAME_ROWS:
        iterable = iterable.args[0]
    if isinstance(iterable, ast.Subscript) and isinstance(iterable.slice, ast.Slice):
        return parent_collection(iterable.value, ctx, depth + 1)
    if isinstance(iterable, ast.ListComp) and len(iterable.generators) == 1:
        comp = iterable.generators[0]
        if (
            isinstance(iterable.elt, ast.Name)
            and isinstance(comp.target, ast.Name)
            and iterable.elt.id == comp.target.id
        ):
            return parent_collection(comp.iter, ctx, depth + 1)  # ``[p for p in tag.posts if p.is_published]``
        return None
    if isinstance(iterable, ast.Name):
        found: ParentCollection | None = None
        for value in assignments(ctx.project, ctx.function).get(iterable.id, []):
            if isinstance(value, ast.Subscript) and dotted(value.value) == iterable.id:
                continue  # ``posts = posts[start:end]``: a page of the same rows
            sub = parent_collection(value, ctx, depth + 1)
            if sub is None or (found is not None and found.items is not sub.items):
                return None
            found = found or sub
        return found
    steps: list[str] = []
    while isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
        steps.append(iterable.func.attr)
        iterable = iterable.func.value
    if not (isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name)):
        return None
    if steps and (not set(steps) <= _ALL_ROWS or steps[0] != "all"):
        return None
    qualified = ctx.qualified(iterable.value) or ""
    if qualified.endswith(".current_user") or iterable.value.id == "self":
        return None  # the signed-in user's are :func:`user_collection`'s; ``self``'s object is whatever callers hold
    parent = row_model(iterable.value, ctx)
    if parent is None:
        return None
    rels = relations(ctx.project, parent)
    rel = rels.get(iterable.attr)
    if rel is None and not steps:
        getter = model_property(ctx.project, parent, iterable.attr)
        rel = _returned_collection(getter, rels) if getter is not None and getter is not ctx.function else None
    if rel is None or rel.scalar is not False or not rel.target or (steps and rel.lazy != "dynamic"):
        return None
    items = ctx.project.models.get(rel.target.rsplit(".", 1)[-1])
    if items is None:
        return None
    return ParentCollection(parent, rel, items, iterable)


def _returned_collection(getter: FunctionInfo, rels: dict[str, Relation]) -> Relation | None:
    """The collection relationship a property getter returns whole: ``return self._comments.all()``."""
    returns = [n for n in ast.walk(getter.node) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    value = returns[0].value
    dynamic = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "all"
    if dynamic:
        value = value.func.value  # type: ignore[union-attr]
    if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self"):
        return None
    rel = rels.get(value.attr)
    if rel is None or (dynamic and rel.lazy != "dynamic"):
        return None
    return rel


def cached_result(project: Project, fn: FunctionInfo) -> str | None:
    """The decorator that caches what ``fn`` (or the caller it serves) returns: ``@cache.memoize(120)``."""
    for probe in (
        fn,
        *(project.functions[q] for q in reversed(project.chain(fn.qualname, REQUEST)[:-1]) if q in project.functions),
    ):
        for deco, resolved in zip(probe.node.decorator_list, probe.decorators):
            last = (dotted(deco.func if isinstance(deco, ast.Call) else deco) or resolved).rsplit(".", 1)[-1]
            if last in _CACHE_DECORATORS:
                return f"`@{ast.unparse(deco)}` on `{probe.display}`"
    return None


# ------------------------------------------------------------------ how many rows a loop walks
def few_rows(query: Query, ctx: Context, *, growing_children: bool = False) -> str | None:
    """Why the rows of ``query`` are likely few (a reason for a note), or ``None`` when they grow with the data.

    The rows of a list of ids the caller chose, of a table nothing shows
    growing, or of one parent record (``filter_by(task_id=...)``: a task's
    files, an author's books) are few; one *person's* rows (``user_id ==
    me``) grow with that person's use. With ``growing_children`` one
    parent's rows still count as many when the table grows by name or
    timestamp and code adds rows per request or job (a sketch's events).
    """
    assert query.model is not None
    model = query.model
    insert = user_facing_insert(ctx.project, model)
    if bound_reason(query, ctx) == "in_()" and _picks_rows(query, ctx):
        return "the rows of a list of ids chosen by the caller"
    growth = grows(ctx.project, model)
    if growth is None and insert is None:
        return f"the rows of `{model.name}`, a table nothing shows growing: they are few"
    key = parent_key(query, ctx)
    if key and account_table(model) and _pinned_elsewhere(query, ctx, key):
        # ``User.query.filter(Topic.forum_id == f.id, Post.user_id == User.id)``: everyone who posted in a
        # forum, through its topics: the people taking part grow with the forum's content
        key = None
    if key and not per_owner(key) and not (growing_children and growth is not None and insert is not None):
        return f"the `{model.name}` rows of a single parent (filtered on `{key}`), usually a handful"
    if key and insert is None:
        return f"one owner's `{model.name}` rows, and nothing adds them per request or job"
    return None


def _picks_rows(query: Query, ctx: Context) -> bool:
    """An ``in_()`` of the query names its rows one by one: on the key or a unique column (``Job.id.in_(ids)``),
    not on a category the rows share (``Job.type_id.in_(types)`` keeps every job of those types)."""
    for term in filter_terms(query, ctx):
        if not (isinstance(term, ast.Call) and isinstance(term.func, ast.Attribute) and term.func.attr == "in_"):
            continue
        column = term.func.value
        if not isinstance(column, ast.Attribute):
            return True  # ``tuple_(...)``, a label: cannot tell, keep the reason
        owner = model_for(column.value, ctx) or query.model
        if column.attr in ("id", "pk", "uuid") or (owner is not None and column.attr in unique_columns(owner)):
            return True
        if naming_column(column.attr):
            return True
    return not any(
        isinstance(t, ast.Call) and isinstance(t.func, ast.Attribute) and t.func.attr == "in_"
        for t in filter_terms(query, ctx)
    )  # the ``in_()`` sits in ``filter_by`` or a nested condition: keep the reason


def _pinned_elsewhere(query: Query, ctx: Context, key: str) -> bool:
    """The parent key is a column of another model the query joins, not of the rows it returns."""
    for term in filter_terms(query, ctx):
        if not isinstance(term, ast.Compare):
            continue
        for side in (term.left, *term.comparators):
            if isinstance(side, ast.Attribute) and side.attr == key:
                owner = model_for(side.value, ctx)
                if owner is not None and query.model is not None and owner.qualname != query.model.qualname:
                    return True
    return False


# ------------------------------------------------------------------ queues the code drains
def _scopes(project: Project, fn: FunctionInfo, model: ModelInfo | None, context: str) -> list[FunctionInfo]:
    """``fn``, the functions up its call chain, the helpers it calls (two levels) and the model's own methods."""
    scopes: list[FunctionInfo] = [fn]
    for qualname in project.chain(fn.qualname, context)[:-1]:
        caller = project.functions.get(qualname)
        if caller is not None:
            scopes.append(caller)
    frontier = list(scopes)
    for _depth in range(2):
        nxt: list[FunctionInfo] = []
        for scope in frontier:
            for name, _call in scope.calls:
                callee = project.resolve_function(name, scope, scope.module)
                if callee is None and model is not None and "." in name:
                    method = name.rsplit(".", 1)[-1]  # ``reminder.send()`` on a row of the model
                    callee = next(
                        (
                            f
                            for f in project.functions.values()
                            if f.name == method and f.class_name == model.name and f.module.path == model.location.path
                        ),
                        None,
                    )
                if callee is not None and callee not in scopes and callee not in nxt:
                    nxt.append(callee)
        scopes.extend(nxt)
        frontier = nxt
    return scopes


def _clears(store_value: ast.expr, kind: str, selected: ast.expr | None) -> bool:
    """Does assigning ``store_value`` move a row out of a selection of this ``kind``?"""
    if kind == "flag":  # selected rows have a false/None flag: setting anything else clears it
        return not (isinstance(store_value, ast.Constant) and store_value.value in (None, False, 0))
    if kind == "state":  # ``state == success`` is left by ``state = expired``
        if selected is None:
            return True
        return ast.dump(store_value) != ast.dump(selected) and isinstance(store_value, (ast.Constant, ast.Attribute))
    return False


def drained_by(
    project: Project,
    fn: FunctionInfo,
    model: ModelInfo | None,
    context: str,
    columns: list[tuple[str, str, ast.expr | None]],
    keys: set[str],
) -> Evidence | None:
    """Code around ``fn`` that moves the selected rows out of the selection, or deletes them.

    ``columns`` are ``(column, kind, selected value)`` from the query's filter
    (kind ``flag``: ``~X.is_sent``/``X.zapped == None``; ``state``: ``X.state ==
    done``; ``due``: ``X.when <= now``); ``keys`` are string literals of the
    filter (a per-user setting name the job resets with ``settings.set(key, False)``).
    """
    wanted = {c: (k, v) for c, k, v in columns}
    has_deadline = any(k == "due" for _c, k, _v in columns)
    for scope in _scopes(project, fn, model, context):
        for node in body_nodes(scope.node.body):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr in wanted:
                        kind, selected = wanted[target.attr]
                        if _clears(node.value, kind, selected):
                            where = Location(scope.module.path, node.lineno, node.col_offset + 1)
                            return Evidence(
                                f"`{ast.unparse(target)} = {ast.unparse(node.value)}` clears the selection", where
                            )
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                where = Location(scope.module.path, node.lineno, node.col_offset + 1)
                if attr == "delete" and (has_deadline or any(k == "flag" for k, _v in wanted.values())):
                    return Evidence(f"`{ast.unparse(node.func)}(...)` deletes the processed rows", where)
                if (
                    attr == "set"
                    and len(node.args) >= 2
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value in keys
                    and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in (False, None, 0, "")
                ):
                    return Evidence(f"`{ast.unparse(node)}` resets the flag the query selects", where)
    return None


__all__ = [
    "ACCOUNT_TABLES",
    "CREATORS",
    "DELETES",
    "deleted_each",
    "deletes_per_item",
    "InsertSite",
    "ParentCollection",
    "UserCollection",
    "account_table",
    "person_table",
    "admin_curated",
    "admin_blueprints",
    "admin_only",
    "asked_by_client",
    "cached_result",
    "drained_by",
    "few_parents",
    "few_rows",
    "generic_insert",
    "filled_by_jobs",
    "grows_with_use",
    "insert_sites",
    "one_off_command",
    "export_view",
    "parent_collection",
    "pruned_on_insert",
    "user_collection",
    "user_facing",
    "user_facing_insert",
    "writes_rows",
]

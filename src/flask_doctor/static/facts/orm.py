"""Facts shared by the database rules (moved from the family module).

FD2xx — database: what the ORM is asked to do per request, job and row.

The rules here share one question: *is this expression a SQLAlchemy query,
and what bounds it?*  :func:`query_of` answers it by walking a method chain
down to its root and accepting only three roots — ``Model.query`` where
``Model`` is a mapped class of the project, ``<session>.query(...)`` on a
session object, and ``select(...)`` from SQLAlchemy (or ``db.select``) —
so ``.all()`` on a list, a dict view or another library is never a query.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.model import (
    CLI,
    JOB,
    REQUEST,
    SQLALCHEMY_TYPES,
    FunctionInfo,
    ModelInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)

SELECT_FUNCTIONS = {
    "sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select",
    "sqlalchemy.sql.expression.select", "sqlmodel.select",
}
#: Methods after which the rows fetched are bounded (one row, a page, a count).
BOUNDING = {
    "limit", "first", "one", "one_or_none", "get", "scalar", "scalar_one", "scalar_one_or_none",
    "count", "paginate", "exists", "yield_per", "first_or_404", "one_or_404", "get_or_404",
    "fetchone", "fetchmany", "partitions", "slice", "__slice__", "stream", "stream_scalars",
    "group_by", "having", "subquery", "cte", "scalar_subquery", "delete", "update",
}
#: Methods that run the query and return rows.
MATERIALISE = {"all", "fetchall"}
#: Calls that execute a query and return something (used for per-item queries).
EXECUTE = {
    "all", "first", "one", "one_or_none", "get", "scalar", "scalar_one", "scalar_one_or_none",
    "count", "first_or_404", "one_or_404", "get_or_404", "fetchall", "fetchone",
}
SESSION_EXECUTE = {"execute", "scalars", "scalar"}
EAGER_TEXT = ("selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload", "noload", "defaultload")
LAZY_PER_ROW = {"select", "dynamic"}


@dataclass
class Query:
    """What :func:`query_of` learnt about a query expression."""

    root: str  # "model" | "session" | "select"
    text: str  # the root as written: "User.query", "db.session.query(User)", "select(User)"
    model: ModelInfo | None
    methods: list[tuple[str, ast.AST]] = field(default_factory=list)  # outermost first
    entities: list[ast.expr] = field(default_factory=list)
    scalars: bool = False  # rows are model instances (Query, .scalars())

    @property
    def names(self) -> set[str]:
        return {m for m, _ in self.methods}

    @property
    def outer(self) -> str:
        return self.methods[0][0] if self.methods else ""


# ------------------------------------------------------------------ roots
def _has_sqlalchemy(project: Project) -> bool:
    cached = getattr(project, "_fd_has_sqlalchemy", None)
    if cached is None:
        cached = bool(project.objects_of(SQLALCHEMY_TYPES)) or any(
            r.module.startswith(("flask_sqlalchemy", "sqlalchemy", "sqlmodel"))
            for records in project.imports.values() for r in records
        )
        project._fd_has_sqlalchemy = cached  # type: ignore[attr-defined]
    return cached


def model_for(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """The mapped class ``node`` names (``User``, ``models.User``, ``cls`` in a model)."""
    name = dotted(node)
    if not name:
        return None
    project = ctx.project
    if name == "cls" and ctx.function is not None and ctx.function.class_name:
        return project.models.get(ctx.function.class_name)
    last = name.rsplit(".", 1)[-1]
    model = project.models.get(last)
    if model is None:
        return None
    qualified = ctx.qualified(node)
    if qualified:
        return model if qualified == model.qualname or qualified.endswith("." + last) else None
    if "." in name:
        return None
    if ctx.function is not None and name in _assignments(ctx.function):
        return None  # a local variable that happens to share the name
    return model


def is_db(node: ast.AST, ctx: Context) -> bool:
    """``db`` is a Flask-SQLAlchemy extension object."""
    type_name = ctx.type_of(node)
    if type_name:
        return ctx.project.is_subtype(type_name, SQLALCHEMY_TYPES)
    if dotted(node) != "db" or not ctx.project.objects_of(SQLALCHEMY_TYPES):
        return False
    qualified = ctx.qualified(node)
    if qualified is None:
        # a bare ``db`` that is neither imported nor typed: only when it is not a local/parameter
        return ctx.function is None or "db" not in _params_and_locals(ctx.function)
    # imported from somewhere we could not type: accept only the project's own extension object
    return any(o.qualname == qualified or qualified.endswith("." + o.qualname.rsplit(".", 1)[-1]) and qualified.rsplit(".", 1)[0] not in ctx.project.modules
               for o in ctx.project.objects_of(SQLALCHEMY_TYPES)) and qualified not in ctx.project.modules


def _params_and_locals(fn: FunctionInfo) -> set[str]:
    args = fn.node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} | set(_assignments(fn))


def is_session(node: ast.AST, ctx: Context) -> bool:
    """``db.session``, ``session``/``db_session``/``Session`` objects — never ``flask.session``."""
    name = dotted(node)
    if isinstance(node, ast.Call):  # Session() / get_session()
        callee = dotted(node.func) or ""
        return "session" in callee.rsplit(".", 1)[-1].lower()
    if not name:
        return False
    if isinstance(node, ast.Attribute) and node.attr == "session" and is_db(node.value, ctx):
        return True
    if ctx.qualified(node) in ("flask.session", "flask.globals.session"):
        return False
    last = name.rsplit(".", 1)[-1].lower()
    return ("session" in last or last in ("sess", "dbs")) and _has_sqlalchemy(ctx.project)


def is_select(call: ast.Call, ctx: Context) -> bool:
    resolved = ctx.qualified(call.func)
    if resolved in SELECT_FUNCTIONS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "select" and is_db(call.func.value, ctx)


def _assignments(fn: FunctionInfo) -> dict[str, list[ast.expr]]:
    """Every ``name = value`` in a function (its own body, nested blocks included)."""
    cached = getattr(fn, "_fd_assigns", None)
    if cached is None:
        cached = {}
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        cached.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                cached.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.NamedExpr)):
                pass
        fn._fd_assigns = cached  # type: ignore[attr-defined]
    return cached


def query_of(expr: ast.AST, ctx: Context, _seen: frozenset[str] = frozenset()) -> Query | None:
    """Walk ``expr``'s method chain down to a query root, or ``None`` if it is no query."""
    methods: list[tuple[str, ast.AST]] = []
    node = expr
    scalars = False
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = node.func.value
            if attr == "query" and is_session(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("session", f"{ast.unparse(node.func)}(...)", model, methods, list(node.args), scalars=model is not None)
            if attr in SESSION_EXECUTE | {"paginate", "first_or_404", "one_or_404", "stream", "stream_scalars"} and node.args:
                inner = query_of(node.args[0], ctx, _seen)
                if inner is not None and inner.root == "select" and (is_session(receiver, ctx) or is_db(receiver, ctx)):
                    methods.append((attr, node))
                    scalars = scalars or attr in ("scalars", "paginate", "first_or_404", "one_or_404", "stream_scalars")
                    inner.methods = methods + inner.methods
                    inner.scalars = scalars and inner.model is not None
                    return inner
            if attr == "scalars":
                scalars = True
            if attr == "select" and is_db(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("select", "db.select(...)", model, methods, list(node.args))
            methods.append((attr, node))
            node = receiver
            continue
        if isinstance(node, ast.Call) and is_select(node, ctx):
            model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
            return Query("select", f"{dotted(node.func)}(...)", model, methods, list(node.args))
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            methods.append(("__slice__", node))
            node = node.value
            continue
        if isinstance(node, ast.Attribute) and node.attr == "query":
            model = model_for(node.value, ctx)
            if model is None:
                return None
            return Query("model", f"{ast.unparse(node)}", model, methods, [node.value], scalars=True)
        if isinstance(node, ast.Name) and ctx.function is not None and node.id not in _seen:
            values = _assignments(ctx.function).get(node.id, [])
            found: Query | None = None
            extra: list[tuple[str, ast.AST]] = []
            for value in values:
                sub = query_of(value, ctx, _seen | {node.id})
                if sub is None:
                    if not (isinstance(value, ast.Constant) and value.value is None):
                        return None  # sometimes something else: do not guess
                    continue
                if found is None:
                    found = sub
                else:
                    extra.extend(sub.methods)
            if found is None:
                return None
            found.methods = methods + found.methods + extra
            found.scalars = found.scalars or scalars
            return found
        return None


_OWNER_KEY = re.compile(r"(^|_)(user|author|owner|creator|account|member)(_|$)|_email$|_by$")


def parent_columns(model: ModelInfo | None, project: Project) -> set[str]:
    """Foreign keys, relationships, indexed keys and owner columns: ``filter_by(post_id=x)`` selects one parent's rows."""
    if model is None:
        return set()
    cached = getattr(model, "_fd_parent_cols", None)
    if cached is not None:
        return cached
    found = set(model.relationships)
    cls = project.classes.get(model.qualname)
    for stmt in cls.node.body if cls is not None else []:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            attr, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            attr, value = stmt.target.id, stmt.value
        else:
            continue
        text = ast.unparse(value)
        if "ForeignKey" in text or (attr.endswith("_id") and "olumn" in text):
            found.add(attr)
        elif "olumn" in text and ("index=True" in text or _OWNER_KEY.search(attr)):
            found.add(attr)  # an indexed lookup key or an owner (author_email): one key's rows, like a foreign key
    model._fd_parent_cols = found  # type: ignore[attr-defined]
    return found


def _per_parent(query: Query, ctx: Context) -> bool:
    """An equality filter on a foreign key: the rows of one parent (like reading ``post.comments``)."""
    parents = parent_columns(query.model, ctx.project)
    for method, node in query.methods:
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by" and any(kw.arg in parents or (kw.arg or "").endswith("_id") for kw in node.keywords):
            return True
        if method == "with_parent":
            return True
        if method in ("filter", "where"):
            for arg in node.args:
                if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "contains"
                        and isinstance(arg.func.value, ast.Attribute) and arg.func.value.attr in parents):
                    return True  # ``Comment.acknowledgements.contains(person)``: the other side of a relationship
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], ast.Eq):
                    for side in (arg.left, arg.comparators[0]):
                        if isinstance(side, ast.Attribute) and (side.attr in parents or side.attr.endswith("_id")):
                            model = model_for(side.value, ctx)
                            if model is not None and (side.attr in parent_columns(model, ctx.project) or side.attr.endswith("_id")):
                                return True
    return False


_SINGLETON = re.compile(r"(^|_)(default|primary|current|main|system_dark|active_version)($|_)")


def _singleton_flag(node: ast.AST) -> bool:
    """``Theme.is_system_default``: a boolean that marks one row by design."""
    return isinstance(node, ast.Attribute) and bool(_SINGLETON.search(node.attr))


def _unique_columns(model: ModelInfo | None) -> set[str]:
    return (model.unique_columns if model else set()) | {"id", "pk"}


def bound_reason(query: Query, ctx: Context) -> str | None:
    """Why ``query`` fetches a bounded number of rows, or ``None`` if nothing bounds it."""
    names = query.names
    hit = names & BOUNDING
    if hit:
        return min(hit)
    for method, node in query.methods:
        if method == "execution_options" and isinstance(node, ast.Call) and any(kw.arg in ("yield_per", "max_row_buffer", "stream_results") for kw in node.keywords):
            return "yield_per"
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by" and any(kw.arg in _unique_columns(query.model) for kw in node.keywords):
            return "unique filter"
        if method == "filter_by" and any(_SINGLETON.search(kw.arg or "") for kw in node.keywords):
            return "flag that marks one row"
        if method in ("filter", "where", "filter_by", "with_entities", "add_columns", "values", "distinct"):
            for arg in ast.walk(node):
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "in_":
                    return "in_()"
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "is_" and _singleton_flag(arg.func.value):
                    return "flag that marks one row"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)) and _singleton_flag(arg.left):
                    return "flag that marks one row"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)):
                    for side in (arg.left, arg.comparators[0]):
                        if isinstance(side, ast.Attribute) and side.attr in _unique_columns(model_for(side.value, ctx) or query.model):
                            if model_for(side.value, ctx) is not None or side.attr in ("id",):
                                return "unique filter"
    for entity in query.entities + [a for m, n in query.methods if m in ("with_entities", "add_columns") and isinstance(n, ast.Call) for a in n.args]:
        text = dotted(entity.func) if isinstance(entity, ast.Call) else None
        if text and (text.startswith(("func.", "sa.func.", "sqlalchemy.func.", "db.func.")) or text in ("count", "max", "min", "sum")):
            return "aggregate"
    return None


GROWING_NAMES = {
    "user", "users", "account", "customer", "member", "person", "order", "post", "comment", "message",
    "event", "log", "transaction", "payment", "invoice", "bill", "entry", "notification", "project",
    "document", "file", "upload", "ticket", "issue", "activity", "audit", "auditlog", "session",
    "visit", "click", "download", "submission", "answer", "reply", "review", "record",
}
_TIME_TYPES = ("datetime", "date", "timestamp", "time")
_NOT_CREATION = ("last_", "updated", "modified", "expire", "deleted", "edited", "birth", "due", "start", "end", "until")


def grows(model: ModelInfo, project: Project) -> str | None:
    """Why the table behind ``model`` grows with use (rows per event/user), or ``None``.

    Reference tables (categories, groups, settings, plugins) are bounded in
    practice; loading all of them is normal.  A table grows when its rows
    record events (a creation timestamp) or when it is a well-known
    per-user/per-event entity.
    """
    cache = getattr(project, "_fd_grows", None)
    if cache is None:
        cache = {}
        project._fd_grows = cache  # type: ignore[attr-defined]
    if model.qualname in cache:
        return cache[model.qualname]
    reason: str | None = None
    if model.name.lower() in GROWING_NAMES or model.name.lower().rstrip("s") in GROWING_NAMES:
        reason = f"`{model.name}` rows are created per user/event"
    stack = [model.qualname]
    seen: set[str] = set()
    common = _common_bases(project)
    while stack and reason is None:
        cls = project.classes.get(stack.pop())
        if cls is None or cls.qualname in seen:
            continue
        seen.add(cls.qualname)
        stack.extend(cls.bases)
        if cls.qualname in common:
            continue  # a base every model shares (created_at on all tables) says nothing about this one
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                attr, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                attr, value = stmt.target.id, stmt.value if stmt.value is not None else stmt.annotation
            else:
                continue
            if value is None or attr.lower().startswith(_NOT_CREATION):
                continue
            text = ast.unparse(value).lower()
            if ("column" in text or "mapped" in text) and any(t in text for t in _TIME_TYPES):
                reason = f"`{model.name}.{attr}` timestamps each row, so the table grows with use"
                break
    cache[model.qualname] = reason
    return reason


def _common_bases(project: Project) -> set[str]:
    """Classes that are ancestors of (nearly) every model: the declarative base and its mixins."""
    cached = getattr(project, "_fd_common_bases", None)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    for model in project.models.values():
        stack, seen = [model.qualname], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            cls = project.classes.get(current)
            if cls is not None:
                stack.extend(cls.bases)
        for name in seen - {model.qualname}:
            counts[name] = counts.get(name, 0) + 1
    total = len(project.models)
    cached = {name for name, n in counts.items() if total >= 4 and n >= 0.8 * total}
    project._fd_common_bases = cached  # type: ignore[attr-defined]
    return cached


def _query_label(query: Query, call: ast.AST) -> str:
    text = ast.unparse(call)
    if len(text) > 90:
        text = f"{query.text}...{query.outer}()" if query.outer else query.text
    return f"`{text}`"


def _active_code(ctx: Context) -> bool:
    return ctx.function is not None and not ctx.is_test_code()


def _context_label(ctx: Context) -> str | None:
    contexts = ctx.contexts
    for context in (REQUEST, JOB, CLI):
        if context in contexts:
            return context
    return None


# ===================================================================== FD202
def is_query_execution(call: ast.Call, ctx: Context) -> Query | None:
    """``call`` runs a query for a result: ``.first()``, ``.get(x)``, ``session.get(M, x)``, ``execute(select)``."""
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    receiver = call.func.value
    if attr in ("get", "get_or_404") and len(call.args) >= 2 and (is_session(receiver, ctx) or is_db(receiver, ctx)):
        model = model_for(call.args[0], ctx)
        if model is not None:
            return Query("session", f"{ast.unparse(call.func)}(...)", model, [(attr, call)], [call.args[0]], scalars=True)
    if attr in EXECUTE or attr in SESSION_EXECUTE:
        query = query_of(call, ctx)
        if query is not None and (query.root != "select" or query.names & (SESSION_EXECUTE | {"first_or_404", "one_or_404"})):
            return query
    return None


def _loop_names(loop: ast.AST) -> set[str]:
    """Names that change per iteration: the loop targets and what the body assigns."""
    names: set[str] = set()
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        parts: list[ast.AST] = [loop.target, *loop.body]
    else:  # comprehension node
        parts = [g.target for g in loop.generators]  # type: ignore[attr-defined]
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _uses(node: ast.AST, names: set[str], ctx: Context, depth: int = 0) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names:
            return True
    return False


def _constant_iterable(node: ast.expr, fn: FunctionInfo | None = None) -> bool:
    if isinstance(node, ast.Name) and fn is not None:
        values = _assignments(fn).get(node.id, [])
        if len(values) != 1 or not isinstance(values[0], (ast.Tuple, ast.List, ast.Set)) or not values[0].elts:
            return False
        for sub in ast.walk(fn.node):  # filled later (``names.append(x)``): not a constant
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and dotted(sub.func.value) == node.id:
                return False
            if isinstance(sub, ast.AugAssign) and dotted(sub.target) == node.id:
                return False
        return _constant_iterable(values[0])
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Call) and dotted(node.func) == "range":
        return all(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.Call) and dotted(node.func) == "enumerate" and node.args:
        return _constant_iterable(node.args[0])
    return False


def _breaks(loop: ast.For | ast.AsyncFor) -> bool:
    """The loop stops at the first match (a search, not a per-item load)."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def enclosing_loop(ctx: Context, node: ast.AST) -> ast.AST | None:
    """The innermost ``for`` loop or comprehension whose *body* holds ``node``."""
    child: ast.AST = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child is not ancestor.target:
            if child in ancestor.orelse:
                child = ancestor
                continue
            return ancestor
        if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            first = ancestor.generators[0]
            if child is not first and child is not ancestor:  # not inside the first iterable
                return ancestor
        if isinstance(ancestor, ast.comprehension):
            # the first generator's iter runs once; ifs and later iters run per item
            if child is ancestor.iter:
                parent_comp = next(
                    (a for a in reversed(ctx.ancestors) if isinstance(a, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) and ancestor in a.generators),
                    None,
                )
                if parent_comp is not None and parent_comp.generators[0] is ancestor:
                    child = parent_comp
                    # skip up to the comprehension's parent
                    continue
        child = ancestor
    return None


def _helper_queries(fn: FunctionInfo, ctx: Context) -> list[tuple[ast.Call, Query]]:
    """Queries in ``fn`` whose arguments come from its parameters (``def load(uid): User.query.get(uid)``)."""
    cached = getattr(fn, "_fd_param_queries", None)
    if cached is not None:
        return cached
    found: list[tuple[ast.Call, Query]] = []
    fn._fd_param_queries = found  # type: ignore[attr-defined]
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    if not params:
        return found
    helper_ctx = Context(fn.module, ctx.project, lambda f: None)
    helper_ctx.function = fn
    helper_ctx.functions = [fn]
    tainted = set(params)
    for name, values in _assignments(fn).items():
        if any(_uses(v, params, helper_ctx) for v in values):
            tainted.add(name)
    optional = _optional_params(fn)
    guards: dict[int, set[str]] = {}

    def visit(node: ast.AST, guard: frozenset[str]) -> None:
        if isinstance(node, ast.If):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & optional
            visit(node.test, guard)
            for child in node.body + node.orelse:
                visit(child, guard | names)
            return
        if isinstance(node, ast.Call):
            query = is_query_execution(node, helper_ctx)
            if query is not None and _uses(node, tainted, helper_ctx) and not _has_in(query):
                found.append((node, query))
                guards[id(node)] = set(guard)
        for child in ast.iter_child_nodes(node):
            visit(child, guard)

    for stmt in fn.node.body:
        visit(stmt, frozenset())
    fn._fd_query_guards = guards  # type: ignore[attr-defined]
    return found


def _optional_params(fn: FunctionInfo) -> set[str]:
    """Parameters defaulting to ``None``: ``realm_names=None`` lets a caller pass prefetched data."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    names = set()
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        if isinstance(default, ast.Constant) and default.value is None:
            names.add(arg.arg)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(default, ast.Constant) and default.value is None:
            names.add(arg.arg)
    return names


def _passes(call: ast.Call, fn: FunctionInfo, names: set[str]) -> bool:
    """The call gives a value for one of ``names`` (by keyword or position)."""
    if any(kw.arg in names or kw.arg is None for kw in call.keywords):
        return True
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    return any(name in names for name in positional[: len(call.args)])


def _has_in(query: Query) -> bool:
    for _, node in query.methods:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr in ("in_", "any_"):
                return True
    return False


# ===================================================================== FD203
def _loop_target(target: ast.expr, iterable: ast.expr) -> tuple[str | None, ast.expr]:
    """(item variable, real iterable), seeing through ``enumerate``."""
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
            return target.elts[1].id, iterable.args[0]
        return None, iterable
    if isinstance(target, ast.Name):
        return target.id, iterable
    return None, iterable


def _iterated_query(iterable: ast.expr, ctx: Context) -> Query | None:
    """The query whose model instances a loop walks (``q.all()``, ``page.items``, ``scalars()``)."""
    if isinstance(iterable, ast.Attribute) and iterable.attr == "items":
        query = query_of(iterable.value, ctx)
        return query if query is not None and "paginate" in query.names else None
    if isinstance(iterable, ast.Name) and ctx.function is not None:
        values = _assignments(ctx.function).get(iterable.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Attribute):
            return _iterated_query(values[0], ctx)
    query = query_of(iterable, ctx)
    if query is None or query.model is None or not query.scalars:
        return None
    if query.names & {"with_entities", "add_columns", "values", "first", "one", "scalar", "count", "get", "one_or_none", "paginate", "scalar_one"}:
        return None
    if query.root == "select" and not (query.names & SESSION_EXECUTE):
        return None
    return query


def _eager(query: Query, attr: str) -> bool:
    for method, node in query.methods:
        if method != "options" and method not in ("join", "outerjoin"):
            continue
        text = ast.unparse(node)
        if method == "options" and ("'*'" in text or f".{attr}" in text or f"'{attr}'" in text or f'"{attr}"' in text):
            return True
    return False


# ===================================================================== engines
CREATE_ENGINE = {
    "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.engine.create.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
}
SAFE_POOLS = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")
_SCHEME = re.compile(r"^\s*([a-z][\w-]*)(?:\+[\w-]+)?://?", re.IGNORECASE)
SERVER_DIALECTS = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "cockroachdb": "PostgreSQL"}
DRIVER_MODULES = {
    "psycopg2": "PostgreSQL", "psycopg": "PostgreSQL", "asyncpg": "PostgreSQL", "pg8000": "PostgreSQL",
    "pymysql": "MySQL", "MySQLdb": "MySQL", "mysql.connector": "MySQL", "mariadb": "MariaDB", "aiomysql": "MySQL",
}


def _scheme(text: str) -> str | None:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def url_dialect(expr: ast.expr | None, ctx: Context, depth: int = 0) -> str | None:
    """The URL scheme of a database URL expression when it is written in the code."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return _scheme(expr.value)
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return _scheme(str(expr.values[0].value))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return url_dialect(expr.left, ctx, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("create", "format"):
        if expr.func.attr == "create" and expr.args:
            first = expr.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return _scheme(first.value + ":")
        if expr.func.attr == "format":
            return url_dialect(expr.func.value, ctx, depth + 1)
    if isinstance(expr, ast.Name):
        values: list[ast.expr] = []
        if ctx.function is not None:
            values = _assignments(ctx.function).get(expr.id, [])
        if not values:
            for stmt in ctx.module.tree.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.id for t in stmt.targets):
                    values.append(stmt.value)
        found = {url_dialect(v, ctx, depth + 1) for v in values}
        found.discard(None)
        return found.pop() if len(found) == 1 else None
    return None


def server_db_hint(project: Project) -> tuple[str, Evidence] | None:
    """Does the project talk to PostgreSQL/MySQL?  (driver imports, URLs in code, deploy files)."""
    cached = getattr(project, "_fd_server_db", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    hint: tuple[str, Evidence] | None = None
    for module_name, records in sorted(project.imports.items()):
        module = project.modules.get(module_name)
        if module is None or _is_test_path(module.path):
            continue
        for record in records:
            for name in (record.module, *(f"{record.module}.{n}" for n in record.names)):
                dialect = DRIVER_MODULES.get(name)
                if dialect and hint is None:
                    hint = (dialect, Evidence(f"`{name}` (a {dialect} driver) is imported", Location(module.path, record.line, record.column)))
    if hint is None:
        for module in project.modules.values():
            if _is_test_path(module.path):
                continue
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
                    scheme = _scheme(node.value)
                    if scheme in SERVER_DIALECTS and "://" in node.value:
                        hint = (SERVER_DIALECTS[scheme], Evidence(f"a {SERVER_DIALECTS[scheme]} URL appears in the code", Location(module.path, node.lineno, node.col_offset + 1)))
                        break
            if hint:
                break
    deploy = project.deploy
    if hint is None and deploy is not None:
        for setting in getattr(deploy, "env", []):
            scheme = _scheme(setting.value or "")
            if scheme in SERVER_DIALECTS:
                hint = (SERVER_DIALECTS[scheme], Evidence(f"`{setting.name}` is a {SERVER_DIALECTS[scheme]} URL", setting.source))
                break
        for service in getattr(deploy, "services", []) if hint is None else []:
            image = (service.image or "").rsplit("/", 1)[-1].split(":")[0]
            if image in ("postgres", "postgis", "mysql", "mariadb"):
                name = {"postgres": "PostgreSQL", "postgis": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}[image]
                hint = (name, Evidence(f"compose service `{service.name}` runs {name}", service.source))
                break
    project._fd_server_db = hint  # type: ignore[attr-defined]
    return hint


_WAIT_TIMEOUT = re.compile(r"--wait[-_]timeout(?:=|\s+)(\d+)")


def declared_wait_timeout(project: Project) -> tuple[int, Evidence] | None:
    """A MySQL/MariaDB ``wait_timeout`` declared in the deploy files (compose ``command: --wait_timeout=600``)."""
    deploy = project.deploy
    for service in getattr(deploy, "services", []) if deploy is not None else []:
        image = (service.image or "").rsplit("/", 1)[-1].split(":")[0]
        if image not in ("mysql", "mariadb", "percona"):
            continue
        command = service.command if isinstance(service.command, str) else " ".join(service.command or [])
        match = _WAIT_TIMEOUT.search(command or "")
        if match:
            return int(match.group(1)), Evidence(f"compose service `{service.name}` sets wait_timeout={match.group(1)}", service.source)
    return None


def _is_test_path(path: str) -> bool:
    full = f"/{path}"
    last = path.rsplit("/", 1)[-1]
    return "/tests/" in full or "/test/" in full or last.startswith("test_") or last == "conftest.py"


def _stored_globally(call: ast.Call, ctx: Context) -> bool:
    """The engine goes into a global, the app (``app.extensions``/``app.engine``) or a class attribute."""
    assert ctx.function is not None
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    names = {dotted(t) for t in parent.targets} if isinstance(parent, ast.Assign) else set()
    declared = {n for node in ast.walk(ctx.function.node) if isinstance(node, ast.Global) for n in node.names}
    if names & declared:
        return True
    return any(n and n.split(".")[0] in ("app", "current_app", "cls") for n in names)


def _guarded_sibling(call: ast.Call, ctx: Context) -> bool:
    """Another ``create_engine`` in the same function sets the guard (this one is a dialect fallback)."""
    assert ctx.function is not None
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Call) and node is not call and ctx.qualified(node.func) in CREATE_ENGINE:
            if _truthy(_kw(node, "pool_pre_ping")) or _kw(node, "pool_recycle") is not None:
                return True
    return False


def _local_only(call: ast.Call, ctx: Context) -> bool:
    """``engine = create_engine(...)`` kept in a local variable that is neither returned nor stored."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    assert ctx.function is not None
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Global) and name in node.names:
            return False
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
        ):
            return False
        if isinstance(node, ast.Assign) and any(not isinstance(t, ast.Name) for t in node.targets) and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
        ):
            return False  # self.engine = engine / app.extensions[...] = engine
    return True


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _truthy(expr: ast.expr | None) -> bool:
    return expr is not None and not (isinstance(expr, ast.Constant) and expr.value in (False, None, 0, -1))


# ===================================================================== config flags
def _const(expr: ast.expr | None) -> object:
    return expr.value if isinstance(expr, ast.Constant) else None


def _uses_model_signals(project: Project) -> bool:
    return any(
        c.name.rsplit(".", 2)[-2:] in (["models_committed", "connect"], ["before_models_committed", "connect"])
        or "models_committed" in c.name
        for c in project.calls
    )


# ===================================================================== pool size
DEFAULT_POOL = 5
DEFAULT_OVERFLOW = 10

"""Where a repeated statement comes from: the loop that repeats it, and what it loads.

Only requests sampled for statement detail pay for this (see
``runtime/sql.py``); a walk of the stack costs ~10-30 µs.

**The loop.** Every execution of a statement inside a loop runs under the
same frame of the function (or template) that holds the loop, while the
frames the loop body calls are new at each iteration: a helper called per
item, a macro, an included template, SQLAlchemy's lazy loader.  So the loop
is the innermost user or template frame that is *the same frame object* at
two executions of the statement.  The stack of one execution is kept (strong
references, so that no frame can be freed and its id reused) until the next
one; the innermost frame of the second stack found in the first is the loop,
and its current line is the line in the loop body.  A first execution made
elsewhere (Flask-Login's ``load_user`` running the same ``SELECT`` as the
lazy loads of a loop) is never compared with, since the kept stacks are
those of the second and third executions.

**Template lines.** A frame of a compiled Jinja template runs a Python
module generated from the ``.html``; its globals hold the template
(``__jinja_template__``), which maps the module's line to the template's
own (:meth:`jinja2.Template.get_corresponding_lineno`).  Sites in templates
name the template file and its line.

**What it loads.** SQLAlchemy's lazy loader is on the stack of a lazy load:
``LazyLoader._load_for_state`` / ``_emit_lazyload`` for a relationship,
``DeferredColumnLoader._load_for_state`` for a deferred column; its
``parent_property`` is the attribute that was read (``Entry.author``).
Both exist in SQLAlchemy 1.4 and 2.0.
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.runtime.records import Site
from flask_doctor.runtime.sites import relpath
from flask_doctor.userfiles import is_user_frame

OTHER, USER, TEMPLATE = 0, 1, 2
MAX_DEPTH = 300
_CACHE_MAX = 50_000
# Keyed by id(code); the value keeps the code object alive so that its id is never reused.
_kinds: dict[int, tuple[CodeType, int]] = {}


@dataclass(frozen=True)
class Origin:
    """The ORM attribute whose lazy load ran the statement."""

    #: ``relationship`` or ``deferred``
    kind: str
    #: ``Entry.author``
    attribute: str
    #: the class that owns it (``Entry``) and the tables its rows come from
    owner: str
    tables: tuple[str, ...]
    #: many-to-one / one-to-many / many-to-many for a relationship, else ""
    direction: str = ""


def frame_kind(frame: FrameType) -> int:
    """USER, TEMPLATE (a compiled Jinja template) or OTHER; cached per code object."""
    code = frame.f_code
    known = _kinds.get(id(code))
    if known is not None:
        return known[1]
    if "__jinja_template__" in frame.f_globals:
        kind = TEMPLATE
    elif is_user_frame(frame):
        kind = USER
    else:
        kind = OTHER
    if len(_kinds) < _CACHE_MAX:
        _kinds[id(code)] = (code, kind)
    return kind


def frame_site(frame: FrameType, kind: int) -> Site:
    """The site a frame runs now: the template's own file and line for a template frame."""
    if kind == TEMPLATE:
        template = frame.f_globals["__jinja_template__"]
        line = template.get_corresponding_lineno(frame.f_lineno)
        name = template.name or "<template>"
        return Site(relpath(template.filename) if template.filename else name, line, name)
    code = frame.f_code
    return Site(relpath(code.co_filename), frame.f_lineno, code.co_name)


def first_site(skip: int = 1) -> Site | None:
    """The innermost user or template frame above the caller (``skip`` frames up)."""
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None
    depth = 0
    while frame is not None and depth < MAX_DEPTH:
        kind = frame_kind(frame)
        if kind:
            return frame_site(frame, kind)
        frame = frame.f_back
        depth += 1
    return None


def _lazy_codes() -> dict[CodeType, str]:
    try:
        from sqlalchemy.orm import strategies
    except ImportError:  # pragma: no cover - the SQL collector needs SQLAlchemy anyway
        return {}
    codes: dict[CodeType, str] = {}
    for cls_name, names, kind in (
        ("LazyLoader", ("_load_for_state", "_emit_lazyload"), "relationship"),
        ("DeferredColumnLoader", ("_load_for_state",), "deferred"),
    ):
        cls = getattr(strategies, cls_name, None)
        for name in names:
            code = getattr(getattr(cls, name, None), "__code__", None)
            if code is not None:
                codes[code] = kind
    return codes


_LAZY: dict[CodeType, str] | None = None


def _origin(frame: FrameType, kind: str) -> Origin | None:
    strategy = frame.f_locals.get("self")
    prop = getattr(strategy, "parent_property", None)
    parent = getattr(prop, "parent", None)
    owner = getattr(getattr(parent, "class_", None), "__name__", "")
    key = getattr(prop, "key", "")
    if not owner or not key:
        return None
    tables = tuple(str(getattr(t, "name", "")) for t in getattr(parent, "tables", ()) if getattr(t, "name", ""))
    direction = getattr(getattr(prop, "direction", None), "name", "") if kind == "relationship" else ""
    return Origin(
        kind,
        f"{owner}.{key}",
        owner,
        tables,
        direction.lower()
        .replace("onetomany", "one-to-many")
        .replace("manytoone", "many-to-one")
        .replace("manytomany", "many-to-many"),
    )


class Stack:
    """The user and template frames of one execution, kept until the next execution is compared with it."""

    __slots__ = ("frames", "ids", "innermost")

    def __init__(self, frames: list[tuple[FrameType, int]], innermost: Site | None) -> None:
        self.frames = frames
        self.ids = {id(f) for f, _ in frames}
        self.innermost = innermost


def capture(skip: int = 1) -> tuple[Stack, Origin | None]:
    """Every user and template frame above the caller, and the lazy load that runs there, if any."""
    global _LAZY
    lazy = _LAZY if _LAZY is not None else _set_lazy()
    frames: list[tuple[FrameType, int]] = []
    origin: Origin | None = None
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return Stack([], None), None
    depth = 0
    while frame is not None and depth < MAX_DEPTH:
        kind = frame_kind(frame)
        if kind:
            frames.append((frame, kind))
        elif not frames and origin is None:
            loader = lazy.get(frame.f_code)
            if loader is not None:
                origin = _origin(frame, loader)
        frame = frame.f_back
        depth += 1
    innermost = frame_site(*frames[0]) if frames else None
    return Stack(frames, innermost), origin


def loop_site(previous: Stack, skip: int = 1) -> tuple[Site | None, Origin | None]:
    """The loop: the innermost user or template frame of this execution that ``previous`` also ran under."""
    global _LAZY
    lazy = _LAZY if _LAZY is not None else _set_lazy()
    origin: Origin | None = None
    seen_user = False
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None, None
    ids = previous.ids
    depth = 0
    while frame is not None and depth < MAX_DEPTH:
        kind = frame_kind(frame)
        if kind:
            seen_user = True
            if id(frame) in ids:
                return frame_site(frame, kind), origin
        elif not seen_user and origin is None:
            loader = lazy.get(frame.f_code)
            if loader is not None:
                origin = _origin(frame, loader)
        frame = frame.f_back
        depth += 1
    return None, origin


def _set_lazy() -> dict[CodeType, str]:
    global _LAZY
    _LAZY = _lazy_codes()
    return _LAZY


def describe(origin: Any) -> str:
    """``lazy load of relationship Entry.author (many-to-one)`` for evidence lines."""
    if origin is None:
        return ""
    if origin.kind == "deferred":
        return f"load of deferred column {origin.attribute}"
    direction = f" ({origin.direction})" if origin.direction else ""
    return f"lazy load of relationship {origin.attribute}{direction}"


__all__ = ["Origin", "Stack", "capture", "describe", "first_site", "frame_kind", "frame_site", "loop_site"]

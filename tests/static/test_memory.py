"""A check leaves no reference cycles behind: the collector is paused for the whole run (``engine.run_check``),
so every cycle made during it stays in memory until the process ends (issue 13, peak memory)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from flask_doctor.config import Settings
from flask_doctor.static.engine import run_check

CLINIC = Path(__file__).resolve().parents[2] / "examples" / "clinic" / "sick"


def _ours(obj: object) -> bool:
    """An object of flask-doctor's own code: a function, or an instance of one of its classes."""
    module = getattr(obj, "__module__", None) if callable(obj) else type(obj).__module__
    return isinstance(module, str) and module.startswith("flask_doctor")


@pytest.mark.skipif(not CLINIC.is_dir(), reason="the clinic example is not in this tree")
def test_a_check_makes_no_garbage_cycles() -> None:
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = run_check([CLINIC], Settings(root=CLINIC, preview=True), jobs=1)  # kept: the model has cycles
        gc.collect()
        left = sorted({getattr(o, "__qualname__", type(o).__qualname__) for o in gc.garbage if _ours(o)})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if collecting:
            gc.enable()
    assert result.findings
    assert left == [], left


SLIM_SAMPLE = """\
import os, sys as system
from pkg import (
    a,
    b as c,
)
x = [1, 2,
     3]
y = {"k": f(v, key=w), **rest}
obj.attr.sub[0] = lambda q: q
del obj.attr
call(
    *args,
    key=(1,
         2),
)
value = obj.attr if not flag else -thing
first, *rest = (z for z in range(3))
assert x, "message"
u = u"text"
"""


def test_slim_trees_read_as_parsed() -> None:
    """Positions and contexts of a parsed tree read the same with the slim node classes (``slim_ast``)."""
    import ast
    import subprocess
    import sys

    from flask_doctor.static import slim_ast

    # every field and position of every node, as read (``ast.dump`` prints a ``type_comment=None`` it omitted before)
    listing = (
        "import ast, sys\n"
        "def listing(tree):\n"
        "    return [\n"
        "        (type(n).__name__, *(type(v).__name__ if isinstance(v, (ast.AST, list)) else repr(v)\n"
        "         for v in (getattr(n, f, '-') for f in n._fields + n._attributes)))\n"
        "        for n in ast.walk(tree)\n"
        "    ]\n"
    )
    plain = subprocess.run(
        [sys.executable, "-c", listing + "print(listing(ast.parse(sys.stdin.read())))"],
        input=SLIM_SAMPLE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    slim_ast.install()
    tree = ast.parse(SLIM_SAMPLE)
    space: dict[str, object] = {}
    exec(listing, space)
    assert str(space["listing"](tree)) == plain  # type: ignore[operator]
    one_line = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.Name, ast.Constant, ast.Attribute))
        and n.lineno == n.end_lineno
        and not isinstance(getattr(n, "ctx", None), ast.Del)
        and getattr(n, "kind", None) is None
    ]
    assert len(one_line) > 20
    assert all(len(vars(n)) <= 5 for n in one_line)  # the 184-byte dict, not the 272-byte one
    loads = {
        id(n.ctx) for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, ast.Load)
    }
    assert len(loads) == 1  # the parser's one ``Load``, given back


def test_slim_nodes_built_by_hand_keep_what_was_set() -> None:
    import ast

    from flask_doctor.static import slim_ast

    slim_ast.install()
    bare = ast.Name(id="n", ctx=ast.Load())
    assert bare.end_lineno is None
    mine = ast.Load()
    attribute = ast.Attribute(value=bare, attr="a", ctx=mine)
    assert attribute.ctx is mine
    placed = ast.copy_location(ast.Attribute(value=bare, attr="b", ctx=ast.Store()), ast.parse("x\n\n").body[0])
    assert (placed.lineno, placed.end_lineno, placed.end_col_offset) == (1, 1, 1)
    placed.end_lineno = 3
    assert placed.end_lineno == 3
    assert isinstance(placed.ctx, ast.Store)
    assert compile(ast.Expression(ast.parse("a.b").body[0].value), "<slim>", "eval")

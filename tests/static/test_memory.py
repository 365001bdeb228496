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

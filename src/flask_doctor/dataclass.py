"""``dataclass``: the standard decorator with shared ``__repr__``, ``__eq__`` and ``__hash__``.

``dataclasses.dataclass`` writes the source text of every method it generates and compiles it when the
class is created, so a ``check`` compiled some 480 methods before it read a file (most of that fixed cost
is the compiler).  Records are almost never printed, compared or hashed during a run, so this decorator
lets the standard one generate only ``__init__`` (and a frozen class's ``__setattr__``/``__delattr__``)
and gives the class the three others as closures over its field names: nothing compiled, and the same
results as the generated methods (the same tuple comparison and hash, the same text and recursion
guard), only slower per call.  Classes with ``order=True`` or ``unsafe_hash=True`` are left to the
standard decorator.  Type checkers see the standard decorator.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass"]


def _named(function: Callable[..., Any], cls: type, name: str) -> Callable[..., Any]:
    function.__name__ = name
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    return function


def _make_repr(cls: type, names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        return self.__class__.__qualname__ + "(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    return _named(__repr__, cls, "__repr__")


def _make_eq(cls: type, names: tuple[str, ...]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    return _named(__eq__, cls, "__eq__")


def _make_hash(cls: type, names: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in names))

    return _named(__hash__, cls, "__hash__")


def _record(cls: type, options: dict[str, Any]) -> type:
    if options.get("order") or options.get("unsafe_hash"):
        return dataclasses.dataclass(cls, **options)  # type: ignore[call-overload,no-any-return]
    want_repr = options.pop("repr", True)
    want_eq = options.pop("eq", True)
    # dataclass decides __hash__ from the class body as written (its _hash_action table)
    own_hash = cls.__dict__.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (own_hash is dataclasses.MISSING or (own_hash is None and "__eq__" in cls.__dict__))
    cls = dataclasses.dataclass(cls, repr=False, eq=False, **options)  # type: ignore[call-overload]
    fields = dataclasses.fields(cls)
    if want_repr and "__repr__" not in cls.__dict__:
        cls.__repr__ = _make_repr(cls, tuple(f.name for f in fields if f.repr))  # type: ignore[method-assign]
    if want_eq:
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = _make_eq(cls, tuple(f.name for f in fields if f.compare))  # type: ignore[method-assign]
        if not explicit_hash:
            if options.get("frozen"):
                hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
                cls.__hash__ = _make_hash(cls, hashed)  # type: ignore[method-assign]
            else:
                cls.__hash__ = None  # type: ignore[assignment]
    return cls


def _record_decorator(cls: type | None = None, /, **options: Any) -> Any:
    if cls is None:
        return lambda c: _record(c, options)
    return _record(cls, options)


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:
    dataclass = _record_decorator

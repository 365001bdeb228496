"""``flask_doctor.dataclass`` behaves as ``dataclasses.dataclass``: same repr, equality and hashing."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from flask_doctor.dataclass import dataclass as lean

OPTIONS = [
    {},
    {"frozen": True},
    {"eq": False},
    {"frozen": True, "eq": False},
    {"repr": False},
    {"eq": False, "slots": True},
    {"frozen": True, "order": True},
]


def _both(options: dict[str, Any], body: dict[str, Any] | None = None) -> list[type]:
    classes = []
    for decorator in (dataclasses.dataclass, lean):
        namespace: dict[str, Any] = {
            "__annotations__": {"a": "int", "b": "Any", "c": "str", "d": "list"},
            "b": None,
            "c": dataclasses.field(default="x", repr=False, compare=False),
            "d": dataclasses.field(default_factory=list, hash=False),
            **(body or {}),
        }
        classes.append(decorator(**options)(type("Rec", (), namespace)))
    return classes


def _text(value: object) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def _outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as exc:  # the same exception type counts as the same outcome
        return type(exc)


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_same_methods_as_dataclass(options: dict[str, Any]) -> None:
    std, ours = _both(options)
    for args in [(1,), (1, "y"), (2, (3, 4), "z", [5])]:
        first_std, second_std = std(*args), std(*args)
        first_ours, second_ours = ours(*args), ours(*args)
        assert _text(first_ours) == _text(first_std)
        assert (first_ours == second_ours) == (first_std == second_std)
        assert (first_ours == ours(9)) == (first_std == std(9))
        assert (first_ours == object()) == (first_std == object())
        assert (first_ours.__eq__(1) is NotImplemented) == (first_std.__eq__(1) is NotImplemented)
        assert _outcome(lambda o=first_ours, p=second_ours: hash(o) == hash(p)) == _outcome(
            lambda s=first_std, p=second_std: hash(s) == hash(p)
        )
        assert type(_outcome(lambda o=first_ours: hash(o))) is type(_outcome(lambda s=first_std: hash(s)))
        assert _outcome(lambda o=first_ours: setattr(o, "a", 0)) == _outcome(lambda s=first_std: setattr(s, "a", 0))
    assert repr(dataclasses.fields(ours)) == repr(dataclasses.fields(std))
    assert ours.__doc__ == std.__doc__


def test_hash_of_frozen_records_is_the_tuple_hash() -> None:
    _, ours = _both({"frozen": True})
    assert hash(ours(1, "y", "z")) == hash((1, "y"))  # c is not compared, d not hashed
    assert ours(1, [2]) == ours(1, [2])
    with pytest.raises(TypeError):
        hash(ours(1, [2]))


def test_unhashable_when_mutable_and_compared() -> None:
    for cls in _both({}):
        assert cls.__hash__ is None


def test_own_methods_are_kept() -> None:
    def own_eq(self: Any, other: object) -> bool:
        return True

    body = {"__eq__": own_eq, "__repr__": lambda self: "own"}
    for frozen in (False, True):
        std, ours = _both({"frozen": frozen}, body)
        assert repr(ours(1)) == repr(std(1)) == "own"
        assert ours(1) == ours(2)
        assert (ours.__hash__ is None) == (std.__hash__ is None)
    body = {"__hash__": lambda self: 7}
    std, ours = _both({"frozen": True}, body)
    assert hash(ours(1)) == hash(std(1)) == 7


def test_recursive_repr() -> None:
    std, ours = _both({})
    one, two = std(1), ours(1)
    one.b, two.b = one, two
    assert repr(two) == repr(one) == "Rec(a=1, b=..., d=[])"


def test_subclass_compares_its_own_fields() -> None:
    std, ours = _both({"frozen": True})
    std_child = dataclasses.dataclass(frozen=True)(type("Child", (std,), {"__annotations__": {"e": "int"}, "e": 0}))
    our_child = lean(frozen=True)(type("Child", (ours,), {"__annotations__": {"e": "int"}, "e": 0}))
    assert repr(our_child(1, e=2)) == repr(std_child(1, e=2))
    assert (our_child(1, e=2) == our_child(1, e=3)) == (std_child(1, e=2) == std_child(1, e=3))
    assert (our_child(1) == ours(1)) == (std_child(1) == std(1))
    assert hash(our_child(1, e=2)) == hash(std_child(1, e=2))

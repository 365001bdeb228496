from __future__ import annotations

import pytest

from flask_doctor.runtime.settings import Settings


def test_defaults() -> None:
    s = Settings.load({}, {})
    assert (s.enabled, s.sample_rate, s.store, s.n_plus_one, s.tracemalloc, s.token) == (
        True,
        1.0,
        "memory://",
        5,
        False,
        "",
    )


def test_config_beats_environment_and_keywords_beat_both() -> None:
    env = {"FLASK_DOCTOR_N_PLUS_ONE": "7", "FLASK_DOCTOR_TRACEMALLOC": "1", "FLASK_DOCTOR_IGNORE": "fd170, FD4"}
    s = Settings.load({"FLASK_DOCTOR_N_PLUS_ONE": 9}, env)
    assert (s.n_plus_one, s.tracemalloc, s.ignore) == (9, True, ("FD170", "FD4"))
    assert Settings.load({"FLASK_DOCTOR_N_PLUS_ONE": 9}, env, n_plus_one=3).n_plus_one == 3


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("FLASK_DOCTOR_SAMPLE_RATE", "2", "FLASK_DOCTOR_SAMPLE_RATE='2' is not a valid float"),
        ("FLASK_DOCTOR_ENABLED", "maybe", "FLASK_DOCTOR_ENABLED='maybe': use 1/0, true/false"),
        ("FLASK_DOCTOR_N_PLUS_ONE", "x", "FLASK_DOCTOR_N_PLUS_ONE='x' is not a valid int"),
    ],
)
def test_bad_values_say_what_to_do(key: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.load({}, {key: value})


def test_unknown_keyword_is_an_error() -> None:
    with pytest.raises(TypeError, match="unknown Doctor setting"):
        Settings.load({}, {}, n_plus_two=1)


def test_unknown_store_scheme() -> None:
    from flask_doctor.runtime.store import make_store

    with pytest.raises(ValueError, match="use memory:// or redis://"):
        make_store("postgres://u:pw@h/db")

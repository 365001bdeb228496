"""One answer to "is this the user's code?" for audit, runtime and soak."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import FrameType

import flask
import pytest

import flask_doctor
from flask_doctor import userfiles
from flask_doctor.userfiles import is_user_file, is_user_frame, is_user_module


@pytest.mark.parametrize(
    "filename",
    [
        None,
        "",
        "<frozen importlib._bootstrap>",
        "<string>",
        os.__file__,  # the standard library
        flask.__file__,  # an installed package
        flask_doctor.__file__,  # the doctor itself
        "/srv/app/.venv/lib/python3.12/site-packages/requests/api.py",  # any virtualenv, on sys.path or not
        "/usr/lib/python3/dist-packages/yaml/__init__.py",
    ],
)
def test_not_the_users(filename: str | None) -> None:
    assert not is_user_file(filename)


@pytest.mark.parametrize("filename", [__file__, "/srv/app/shop/views.py", "app.py"])
def test_the_users(filename: str) -> None:
    assert is_user_file(filename)


def test_symlinked_library_is_still_a_library(tmp_path: Path) -> None:
    packages = tmp_path / "venv" / "lib" / "site-packages"
    packages.mkdir(parents=True)
    link = tmp_path / "linked"
    link.symlink_to(packages)
    assert not is_user_file(str(link / "pkg" / "mod.py"))


def _frame_of(module_name: str, filename: str) -> FrameType:
    namespace: dict[str, object] = {"__name__": module_name, "sys": sys}
    exec(compile("frame = sys._getframe()", filename, "exec"), namespace)
    frame = namespace["frame"]
    assert isinstance(frame, FrameType)
    return frame


def test_frames_of_known_libraries_are_not_the_users_even_from_a_checkout() -> None:
    assert is_user_frame(_frame_of("shop.views", "/srv/app/shop/views.py"))
    assert not is_user_frame(_frame_of("sqlalchemy.orm.session", "/src/sqlalchemy/lib/sqlalchemy/orm/session.py"))
    assert not is_user_frame(_frame_of("shop.views", "<string>"))
    assert is_user_module("shop.views") and not is_user_module("flask.app") and not is_user_module("flask_doctor")


def test_every_surface_asks_the_same_question() -> None:
    from flask_doctor.audit import sources
    from flask_doctor.runtime import memory, sites
    from flask_doctor.soak import agent

    assert sources.is_user_file is agent.is_user_file is memory.is_user_file is userfiles.is_user_file
    assert sites.is_user_frame is userfiles.is_user_frame

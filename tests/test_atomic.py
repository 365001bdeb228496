"""The one atomic writer: old or new content, never half; links followed only when asked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from flask_doctor.atomic import write_atomically


def test_an_existing_file_keeps_its_mode_and_a_new_one_is_created(tmp_path: Path) -> None:
    old = tmp_path / "old.py"
    old.write_text("x = 1\n")
    old.chmod(0o640)
    write_atomically(old, "x = 2\n")
    assert old.read_text() == "x = 2\n" and stat.S_IMODE(old.stat().st_mode) == 0o640
    write_atomically(tmp_path / "new.json", "{}")
    assert (tmp_path / "new.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_a_link_in_the_checked_tree_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    outside.chmod(0o644)
    tree = tmp_path / "tree"
    tree.mkdir()
    link = tree / "entry.json"
    link.symlink_to(outside)
    write_atomically(link, "{}", follow_symlinks=False)
    assert outside.read_text() == "keep me\n"
    assert not link.is_symlink() and link.read_text() == "{}"
    assert stat.S_IMODE(link.stat().st_mode) == 0o600  # the link's 0o777 is not copied


def test_a_failed_write_leaves_the_original(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("x = 1\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "x = 'é'\n", "ascii")
    assert target.read_text() == "x = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]

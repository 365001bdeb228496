"""SysV init scripts: which files are read, and the daemon their ``start()`` runs."""

from __future__ import annotations

from pathlib import Path

from flask_doctor.static.deploy import deploy_kind, parse_deploy_files

SCRIPT = """#!/bin/sh
# chkconfig: 2345 80 20
NAME=kiosk
DAEMON="/opt/kiosk/bin/kiosk-web"

start() {
    echo -n "Starting $NAME"
    [ -f /etc/kiosk.cfg ] || exit 6
    daemon --user kiosk --pidfile /run/kiosk.pid $DAEMON --config /etc/kiosk.cfg &
    retval=$?
}

stop() {
    killproc $NAME
}
"""


def test_init_scripts_are_told_by_their_place_and_name() -> None:
    assert deploy_kind(Path("debian/kiosk.init")) == "sysvinit"
    assert deploy_kind(Path("etc/init.d/kiosk")) == "sysvinit"
    assert deploy_kind(Path("contrib/centos/init.sh")) == "sysvinit"
    assert deploy_kind(Path("scripts/install.sh")) is None


def _commands(tmp_path: Path, rel: str, text: str) -> list[tuple[str, list[str], int]]:
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    model = parse_deploy_files([target], tmp_path)
    return [(c.process, c.argv, c.source.line) for c in model.commands]


def test_the_daemon_started_by_start_is_the_command(tmp_path: Path) -> None:
    found = _commands(tmp_path, "etc/init.d/kiosk", SCRIPT)
    assert found == [("sysvinit:kiosk", ["/opt/kiosk/bin/kiosk-web", "--config", "/etc/kiosk.cfg"], 9)]


def test_a_script_without_an_init_header_is_not_read(tmp_path: Path) -> None:
    text = SCRIPT.replace("# chkconfig: 2345 80 20\n", "")
    assert _commands(tmp_path, "etc/init.d/kiosk", text) == []

"""How setting values read from the environment are understood: typed readers, numeric switches, presets."""

from __future__ import annotations

import ast

import pytest

from flask_doctor.static.facts.config_values import env_default, flag_when_unset, is_env_read
from flask_doctor.static.facts.jobs.outcomes import swallows
from flask_doctor.static.names import ImportTable


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ('env.str("SECRET_KEY", default="dev")', True),
        ('env.bool("WTF_CSRF_ENABLED", default=False)', True),
        ('settings.str("SECRET_KEY")', False),  # not an object named for the environment
        ('env.str("secret key")', False),  # not how a variable is spelled
        ('name.str("SECRET_KEY")', False),
    ],
)
def test_typed_environment_readers(text: str, reads: bool) -> None:
    assert is_env_read(_expr(text), ImportTable()) is reads


def test_typed_reader_default() -> None:
    default = env_default(_expr('env.str("SECRET_KEY", default="dev")'), ImportTable())
    assert isinstance(default, ast.Constant) and default.value == "dev"


@pytest.mark.parametrize(
    ("text", "when_unset"),
    [
        ('bool(int(os.getenv("SECURE", "0")))', False),
        ('bool(int(os.getenv("SECURE", "1")))', True),
        ('int(os.environ.get("SECURE", 0))', False),
        ('strtobool(os.getenv("SECURE", "false"))', False),
        ('int(os.getenv("SECURE", "off"))', None),  # int("off") fails at start-up
        ('env.bool("SECURE", default=False)', False),
    ],
)
def test_flags_read_from_the_environment(text: str, when_unset: bool | None) -> None:
    assert flag_when_unset(_expr(text), ImportTable()) is when_unset


def _handler(body: str) -> ast.ExceptHandler:
    tree = ast.parse(f"try:\n    work()\nexcept Exception as exc:\n{body}")
    node = tree.body[0]
    assert isinstance(node, ast.Try)
    return node.handlers[0]


@pytest.mark.parametrize(
    ("body", "swallowed"),
    [
        ("    db.session.rollback()\n", True),
        ("    db.session.rollback()\n    log.error('failed: %s', exc)\n", True),
        ("    self.update_state(state='FAILURE', meta={'reason': str(exc)})\n", True),
        ("    self.update_state(state='FAILURE')\n    raise Ignore()\n", False),
        ("    db.session.rollback()\n    raise\n", False),
        ("    mark_failed(job_id)\n", False),  # recovery work the project does itself
    ],
)
def test_handlers_that_leave_the_task_successful(body: str, swallowed: bool) -> None:
    assert swallows(_handler(body), ImportTable()) is swallowed


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"{}.cleanup_restore".format(ME)', "cleanup_restore"),
        ('f"{__name__}.purge_holds"', "purge_holds"),
        ('"{}.{}".format(ME, name)', None),  # the task's own name is not written
        ('"cleanup".format()', None),
    ],
)
def test_task_names_built_from_the_module_name(text: str, name: str | None) -> None:
    from flask_doctor.static.facts.jobs.retries import _built_task_name

    assert _built_task_name(_expr(text)) == name

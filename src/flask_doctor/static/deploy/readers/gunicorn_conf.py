"""gunicorn.conf.py (and ``gunicorn_config.py``...): settings and hooks, never imported.

The file is evaluated by :func:`flask_doctor.static.deploy.gunicorn.read_config_tree`,
the reader ``audit`` and the runtime use too; this module only turns its
records into the model's, with locations, and records ``raw_env`` entries
as environment (scope ``gunicorn``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from flask_doctor.static.deploy.gunicorn import read_config_tree
from flask_doctor.static.deploy.model import EnvSetting, GunicornSettings, Setting
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_gunicorn_conf"]


def read_gunicorn_conf(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        reader.problem(path, exc.lineno or 0, f"syntax error: {exc.msg}")
        return
    except (ValueError, RecursionError) as exc:
        reader.problem(path, 0, f"cannot parse: {exc}")
        return
    config = read_config_tree(tree, rel)  # no environment: the defaults written in the file
    conf = GunicornSettings(path=rel)
    for hook, (line, column) in config.hooks.items():
        conf.hooks[hook] = loc(rel, line, column)
    for item in config.assignments:
        conf.settings[item.name] = Setting(
            item.name,
            item.value,
            loc(rel, item.line, item.column),
            expr=item.expr,
            cpu_based=item.cpu_based,
            env_var=item.env_var,
            conditional=item.conditional,
        )
        if item.name == "raw_env" and isinstance(item.value, list):
            for entry in item.value:
                if isinstance(entry, str) and "=" in entry:
                    key, _, env_value = entry.partition("=")
                    reader.model.env.append(EnvSetting(key, env_value, loc(rel, item.line), "gunicorn"))
    reader.model.gunicorn.append(conf)

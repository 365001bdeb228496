"""Plugins a stevedore manager loads, classes kept in attributes, methods picked by a computed name.

``model.stevedore`` and ``model.dispatch`` reach code that no call names: the classes a namespace's entry
points declare (``pyproject.toml``/``setup.cfg``), built by an extension manager and called through
``self.plugins[kind]``, ``ext.obj`` or an RPC endpoint's ``__getattr__``; ``self.worker_class(...)``; and
``getattr(self, "_load_{}".format(kind))``.  Each test pairs the case with its near miss.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.deploy.readers.entry_points import pyproject_entry_points, setup_cfg_entry_points
from flask_doctor.static.model import JOB
from flask_doctor.static.runner import analyse_sources

PYPROJECT = """
[project]
name = "reserve"

[project.entry-points."reserve.plugins"]
hosts = "reserve.hosts:HostPlugin"
"""

MANAGER = """
import oslo_messaging as messaging
from stevedore import enabled


class Manager:
    def __init__(self):
        self.plugins = {}
        for ext in enabled.EnabledExtensionManager(namespace=NAMESPACE, check_func=bool).extensions:
            obj = ext.plugin()
            self.plugins[obj.kind] = obj

    def __getattr__(self, name):
        kind, method = name.rsplit(":", 1)
        return getattr(self.plugins[kind], method)


def serve(transport, target):
    return messaging.get_rpc_server(transport, target, endpoints=[Manager()])
"""

HOSTS = """
class HostPlugin:
    kind = "host"

    def list_hosts(self):
        return []


class Unlisted:
    def list_things(self):
        return []
"""


def _contexts(sources: dict[str, str], qualname: str) -> set[str]:
    project = analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}).project
    return project.functions[qualname].contexts


def test_entry_points_of_both_metadata_files() -> None:
    assert pyproject_entry_points(PYPROJECT) == {"reserve.plugins": ["reserve.hosts.HostPlugin"]}
    setup_cfg = "[metadata]\nname = reserve\n\n[entry_points]\nconsole_scripts =\n    run = reserve.cli:main\n"
    setup_cfg += "reserve.plugins =\n    hosts = reserve.hosts:HostPlugin\n    vms = reserve.vms:VmPlugin [extra]\n"
    assert setup_cfg_entry_points(setup_cfg) == {
        "reserve.plugins": ["reserve.hosts.HostPlugin", "reserve.vms.VmPlugin"]
    }


def test_an_endpoint_forwarding_to_loaded_plugins_makes_their_methods_rpc_endpoints() -> None:
    sources = {
        "pyproject.toml": PYPROJECT,
        "reserve/__init__.py": "",
        "reserve/manager.py": 'NAMESPACE = "reserve.plugins"\n' + MANAGER,
        "reserve/hosts.py": HOSTS,
    }
    assert JOB in _contexts(sources, "reserve.hosts.HostPlugin.list_hosts")
    # a class no entry point of the namespace names is not one of its plugins
    assert JOB not in _contexts(sources, "reserve.hosts.Unlisted.list_things")


def test_a_namespace_the_packaging_does_not_declare_loads_nothing() -> None:
    sources = {
        "pyproject.toml": PYPROJECT,
        "reserve/__init__.py": "",
        "reserve/manager.py": 'NAMESPACE = "reserve.other"\n' + MANAGER,
        "reserve/hosts.py": HOSTS,
    }
    assert JOB not in _contexts(sources, "reserve.hosts.HostPlugin.list_hosts")


SERVICE = """
import cotyledon


class Worker:
    def run(self):
        return self.sync()

    def sync(self):
        return 1


class Idle:
    def run(self):
        return 0


class Service(cotyledon.Service):
    def __init__(self, worker_id):
        super().__init__(worker_id)
        self.worker_class = Worker
        self.idle = Idle()

    def run(self):
        worker = self.worker_class()
        worker.run()
"""


def test_a_class_kept_in_an_attribute_is_built_where_the_attribute_is_called() -> None:
    sources = {"svc.py": SERVICE}
    assert JOB in _contexts(sources, "svc.Worker.sync")
    assert JOB not in _contexts(sources, "svc.Idle.run")  # built, but nothing calls its `run`


LOADER = """
from celery import shared_task


class Loader:
    def reload(self, kind):
        return getattr(self, "_load_{}".format(kind))()

    def _load_rules(self):
        return 1

    def _drop_rules(self):
        return 2

    def other(self, kind):
        return getattr(self, "_" + kind)


@shared_task
def refresh(kind):
    Loader().reload(kind)
    Loader().other(kind)
"""


def test_a_computed_method_name_reaches_the_methods_its_constant_prefix_names() -> None:
    sources = {"loader.py": LOADER}
    assert JOB in _contexts(sources, "loader.Loader._load_rules")
    # `_drop_rules` does not start with `_load_`, and `"_" + kind` is too short a prefix to say anything
    assert JOB not in _contexts(sources, "loader.Loader._drop_rules")

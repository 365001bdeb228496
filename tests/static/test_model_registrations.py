"""Request code a project routes itself: factory parameters, delegating facades, handler tables."""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import FACTORY, JOB, REQUEST
from flask_doctor.static.runner import analyse_sources


def project(files: dict[str, str]):
    return analyse_sources({path: textwrap.dedent(text).lstrip() for path, text in files.items()}, select=[]).project


#: An app factory handed a gateway object; the gateway hands each request on to the backend that claims the
#: path, and a backend finds its handler in a table built from the methods its own decorator marked.
GATEWAY = {
    "relay/__init__.py": "",
    "relay/app.py": """
        import functools
        from flask import Flask, request

        def identify(gateway):
            request.environ["caller"] = gateway.caller_of(request.headers)

        def create_app(gateway):
            app = Flask(__name__)
            gateway.attach(app)
            app.add_url_rule("/<path:path>", "relay", gateway.route_request, methods=["GET", "POST"])
            app.register_error_handler(500, gateway.on_error)
            app.before_request(functools.partial(identify, gateway))
            return app
        """,
    "relay/wsgi.py": """
        from relay.app import create_app
        from relay.gateway import Gateway

        gateway = Gateway()
        app = create_app(gateway)
        """,
    "relay/marks.py": """
        import re

        def handles(pattern):
            def mark(fn):
                fn.path_pattern = re.compile(pattern)
                return fn
            return mark
        """,
    "relay/gateway.py": """
        from relay.marks import handles
        from relay.stores import ItemStore, Store

        class Backend:
            STORE_CLASS = Store

            def __init__(self):
                self.store = self.STORE_CLASS()
                self.table = [
                    (getattr(self, name).path_pattern, getattr(self, name))
                    for name in dir(self)
                    if hasattr(getattr(self, name), "path_pattern")
                ]

            def locate(self, path):
                return None

        class ItemBackend(Backend):
            STORE_CLASS = ItemStore

            def locate(self, path):
                for pattern, handler in self.table:
                    if pattern.match(path):
                        return handler

            @handles(r"^/items/$")
            def list_items(self):
                return self.store.every_item()

            def spare(self):
                return None

        class Gateway:
            def __init__(self):
                self.backends = [ItemBackend()]

            def attach(self, app):
                self.app = app

            def caller_of(self, headers):
                return headers.get("X-Caller")

            def locate(self, path):
                for backend in self.backends:
                    handler = backend.locate(path)
                    if handler is not None:
                        return handler

            def route_request(self, path):
                return self.locate("/" + path)()

            def on_error(self, error):
                return "failed", 500
        """,
    "relay/stores.py": """
        class Store:
            def every_item(self):
                raise NotImplementedError

        class ItemStore(Store):
            def every_item(self):
                return ["a", "b"]
        """,
}


def test_methods_of_a_factory_parameter_registered_on_the_app_are_request_code() -> None:
    p = project(GATEWAY)
    assert "view" in p.functions["relay.gateway.Gateway.route_request"].roles
    assert "error_handler" in p.functions["relay.gateway.Gateway.on_error"].roles
    assert "hook" in p.functions["relay.app.identify"].roles  # through ``functools.partial``
    assert REQUEST in p.functions["relay.gateway.Gateway.caller_of"].contexts
    assert p.functions["relay.gateway.Gateway.attach"].contexts == {FACTORY}


def test_a_facade_delegating_to_the_objects_it_holds_reaches_their_family() -> None:
    p = project(GATEWAY)
    assert REQUEST in p.functions["relay.gateway.ItemBackend.locate"].contexts


#: A view building a page through a dispatcher whose ``build`` hands the call on under its own name; an
#: unrelated report hierarchy defines ``build`` too, and an exporter family ``export``.
DELEGATING = {
    "shop/__init__.py": "",
    "shop/reports.py": """
        class Report:
            def build(self, rows):
                return list(rows)

        class SalesReport(Report):
            def build(self, rows):
                return sorted(rows)
        """,
    "shop/exporters.py": """
        class Exporter:
            def export(self, rows):
                return "; ".join(rows)

        class CsvExporter(Exporter):
            def export(self, rows):
                return ",".join(rows)
        """,
    "shop/pages.py": """
        class PageDispatcher:
            def __init__(self, steps):
                self.steps = steps

            def build(self, rows):
                for step in self.steps:
                    rows = step.build(rows)
                return rows

        class Download:
            def __init__(self, exporter):
                self.exporter = exporter

            def export(self, rows):
                return self.exporter.export(rows)
        """,
    "shop/app.py": """
        from flask import Flask, current_app, request
        from shop.pages import Download, PageDispatcher

        app = Flask(__name__)
        dispatcher = PageDispatcher(app.config["PAGE_STEPS"])

        @app.route("/page")
        def page():
            return "".join(dispatcher.build(request.args.getlist("row")))

        @app.route("/download")
        def download():
            return Download(current_app.extensions["exporter"]).export(request.args.getlist("row"))
        """,
}


def test_a_facade_delegating_to_an_object_its_name_does_not_spell_reaches_no_unrelated_family() -> None:
    p = project(DELEGATING)
    assert REQUEST in p.functions["shop.pages.PageDispatcher.build"].contexts
    # ``step`` says nothing about ``Report``: the only other ``build`` is no evidence of what it runs
    assert REQUEST not in p.functions["shop.reports.Report.build"].contexts
    assert REQUEST not in p.functions["shop.reports.SalesReport.build"].contexts


def test_a_method_delegating_to_an_object_its_name_spells_reaches_that_family() -> None:
    p = project(DELEGATING)
    assert REQUEST in p.functions["shop.exporters.CsvExporter.export"].contexts


def test_handlers_a_decorator_marks_run_where_the_dispatcher_reading_their_table_runs() -> None:
    p = project(GATEWAY)
    assert REQUEST in p.functions["relay.gateway.ItemBackend.list_items"].contexts
    # the class the subclass names builds the attribute the handler calls
    assert REQUEST in p.functions["relay.stores.ItemStore.every_item"].contexts
    assert REQUEST not in p.functions["relay.gateway.ItemBackend.spare"].contexts


def test_a_factory_parameter_stays_untyped_when_callers_pass_different_classes() -> None:
    files = dict(GATEWAY)
    files["relay/other.py"] = """
        from relay.app import create_app
        from relay.stores import Store

        app = create_app(Store())
        """
    p = project(files)
    assert "view" not in p.functions["relay.gateway.Gateway.route_request"].roles


def test_a_fake_a_test_passes_to_the_factory_does_not_type_its_parameter() -> None:
    files = dict(GATEWAY)
    files["tests/test_app.py"] = """
        from relay.app import create_app
        from relay.stores import Store

        def test_app():
            create_app(Store())
        """
    p = project(files)
    assert "view" in p.functions["relay.gateway.Gateway.route_request"].roles


#: A module-level route table a decorator fills, read by a catch-all view; and a table nothing in a
#: request reads (a command lists it).
TABLES = {
    "hub/__init__.py": "",
    "hub/routes.py": """
        ROUTES = []
        COMMANDS = {}

        def on(pattern):
            def register(fn):
                ROUTES.append((pattern, fn))
                return fn
            return register

        def command(name):
            def register(fn):
                COMMANDS[name] = fn
                return fn
            return register
        """,
    "hub/handlers.py": """
        from hub.routes import command, on

        @on("/ping")
        def ping():
            return "pong"

        @command("purge")
        def purge():
            return "purged"
        """,
    "hub/app.py": """
        import re
        import click
        from flask import Flask
        from hub.routes import COMMANDS, ROUTES
        import hub.handlers

        app = Flask(__name__)

        @app.route("/<path:path>")
        def dispatch(path):
            for pattern, handler in ROUTES:
                if re.fullmatch(pattern, "/" + path):
                    return handler()
            return "missing", 404

        @app.cli.command("run-command")
        @click.argument("name")
        def run_command(name):
            print(COMMANDS[name]())
        """,
}


def test_a_table_a_view_reads_gives_its_handlers_the_request() -> None:
    p = project(TABLES)
    assert REQUEST in p.functions["hub.handlers.ping"].contexts


def test_a_table_no_request_or_job_reads_leaves_its_handlers_out_of_requests() -> None:
    p = project(TABLES)
    contexts = p.functions["hub.handlers.purge"].contexts
    assert REQUEST not in contexts and JOB not in contexts


def test_view_functions_assigned_by_endpoint_are_views() -> None:
    p = project(
        {
            "plain/__init__.py": "",
            "plain/app.py": """
                from flask import Flask

                app = Flask(__name__)

                def health():
                    return "ok"

                app.view_functions["health"] = health
                """,
        }
    )
    assert "view" in p.functions["plain.app.health"].roles


def test_reading_a_mark_alone_runs_nothing() -> None:
    p = project(
        {
            "chores/__init__.py": "",
            "chores/jobs.py": """
                def background(name):
                    def mark(fn):
                        fn.job_name = name
                        return fn
                    return mark

                @background("reindex")
                def reindex():
                    return "done"
                """,
            "chores/app.py": """
                from flask import Flask
                import chores.jobs as jobs

                app = Flask(__name__)

                @app.get("/jobs")
                def listing():
                    return {"jobs": [n for n in dir(jobs) if hasattr(getattr(jobs, n), "job_name")]}
                """,
        }
    )
    assert REQUEST not in p.functions["chores.jobs.reindex"].contexts


def test_hooks_appended_to_flasks_hook_lists_by_hand_are_hooks() -> None:
    p = project(
        {
            "farm/__init__.py": "",
            "farm/app.py": """
                from flask import Flask

                app = Flask(__name__)

                def check_token():
                    pass

                def warm_up():
                    pass

                def after(response):
                    return response

                def untouched():
                    pass

                app.before_request_funcs.setdefault(None, []).append(check_token)
                app.before_first_request_funcs.append(warm_up)
                app.after_request_funcs[None].append(after)
                handlers = {}
                handlers.setdefault(None, []).append(untouched)
                """,
        }
    )
    roles = {name: p.functions[f"farm.app.{name}"].roles for name in ("check_token", "warm_up", "after", "untouched")}
    assert {"hook", "before_request"} <= roles["check_token"]
    assert {"hook", "before_first_request"} <= roles["warm_up"]
    assert {"hook", "after_request"} <= roles["after"]
    assert "hook" not in roles["untouched"]

"""Signal receivers (``model.signals``): connected functions run where the signal is sent.

Each case pairs a receiver that is reached with its near miss: a signal nobody sends, another signal of the
same attribute name, a library signal sent outside requests.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import JOB, REQUEST
from flask_doctor.static.runner import analyse_sources

SIGNALS = """
from blinker import Namespace

_signals = Namespace()
merged = _signals.signal("merged")
deleted = _signals.signal("deleted")
"""

RECEIVERS = """
import requests

from app import signals


@signals.merged.connect
def _notify_merge(target, source):
    requests.post("https://hooks.example.com/merge", json={"id": target})


@signals.deleted.connect
def _notify_delete(target):
    requests.post("https://hooks.example.com/delete", json={"id": target})


def _audit(target):
    requests.post("https://audit.example.com", json={"id": target})


signals.merged.connect(_audit)
"""

VIEWS = """
from flask import Blueprint

from app.signals import merged

bp = Blueprint("users", __name__)


@bp.route("/merge/<int:target>", methods=["POST"])
def merge(target):
    merged.send(target, source=0)
    return ""
"""


def _run(sources: dict[str, str]):
    return analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=["FD402"])


def _contexts(sources: dict[str, str], qualname: str) -> set[str]:
    return _run(sources).project.functions[qualname].contexts


def test_a_receiver_runs_in_the_request_that_sends_its_signal() -> None:
    sources = {"app/__init__.py": "", "app/signals.py": SIGNALS, "app/receivers.py": RECEIVERS, "app/views.py": VIEWS}
    result = _run(sources)
    functions = result.project.functions
    assert REQUEST in functions["app.receivers._notify_merge"].contexts
    assert REQUEST in functions["app.receivers._audit"].contexts  # ``merged.connect(_audit)``
    # a signal of its own that nothing sends: its receiver is reached from nowhere
    assert not functions["app.receivers._notify_delete"].contexts
    # FD402 warns where a request waits; the unreached receiver gets a note only
    flagged = sorted((f.location.line, "request path" in f.message) for f in result.findings if f.location)
    assert flagged == [(9, True), (14, False), (18, True)]


def test_a_class_signal_is_named_after_the_class_that_declares_it() -> None:
    models = """
    from blinker import Signal


    class Document:
        on_update = Signal()

        def save(self):
            self.on_update.send(self)


    class Dataset(Document):
        pass


    class Comment:
        on_update = Signal()

        def save(self):
            self.on_update.send(self)
    """
    receivers = """
    from app.models import Comment, Dataset


    @Dataset.on_update.connect
    def reindex(dataset):
        pass


    @Comment.on_update.connect
    def notify(comment):
        pass
    """
    views = """
    from flask import Flask

    from app.models import Dataset

    app = Flask(__name__)


    @app.route("/")
    def index():
        Dataset().save()
        return ""
    """
    sources = {"app/__init__.py": "", "app/models.py": models, "app/receivers.py": receivers, "app/views.py": views}
    functions = _run(sources).project.functions
    assert REQUEST in functions["app.receivers.reindex"].contexts
    assert not functions["app.receivers.notify"].contexts  # ``Comment.on_update`` is another signal


def test_a_signal_reexported_by_a_star_import_is_the_same_signal() -> None:
    sources = {
        "app/__init__.py": "",
        "app/signalling/__init__.py": "from .signals import *\n",
        "app/signalling/signals.py": SIGNALS,
        "app/receivers.py": RECEIVERS.replace("from app import signals", "from app.signalling import signals"),
        "app/views.py": VIEWS.replace("from app.signals import merged", "from app.signalling import merged"),
    }
    assert REQUEST in _contexts(sources, "app.receivers._notify_merge")


def test_library_signals_are_request_or_worker_roots() -> None:
    source = """
    import requests
    from celery.signals import before_task_publish, task_failure
    from flask import appcontext_pushed
    from flask_login import user_logged_in


    @user_logged_in.connect
    def on_login(sender, user):
        requests.post("https://audit.example.com", json={"user": user.id})


    def on_failure(sender, **kwargs):
        requests.post("https://alerts.example.com", json={"task": sender.name})


    task_failure.connect(on_failure)


    @before_task_publish.connect
    def on_publish(sender, **kwargs):
        pass


    @appcontext_pushed.connect
    def on_push(sender):
        pass
    """
    result = _run({"app.py": source})
    functions = result.project.functions
    assert functions["app.on_login"].contexts == {REQUEST}
    assert functions["app.on_failure"].contexts == {JOB}
    # sent where a job is published, or where any app context is pushed (a command too): not said
    assert not functions["app.on_publish"].contexts
    assert not functions["app.on_push"].contexts
    messages = sorted((f.location.line, f.message) for f in result.findings if f.location)
    assert [(line, message.split(" has no timeout")[0]) for line, message in messages] == [
        (10, "`requests.post(...)` in request callback `on_login`"),
        (14, "`requests.post(...)` in Celery signal handler `on_failure`"),
    ]


def test_a_library_signal_the_project_sends_by_hand_reaches_no_receiver() -> None:
    source = """
    import requests
    from flask import Flask
    from mongoengine.signals import post_save

    app = Flask(__name__)


    def on_user_saved(sender, document, **kwargs):
        requests.post("https://audit.example.com", json={"id": str(document.id)})


    post_save.connect(on_user_saved, sender="User")


    @app.route("/contact", methods=["POST"])
    def save_contact():
        post_save.send("Contact", document=None)  # another sender: ``on_user_saved`` does not run
        return ""
    """
    assert not _contexts({"app.py": source}, "app.on_user_saved")

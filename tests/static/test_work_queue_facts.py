"""Self-limiting selections (``facts.orm.work_queue``): a loop that moves each row it walks out of the filter."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.orm.queries import helper_context, query_of
from flask_doctor.static.facts.orm.work_queue import query_picks, self_limiting
from flask_doctor.static.runner import analyse_sources

JOBS = """
    from datetime import datetime
    from flask_sqlalchemy import SQLAlchemy
    db = SQLAlchemy()

    class Ticket(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        state = db.Column(db.String)
        owner = db.Column(db.String)
        seen = db.Column(db.DateTime)
        spam = db.Column(db.Boolean)

        def close(self):
            self.mark("closed")

        def mark(self, state):
            self.state = state

    def resolve(ticket):
        ticket.state = "resolved"

    def queue_by_method():
        for t in Ticket.query.filter(Ticket.state == "open").all():
            t.close()

    def queue_by_helper():
        tickets = Ticket.query.filter_by(state="open").all()
        for t in tickets:
            resolve(t)

    def same_value():
        for t in Ticket.query.filter(Ticket.state == "open").all():
            t.state = "open"

    def other_column():
        for t in Ticket.query.filter(Ticket.state == "open").all():
            t.owner = "triage"

    def only_some():
        for t in Ticket.query.filter(Ticket.state == "open").all():
            if t.owner:
                t.state = "assigned"

    def both_branches():
        for t in Ticket.query.filter(Ticket.state == "open").all():
            if t.owner:
                t.state = "assigned"
            else:
                t.state = "orphaned"

    def not_spam_removed():
        for t in Ticket.query.filter(Ticket.spam.is_(True)).all():
            db.session.delete(t)

    def restored_stays():
        for t in Ticket.query.filter(Ticket.seen != None).all():
            t.seen = datetime.utcnow()

    def pending():
        return Ticket.query.filter(~Ticket.spam).all()

    def caller_marks():
        for t in pending():
            t.spam = True
"""


def _project():
    return analyse_sources({"jobs.py": textwrap.dedent(JOBS).lstrip()}, select=[]).project


def _self_limiting(project, name):
    fn = next(f for f in project.functions.values() if f.name == name)
    ctx = helper_context(project, fn)
    call = next(
        n
        for n in ast.walk(fn.node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "all"
    )
    query = query_of(call, ctx, helpers=True)
    assert query is not None and query.model is not None
    return self_limiting(project, fn, query_picks(query, ctx), call, call, query.model.qualname)


def test_a_write_of_the_filtered_column_in_a_method_or_helper_the_row_is_handed_to_empties_the_selection():
    project = _project()
    found = _self_limiting(project, "queue_by_method")
    assert found is not None and not found.purge and "self.state = state" in found.evidence.message
    assert _self_limiting(project, "queue_by_helper") is not None
    assert _self_limiting(project, "both_branches") is not None
    assert _self_limiting(project, "pending") is not None  # the rows it returns, marked by its caller `caller_marks`
    purge = _self_limiting(project, "not_spam_removed")  # deleting each row empties it too, as a purge
    assert purge is not None and purge.purge


def test_writes_that_leave_the_row_selected_do_not_count():
    project = _project()
    assert _self_limiting(project, "same_value") is None  # `state = "open"` keeps it open
    assert _self_limiting(project, "other_column") is None  # the filter does not read `owner`
    assert _self_limiting(project, "only_some") is None  # under an `if`: the other rows stay selected
    assert _self_limiting(project, "restored_stays") is None  # `seen != None` is left only by `seen = None`


def _picks_of(text):
    from types import SimpleNamespace

    from flask_doctor.static.facts.orm.work_queue import read_picks

    return read_picks(SimpleNamespace(call=ast.parse(text).body[0].value, methods=[]))


def _write(text, row="doc"):
    from flask_doctor.static.facts.orm.work_queue import _node_writes

    node = ast.parse(text).body[0]
    node = node.value if isinstance(node, ast.Expr) else node
    return list(_node_writes(None, None, node, row, None, 0))


def test_mongo_markers_are_left_by_the_change_that_adds_or_takes_them_away():
    from flask_doctor.static.facts.orm.work_queue import _clears

    lacking = _picks_of('Doc.objects(labels="x", seals__kind__ne="x")')
    having = _picks_of('Doc.objects(labels__nin=["x"], seals__kind="x")')
    push = _write("doc.update(push__seals=Seal(kind='x'))")
    pull = _write('doc.update(__raw__={"$pull": {"seals": {"kind": "x"}}})')
    assert any(_clears(p, w) for p in lacking for w in push)
    assert not any(_clears(p, w) for p in lacking for w in pull)
    assert any(_clears(p, w) for p in having for w in pull)
    assert not any(_clears(p, w) for p in having for w in push)


def test_ranges_and_other_operators_pick_no_attribute_a_write_could_leave():
    assert _picks_of("Doc.objects(handled_at__lte=cutoff)") == []
    assert _picks_of("Doc.objects(area__zones__gt=[])") == []  # a migration rewriting every row's zones
    assert _picks_of("Doc.objects(title__icontains=word)") == []


def test_a_name_assigned_twice_holds_the_later_read_in_the_later_loop():
    from types import SimpleNamespace

    from flask_doctor.static.facts.orm.work_queue import latest_value

    fn_node = ast.parse(
        textwrap.dedent(
            """
            def job():
                rows = Doc.objects(a=1)
                for r in rows:
                    r.add()
                rows = Doc.objects(b=2)
                for r in rows:
                    r.drop()
            """
        )
    ).body[0]
    fn = SimpleNamespace(node=fn_node)
    second = fn_node.body[3]
    assert ast.unparse(latest_value(fn, second.iter, second)) == "Doc.objects(b=2)"

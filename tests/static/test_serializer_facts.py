"""Serializer facts (``facts.serializers``): what a schema or a dict of fields reads of each dumped row."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.serializers import dump_of, marshalled_returns, schema_serializer
from flask_doctor.static.runner import analyse_sources

SCHEMAS = """
    from flask_marshmallow import Marshmallow
    from marshmallow import fields
    ma = Marshmallow()

    class PersonSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            public_fields = ("id", "name", "user_identifier")
            fields = (*public_fields, "phone")

        user_identifier = fields.String(attribute="user.identifier")
        affiliation = fields.Nested("AffiliationSchema", attribute="affiliation_link")
        badge = fields.Function(lambda person: person.badge.code)
        secret = fields.String(load_only=True)

    class StaffSchema(PersonSchema):
        class Meta:
            fields = ("id", "affiliation", "badge")
    """

VIEWS = """
    from flask import Flask
    from flask_restx import Namespace, fields
    from schemas import PersonSchema
    app = Flask(__name__)
    ns = Namespace("people")

    base = ns.model("Base", {"id": fields.Integer, "link": fields.Url("people.show")})
    person = ns.inherit("Person", base, {"org": fields.String(attribute="org.name"), "tags": fields.List(fields.Nested(base))})

    def people(rows):
        one = PersonSchema(only=PersonSchema.Meta.public_fields).dump(rows, many=True)
        two = PersonSchema().dump(rows)
        return one, two

    @ns.marshal_list_with(person)
    def listing():
        return rows, 200
    """


def _project():
    sources = {"schemas.py": textwrap.dedent(SCHEMAS), "views.py": textwrap.dedent(VIEWS)}
    return analyse_sources(sources, select=["FD203"]).project


def _reads(serializer):
    return sorted((r.field, r.attr) for r in serializer.reads)


def test_schema_fields_meta_fields_and_inheritance():
    project = _project()
    assert _reads(schema_serializer(project, "schemas.PersonSchema")) == [
        ("id", "id"),
        ("name", "name"),
        ("phone", "phone"),
        ("user_identifier", "user"),
    ]
    # a subclass's own Meta narrows the fields it inherits; a Function reads what its lambda reads
    assert _reads(schema_serializer(project, "schemas.StaffSchema")) == [
        ("affiliation", "affiliation_link"),
        ("badge", "badge"),
        ("id", "id"),
    ]


def test_dump_calls_many_and_only():
    project = _project()
    module = project.modules["views"]
    fn = project.functions["views.people"]
    calls = [n for n in ast.walk(fn.node) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "dump"]
    first, second = sorted(calls, key=lambda c: c.lineno)
    dump = dump_of(project, module, fn, first)
    assert dump is not None and _reads(dump.serializer) == [("id", "id"), ("name", "name"), ("user_identifier", "user")]
    assert dump_of(project, module, fn, second) is None  # one object: `many` is not set


def test_restx_models_and_marshal_list_with():
    project = _project()
    (dump,) = marshalled_returns(project, project.functions["views.listing"])
    assert isinstance(dump.rows, ast.Name) and dump.rows.id == "rows"
    assert dump.serializer.name == "person"  # the name the code gives it
    assert _reads(dump.serializer) == [("id", "id"), ("org", "org"), ("tags", "tags")]

"""The benchmark application: the three endpoints of BENCHMARKS.md, bare or with Doctor(app)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TEMPLATE = """<!doctype html><html><body><table>
{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name }}</td><td>{{ r.email }}</td></tr>
{% endfor %}</table></body></html>"""


def create_app(url: str, *, doctor: bool = False, **settings: Any) -> tuple[Flask, Any]:
    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Item(db.Model):  # type: ignore[name-defined]
        __tablename__ = "fdbench_item"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(80))
        email: Mapped[str] = mapped_column(String(120))

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8})
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    db.init_app(app)

    @app.get("/one")
    def one() -> Any:
        item = db.session.get(Item, 1)
        return jsonify(id=item.id, name=item.name)

    @app.get("/ten")
    def ten() -> Any:
        out = []
        for i in range(1, 11):
            row = db.session.execute(select(Item.name).where(Item.id == i)).scalar_one()
            out.append(row)
        return jsonify(out)

    @app.get("/template")
    def template() -> Any:
        rows = db.session.scalars(select(Item).order_by(Item.id).limit(50)).all()
        return render_template_string(TEMPLATE, rows=rows)

    @app.get("/hello")
    def hello() -> Any:
        return "hello"

    with app.app_context():
        db.create_all()
        if db.session.scalar(select(Item).limit(1)) is None:
            db.session.add_all([Item(name=f"item {i}", email=f"user{i}@example.com") for i in range(1, 101)])
            db.session.commit()

    instance = None
    if doctor:
        from flask_doctor import Doctor

        instance = Doctor(app, **settings)
    return app, instance

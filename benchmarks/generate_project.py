"""Generate a realistic Flask project of a given size, for speed benchmarks.

The code mixes what real applications contain: an application factory,
blueprints with routes, Flask-SQLAlchemy models with relationships,
services calling HTTP APIs, Celery tasks, config classes, forms, helpers
and plain utility code, with a few problems sprinkled in so every rule has
work to do.  Deterministic for a given seed.

    python benchmarks/generate_project.py OUT_DIR --lines 200000
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

MODELS = """from {pkg}.extensions import db


class {Name}(db.Model):
    __tablename__ = "{name}"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), unique=True, nullable=False)
    title = db.Column(db.String(200))
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    items = db.relationship("{Name}Item", backref="{name}", lazy="{lazy}")

    def to_dict(self):
        return {{"id": self.id, "slug": self.slug, "title": self.title}}


class {Name}Item(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    {name}_id = db.Column(db.Integer, db.ForeignKey("{name}.id"))
    value = db.Column(db.Integer, default=0)
"""

VIEW_HEAD = """import time

import requests
from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import select

from {pkg}.extensions import cache, db
from {pkg}.models_{i} import {Name}, {Name}Item
from {pkg}.services_{i} import enrich, fetch_remote

bp = Blueprint("{name}", __name__, url_prefix="/{name}")
_seen_{i} = {{}}
"""

VIEW_VARIANTS = [
    """

@bp.route("/list{k}")
def list_{k}():
    page = request.args.get("page", 1, type=int)
    rows = db.paginate(select({Name}).order_by({Name}.id), page=page, per_page=20)
    return jsonify([r.to_dict() for r in rows.items])
""",
    """

@bp.route("/all{k}")
def all_{k}():
    rows = {Name}.query.all()
    return jsonify([r.to_dict() for r in rows])
""",
    """

@bp.route("/detail{k}/<slug>")
def detail_{k}(slug):
    row = {Name}.query.filter_by(slug=slug).first_or_404()
    return render_template("{name}/detail.html", row=row, extra=enrich(row.id))
""",
    """

@bp.route("/sum{k}")
def sum_{k}():
    total = 0
    for row in {Name}.query.limit(50):
        for item in row.items:
            total += item.value
    return jsonify(total=total)
""",
    """

@bp.route("/remote{k}", methods=["POST"])
def remote_{k}():
    payload = request.get_json(silent=True) or {{}}
    try:
        data = fetch_remote(payload.get("id"))
    except requests.RequestException:
        abort(502)
    _seen_{i}[payload.get("id")] = data
    return jsonify(data)
""",
    """

@bp.route("/slow{k}")
def slow_{k}():
    time.sleep(0.1)
    ids = request.args.getlist("id", type=int)
    found = db.session.scalars(select({Name}).where({Name}.id.in_(ids))).all()
    return jsonify([f.to_dict() for f in found])
""",
    """

@bp.get("/cached{k}")
@cache.cached(timeout=60)
def cached_{k}():
    return jsonify(count=db.session.query({Name}).count())
""",
]

SERVICES = """import logging

import requests

from {pkg}.extensions import db
from {pkg}.models_{i} import {Name}

log = logging.getLogger(__name__)
BASE_URL = "https://api.example.com/{name}"


def fetch_remote(item_id):
    response = requests.get(f"{{BASE_URL}}/{{item_id}}", timeout=5)
    response.raise_for_status()
    return response.json()


def enrich(item_id):
    row = db.session.get({Name}, item_id)
    if row is None:
        return {{}}
    return {{"title": row.title, "length": len(row.title or "")}}


def score(values):
    total = 0
    for index, value in enumerate(values):
        if index % 2:
            total += value * 2
        else:
            total -= value
    return total
"""

TASKS = """import requests
from celery import shared_task

from {pkg}.extensions import db
from {pkg}.models_{i} import {Name}


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def sync_{name}(item_id):
    row = db.session.get({Name}, item_id)
    requests.post("https://hooks.example.com/{name}", json=row.to_dict(), timeout=10)


@shared_task
def cleanup_{name}():
    {Name}.query.filter({Name}.title.is_(None)).delete()
    db.session.commit()
"""

UTILS_FUNC = '''

def helper_{k}(data, limit=10):
    """Transform a list of records ({k})."""
    out = []
    for index, record in enumerate(data):
        if index >= limit:
            break
        key = str(record.get("key", index)).strip().lower()
        value = record.get("value")
        if isinstance(value, (int, float)):
            value = round(value * 1.5, 2)
        elif isinstance(value, str):
            value = value.title()
        else:
            value = None
        out.append({{"key": key, "value": value, "index": index}})
    return sorted(out, key=lambda item: item["key"])
'''

APP_INIT = """from flask import Flask

from {pkg}.extensions import cache, db


def create_app(config="{pkg}.config.ProductionConfig"):
    app = Flask(__name__)
    app.config.from_object(config)
    db.init_app(app)
    cache.init_app(app)
{registrations}
    return app
"""

EXTENSIONS = """from flask_caching import Cache
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
cache = Cache()
"""

CONFIG = """import os


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///app.db")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    CACHE_TYPE = "RedisCache"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True


class DevelopmentConfig(Config):
    DEBUG = True
"""


def generate(out: Path, lines: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    total = 0
    files = 0
    package_index = 0
    while total < lines:
        pkg = f"app{package_index}"
        root = out / pkg
        root.mkdir(parents=True)
        written: dict[str, str] = {
            "extensions.py": EXTENSIONS,
            "config.py": CONFIG.format(pkg=pkg),
        }
        registrations = []
        for i in range(12):
            name = f"thing{i}"
            fmt = {
                "pkg": pkg,
                "i": i,
                "name": name,
                "Name": f"Thing{i}",
                "lazy": rng.choice(["select", "selectin", "dynamic"]),
            }
            written[f"models_{i}.py"] = MODELS.format(**fmt)
            views = VIEW_HEAD.format(**fmt)
            for k in range(rng.randint(8, 16)):
                views += rng.choice(VIEW_VARIANTS).format(k=k, **fmt)
            written[f"views_{i}.py"] = views
            written[f"services_{i}.py"] = SERVICES.format(**fmt)
            written[f"tasks_{i}.py"] = TASKS.format(**fmt)
            utils = '"""Helpers."""\n'
            for k in range(rng.randint(10, 25)):
                utils += UTILS_FUNC.format(k=k)
            written[f"utils_{i}.py"] = utils
            registrations.append(f"    from {pkg}.views_{i} import bp as bp_{i}\n    app.register_blueprint(bp_{i})")
        written["__init__.py"] = APP_INIT.format(pkg=pkg, registrations="\n".join(registrations))
        for filename, text in written.items():
            (root / filename).write_text(text)
            total += text.count("\n")
            files += 1
        package_index += 1
    (out / "gunicorn.conf.py").write_text(
        "workers = 4\nworker_class = 'gthread'\nthreads = 4\nmax_requests = 1000\nmax_requests_jitter = 50\n"
    )
    (out / "pyproject.toml").write_text("[project]\nname = 'generated'\nversion = '0'\n")
    return {"lines": total, "files": files + 2, "packages": package_index}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.out, args.lines, args.seed))


if __name__ == "__main__":
    main()

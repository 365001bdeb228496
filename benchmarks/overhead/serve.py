"""The benchmark app for gunicorn, instrumented as ``FD_BENCH_VARIANT`` says.

Variants: ``bare``, ``doctor`` (``Doctor(app)`` defaults), ``doctor-sampled``
(``sample_rate=0.1``), ``sentry`` (100 % traces), ``sentry-10`` (10 %
traces), ``sentry-errors`` (errors only), ``otel`` (OpenTelemetry Flask +
SQLAlchemy, spans dropped by a no-op exporter), ``prometheus``
(prometheus-flask-exporter).  Sentry sends to ``FD_BENCH_SENTRY_DSN`` (a
local sink started by ``e2e.py``); nothing leaves loopback.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from benchmarks.overhead.apps import create_app

VARIANT = os.environ.get("FD_BENCH_VARIANT", "bare")
DB = os.environ.get("FD_BENCH_DB", "sqlite:////tmp/fdbench.db")


def _sentry(rate: float | None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    kwargs: dict[str, Any] = {
        "dsn": os.environ["FD_BENCH_SENTRY_DSN"],
        "integrations": [FlaskIntegration(), SqlalchemyIntegration()],
    }
    if rate is not None:
        kwargs["traces_sample_rate"] = rate
    sentry_sdk.init(**kwargs)


if VARIANT == "sentry":
    _sentry(1.0)
elif VARIANT == "sentry-10":
    _sentry(0.1)
elif VARIANT == "sentry-errors":
    _sentry(None)

app, _doctor = create_app(
    DB, doctor=VARIANT.startswith("doctor"), **({"sample_rate": 0.1} if VARIANT == "doctor-sampled" else {})
)

if VARIANT == "otel":
    from opentelemetry import trace
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)
    FlaskInstrumentor().instrument_app(app)
    with app.app_context():
        SQLAlchemyInstrumentor().instrument(engine=app.extensions["sqlalchemy"].engine)
elif VARIANT == "prometheus":
    from prometheus_flask_exporter import PrometheusMetrics

    PrometheusMetrics(app)

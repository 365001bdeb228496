"""Prometheus metrics: which objects are labelled metrics, and which label values a client chooses.

prometheus_client keeps one child time series per distinct tuple of label values for the life of the
process (and, in multiprocess mode, in the files every worker writes); nothing removes a child unless the
code calls ``remove()``/``clear()``. A label filled with a value the client picks (its address, an API
key, a query parameter) therefore adds a series for every new value.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.taint import DATA_ATTRS, USER_INPUT, Taint, taint
from flask_doctor.static.model import FunctionInfo, Project

#: prometheus_client's metric classes whose ``labels(...)`` creates a child per value tuple.
METRIC_TYPES = frozenset(
    f"prometheus_client{module}.{name}"
    for module in ("", ".metrics")
    for name in ("Counter", "Gauge", "Summary", "Histogram", "Info", "Enum")
)

#: Client data for label values: what the client writes into the request, plus its address (one per client).
#: The bare path is left out: in a view it is one value per route unless the route has URL variables, and
#: telling those apart is the route's business, not the label's.
CLIENT_VALUE = replace(USER_INPUT, data_attrs=(DATA_ATTRS | {"remote_addr", "access_route"}) - {"path", "base_url"})


def client_taint(project: Project, fn: FunctionInfo) -> Taint:
    """The locals of ``fn`` that hold a value the client chooses (:data:`CLIENT_VALUE`)."""
    return taint(project, fn, CLIENT_VALUE)


@keyed_fact
def returns_client_value(project: Project, qualname: str) -> bool:
    """The project function ``qualname`` returns a value the client chooses (``return request.remote_addr``)."""
    fn = project.functions.get(qualname)
    if fn is None:
        return False
    found = client_taint(project, fn)
    return any(
        isinstance(node, ast.Return) and node.value is not None and found.source(node.value) is not None
        for node in ast.walk(fn.node)
    )


__all__ = ["CLIENT_VALUE", "METRIC_TYPES", "client_taint", "returns_client_value"]

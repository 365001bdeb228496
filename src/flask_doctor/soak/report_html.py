"""``report.html``: one self-contained page (no scripts, no network, inline SVG).

Order: verdicts and findings with their cure first, then one row per
endpoint (leaks expanded, clean ones folded so 100 endpoints stay readable),
then saturation and worker charts.  The charts are drawn here as plain SVG
so the file opens anywhere, including offline CI artifacts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from flask_doctor.rulebook import get_meta

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:4px 0 2px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
h3{font-size:15px;margin:0}
.meta{color:#5b6475;font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}
.bad b{color:#b3261e}.warn b{color:#9a6700}.good b{color:#1a7f37}
.finding{background:#fff;border:1px solid #dde1e7;border-left:5px solid #9a6700;border-radius:6px;padding:10px 14px;margin:10px 0}
.finding.error{border-left-color:#b3261e}.finding.note{border-left-color:#0969da}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
.tag{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
.tag.leak,.tag.error{background:#ffebe9;color:#b3261e}.tag.clean{background:#dafbe1;color:#1a7f37}
.tag.inconclusive,.tag.warning{background:#fff8c5;color:#9a6700}.tag.note{background:#ddf4ff;color:#0969da}
.cure{background:#f0f6ff;border-radius:6px;padding:6px 10px;margin-top:6px}
ul.ev{margin:6px 0 0 0;padding-left:18px;color:#3b4252}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7}
th,td{padding:5px 8px;border-bottom:1px solid #eef0f3;text-align:right;white-space:nowrap}
th{background:#f0f2f5;font-weight:600;font-size:12.5px}td.l,th.l{text-align:left}
details.ep{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:8px 0}
details.ep>summary{cursor:pointer;padding:8px 12px;list-style:none;display:flex;gap:12px;align-items:center}
details.ep>summary::-webkit-details-marker{display:none}
details.ep .body{padding:4px 12px 12px;display:flex;flex-wrap:wrap;gap:16px}
.grow{flex:1;min-width:300px}
svg{background:#fff}svg text{font:11px system-ui,sans-serif;fill:#5b6475}
.small{font-size:12px;color:#5b6475}td.wrap{white-space:normal}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _fmt_bytes(n: float) -> str:
    sign = "-" if n < 0 else ""
    n = abs(float(n))
    if n < 1024:
        return f"{sign}{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{sign}{n:.1f} {unit}"
    return f"{sign}{n:.1f} GiB"  # pragma: no cover


def _nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    ticks = []
    v = start
    while v <= hi + 1e-9 and len(ticks) < 12:
        ticks.append(v)
        v += step
    return ticks


class _Chart:
    def __init__(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        w: int = 360,
        h: int = 190,
        xlabel: str = "",
        ylabel: str = "",
        yfmt: Any = None,
        ymin: float | None = None,
    ) -> None:
        self.w, self.h = w, h
        self.l, self.r, self.t, self.b = 58, 10, 10, 34
        self.x0, self.x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
        self.y0, self.y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
        if ymin is not None:
            self.y0 = min(self.y0, ymin)
        if self.x1 == self.x0:
            self.x1 = self.x0 + 1
        if self.y1 == self.y0:
            self.y1 = self.y0 + 1
        pad = (self.y1 - self.y0) * 0.06
        self.y0 -= pad if ymin is None or self.y0 < ymin else 0
        self.y1 += pad
        self.xlabel, self.ylabel = xlabel, ylabel
        self.yfmt = yfmt or (lambda v: f"{v:g}")
        self.parts: list[str] = []

    def X(self, x: float) -> float:
        return self.l + (x - self.x0) / (self.x1 - self.x0) * (self.w - self.l - self.r)

    def Y(self, y: float) -> float:
        return self.h - self.b - (y - self.y0) / (self.y1 - self.y0) * (self.h - self.t - self.b)

    def points(self, pts: Iterable[tuple[float, float]], color: str, r: float = 1.8) -> None:
        self.parts.append(
            "".join(
                f'<circle cx="{self.X(x):.1f}" cy="{self.Y(y):.1f}" r="{r}" fill="{color}" fill-opacity="0.55"/>'
                for x, y in pts
            )
        )

    def line(self, pts: Sequence[tuple[float, float]], color: str, width: float = 1.6, dash: str = "") -> None:
        if len(pts) < 2:
            if len(pts) == 1:
                self.points(pts, color, 3)
            return
        d = " ".join(f"{self.X(x):.1f},{self.Y(y):.1f}" for x, y in pts)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="{width}"{extra}/>')

    def polygon(self, pts: Sequence[tuple[float, float]], color: str) -> None:
        d = " ".join(f"{self.X(x):.1f},{self.Y(y):.1f}" for x, y in pts)
        self.parts.append(f'<polygon points="{d}" fill="{color}" fill-opacity="0.15" stroke="none"/>')

    def hline(self, y: float, color: str, label: str = "") -> None:
        if self.y0 <= y <= self.y1:
            self.parts.append(
                f'<line x1="{self.l}" x2="{self.w - self.r}" y1="{self.Y(y):.1f}" y2="{self.Y(y):.1f}" '
                f'stroke="{color}" stroke-dasharray="4 3"/>'
            )
            if label:
                self.parts.append(
                    f'<text x="{self.w - self.r - 2}" y="{self.Y(y) - 3:.1f}" text-anchor="end">{_e(label)}</text>'
                )

    def svg(
        self,
        legend: Sequence[tuple[str, str]] = (),
        xticks: Sequence[float] | None = None,
        xlabels: Sequence[str] | None = None,
    ) -> str:
        axes = [
            f'<line x1="{self.l}" y1="{self.h - self.b}" x2="{self.w - self.r}" y2="{self.h - self.b}" stroke="#99a1ad"/>',
            f'<line x1="{self.l}" y1="{self.t}" x2="{self.l}" y2="{self.h - self.b}" stroke="#99a1ad"/>',
        ]
        for v in _nice_ticks(self.y0, self.y1):
            y = self.Y(v)
            axes.append(
                f'<line x1="{self.l}" x2="{self.w - self.r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f3"/>'
                f'<text x="{self.l - 4}" y="{y + 3:.1f}" text-anchor="end">{_e(self.yfmt(v))}</text>'
            )
        ticks = list(xticks if xticks is not None else _nice_ticks(self.x0, self.x1))
        for i, v in enumerate(ticks):
            x = self.X(v)
            label = xlabels[i] if xlabels is not None and i < len(xlabels) else f"{v:g}"
            axes.append(f'<text x="{x:.1f}" y="{self.h - self.b + 13}" text-anchor="middle">{_e(label)}</text>')
        axes.append(
            f'<text x="{(self.l + self.w - self.r) / 2:.0f}" y="{self.h - 4}" text-anchor="middle">{_e(self.xlabel)}</text>'
        )
        axes.append(
            f'<text transform="translate(11,{(self.t + self.h - self.b) / 2:.0f}) rotate(-90)" '
            f'text-anchor="middle">{_e(self.ylabel)}</text>'
        )
        leg = []
        lx = self.l + 6
        for color, label in legend:
            leg.append(
                f'<rect x="{lx}" y="{self.t + 2}" width="10" height="3" fill="{color}"/>'
                f'<text x="{lx + 13}" y="{self.t + 7}">{_e(label)}</text>'
            )
            lx += 18 + 6.2 * len(label)
        return (
            f'<svg width="{self.w}" height="{self.h}" viewBox="0 0 {self.w} {self.h}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg">' + "".join(axes + self.parts + leg) + "</svg>"
        )


def memory_chart(fit: dict[str, Any] | None, floor: float, title: str = "memory kept", w: int = 380) -> str:
    if not fit or not fit.get("series"):
        return '<p class="small">no memory samples</p>'
    series = fit["series"]
    by_pid: dict[float, list[tuple[float, float]]] = {}
    for x, y, pid in series:
        by_pid.setdefault(pid, []).append((x, y))
    pts: list[tuple[float, float]] = []
    xmeds = []
    for values in by_pid.values():
        ys = sorted(v for _, v in values)
        xs = sorted(x for x, _ in values)
        ymed, xmed = ys[len(ys) // 2], xs[len(xs) // 2]
        xmeds.append(xmed)
        pts.extend((x, (y - ymed) / 1024) for x, y in values)
    xmed = sorted(xmeds)[len(xmeds) // 2]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    icpt = fit.get("intercept", 0.0) / 1024

    def at(slope: float, x: float) -> float:
        return icpt + slope / 1024 * (x - xmed)

    lines_y = [at(s, x) for s in (fit["low"], fit["high"], fit["slope"]) for x in (x0, x1)]
    c = _Chart(
        [p[0] for p in pts],
        [p[1] for p in pts] + lines_y,
        w=w,
        xlabel="requests served by the worker",
        ylabel=f"{title} (KiB, vs median)",
    )
    c.polygon(
        [(x0, at(fit["low"], x0)), (x1, at(fit["low"], x1)), (x1, at(fit["high"], x1)), (x0, at(fit["high"], x0))],
        "#0969da",
    )
    c.points(pts, "#57606a")
    c.line([(x0, at(fit["slope"], x0)), (x1, at(fit["slope"], x1))], "#b3261e" if fit["low"] > 0 else "#0969da", 2)
    return c.svg(
        legend=[
            ("#b3261e" if fit["low"] > 0 else "#0969da", f"Theil–Sen {fit['slope']:.1f} B/req"),
            ("#9ecbff", "95% CI"),
        ]
    )


def _finding_html(f: dict[str, Any]) -> str:
    meta = get_meta(f["code"])
    loc = f.get("location")
    where = f'<span class="code">{_e(loc["path"])}:{loc["line"]}</span> ' if loc and loc.get("line") else ""
    ev = "".join(
        f"<li>{_e(e['message'])}"
        + (
            f' <span class="code">({_e(e["location"]["path"])}:{e["location"]["line"]})</span>'
            if e.get("location") and e["location"].get("line")
            else ""
        )
        + "</li>"
        for e in f.get("evidence", [])
    )
    cure_bits = []
    if f.get("hint"):
        cure_bits.append(_e(f["hint"].rstrip(".") + "."))
    if f.get("fix") and f["fix"].get("description"):
        cure_bits.append(_e(f["fix"]["description"]))
    why = ""
    if meta is not None and meta.sections.get("Why is this bad?"):
        why = f'<div class="small" style="margin-top:6px">{_e(meta.sections["Why is this bad?"].strip())}</div>'
    return (
        f'<div class="finding {_e(f["severity"])}"><h3><span class="tag {_e(f["severity"])}">{_e(f["code"])}</span> '
        f'{_e(f["name"])} <span class="small">{_e(f.get("object") or "")}</span></h3>'
        f"<div>{where}{_e(f['message'])}</div>"
        + (f'<ul class="ev">{ev}</ul>' if ev else "")
        + (f'<div class="cure"><b>Cure:</b> {" ".join(cure_bits)}</div>' if cure_bits else "")
        + why
        + "</div>"
    )


def _short(path: str) -> str:
    """``.../site-packages/flask/ctx.py:59`` -> ``flask/ctx.py:59``; stdlib likewise."""
    for marker in ("site-packages/", "dist-packages/"):
        if marker in path:
            return path.split(marker, 1)[1]
    parts = path.replace("\\", "/").split("/")
    for i, part in enumerate(parts):
        if part.startswith("python3") and i > 0 and parts[i - 1] == "lib":
            return "/".join(parts[i + 1 :])
    return path


def _sites_table(sites: list[dict[str, Any]]) -> str:
    if not sites:
        return ""
    rows = "".join(
        f'<tr><td class="l code">{_e(_short(s["file"]))}:{s["line"]}'
        + ("" if s.get("user") else ' <span class="small">(library)</span>')
        + f"</td><td>{_e(_fmt_bytes(s['size_diff']))}</td><td>{s['per_request']:.0f} B</td><td>{s['count_diff']}</td>"
        f'<td class="l code small wrap">{_e(", ".join(_short(p) for p in s.get("via", [])))}</td></tr>'
        for s in sites[:6]
    )
    return (
        '<table><tr><th class="l">allocation site that grew (your code first)</th><th>grew</th><th>per request</th>'
        f'<th>blocks</th><th class="l">allocated in</th></tr>{rows}</table>'
    )


def _anchor(e: dict[str, Any]) -> str:
    return "ep-" + "".join(c if c.isalnum() else "-" for c in str(e.get("phase") or e["name"]))


def _exceptions_html(e: dict[str, Any]) -> str:
    excs = e.get("exceptions") or []
    if not excs:
        return ""
    parts = []
    for x in excs:
        where = f' at <span class="code">{_e(x["file"])}:{_e(x["line"])}</span>' if x.get("file") else ""
        parts.append(
            f"<details><summary><b>{_e(x['type'])}</b>: {_e(x['message'][:300])}{where} "
            f'<span class="small">({_e(x.get("count", 1))}x, {_e(x.get("method", ""))} '
            f'{_e(x.get("path", ""))})</span></summary><pre class="code small">{_e(x["traceback"])}</pre>'
            "</details>"
        )
    return '<div style="flex-basis:100%"><b>Exceptions raised (first traceback of each)</b>' + "".join(parts) + "</div>"


def _not_measured_html(e: dict[str, Any]) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in (e.get("statuses") or {}).items()) or "none"
    return (
        f'<details class="ep" id="{_e(_anchor(e))}" open><summary><span class="tag inconclusive">not measured'
        f'</span><b class="code">{_e(e["name"])}</b><span>{_e(e.get("not_measured") or "")}</span></summary>'
        f'<div class="body"><p class="small">{_e(e["requests"])} requests sent; statuses {_e(statuses)}. '
        "Not called clean: what soak could measure was not the endpoint itself.</p>"
        f"{_exceptions_html(e)}</div></details>"
    )


def _endpoint_html(e: dict[str, Any], floor: float, findings: list[dict[str, Any]]) -> str:
    if e.get("verdict") == "not-measured" and not e.get("server_ms"):
        return _not_measured_html(e)
    mem = e.get("memory")
    slope = (
        f'{mem["slope"]:.1f} B/req <span class="small">[{mem["low"]:.1f}, {mem["high"]:.1f}]</span>' if mem else "n/a"
    )
    open_attr = " open" if e["verdict"] == "leak" else ""
    mine = [f for f in findings if f.get("object") == f"endpoint:{e['name']}"]
    codes = " ".join(f'<span class="tag {_e(f["severity"])}">{_e(f["code"])}</span>' for f in mine)
    lat = e["latency_ms"]
    head = (
        f'<summary><span class="tag {_e(e["verdict"])}">{_e(e["verdict"])}</span>'
        f'<b class="code">{_e(e["name"])}</b><span>{slope}</span>'
        f'<span class="small">{e["requests"]} req, {e["failures"]} errors, p50/p95/p99 '
        f"{lat['p50']:.0f}/{lat['p95']:.0f}/{lat['p99']:.0f} ms</span>{codes}</summary>"
    )
    sm = e["server_ms"]
    reason = (
        f'<tr><td class="l"><b>not measured</b></td><td class="wrap">{_e(e["not_measured"])}</td></tr>'
        if e.get("not_measured")
        else ""
    )
    statuses = ", ".join(f"{k}: {v}" for k, v in (e.get("statuses") or {}).items())
    facts = (
        f'<table><tr><th class="l">measure</th><th>value</th></tr>{reason}'
        f'<tr><td class="l">requests / errors</td><td>{e["requests"]} / {e["failures"]}</td></tr>'
        + (f'<tr><td class="l">statuses</td><td>{_e(statuses)}</td></tr>' if statuses else "")
        + (
            f'<tr><td class="l">note</td><td class="wrap">{_e(e["status_note"])}</td></tr>'
            if e.get("status_note")
            else ""
        )
        + (
            f'<tr><td class="l">smallest leak this phase can see</td><td>'
            f"{_e(e['detectable_bytes_per_request'])} B/req</td></tr>"
            if e.get("detectable_bytes_per_request")
            else ""
        )
        + f'<tr><td class="l">rate</td><td>{e["rps"]:.0f} req/s</td></tr>'
        f'<tr><td class="l">client latency p50 / p95 / p99</td><td>{lat["p50"]:.1f} / {lat["p95"]:.1f} / {lat["p99"]:.1f} ms</td></tr>'
        f'<tr><td class="l">server wall / CPU (median)</td><td>{sm["wall"]["p50"]:.1f} / {sm["cpu"]["p50"]:.1f} ms</td></tr>'
        f'<tr><td class="l">time spent waiting</td><td>{100 * sm["waiting_share"]:.0f}%</td></tr>'
    )
    if mem:
        facts += (
            f'<tr><td class="l">memory slope ({_e(mem["measure"])})</td><td>{mem["slope"]:.1f} B/req</td></tr>'
            f'<tr><td class="l">95% interval</td><td>{mem["low"]:.1f} .. {mem["high"]:.1f}</td></tr>'
            f'<tr><td class="l">second half slope</td><td>{mem["late_slope"]:.1f} B/req</td></tr>'
            f'<tr><td class="l">growth over phase</td><td>{_e(_fmt_bytes(mem["growth"]))}</td></tr>'
        )
    rss = e.get("rss")
    if rss and mem and rss is not mem and rss.get("measure") != mem.get("measure"):
        facts += f'<tr><td class="l">RSS slope</td><td>{rss["slope"]:.0f} B/req</td></tr>'
    fds = e.get("fds")
    if fds:
        facts += f'<tr><td class="l">open fds slope</td><td>{fds["slope"]:.4f}/req</td></tr>'
    for c in e.get("containers", []):
        facts += f'<tr><td class="l code">{_e(c["module"])}.{_e(c["attr"])}</td><td>+{c["grew_by"]} entries</td></tr>'
    for name, stats in (e.get("by_name") or {}).items():
        lt = stats["latency_ms"]
        facts += (
            f'<tr><td class="l code">{_e(name)}</td><td>{stats["requests"]} req, {stats["failures"]} errors, '
            f"p50/p95/p99 {lt['p50']:.0f}/{lt['p95']:.0f}/{lt['p99']:.0f} ms</td></tr>"
        )
    facts += "</table>"
    body = (
        f'<div class="body"><div>{memory_chart(mem, floor)}</div><div class="grow">{facts}</div>'
        f'<div style="flex-basis:100%">{_sites_table(e.get("sites", []))}</div>{_exceptions_html(e)}</div>'
    )
    return f'<details class="ep" id="{_e(_anchor(e))}"{open_attr}>{head}{body}</details>'


def saturation_html(sat: dict[str, Any] | None) -> str:
    if not sat or not sat.get("steps"):
        return ""
    steps = sat["steps"]
    users = [s["users"] for s in steps]
    xs = [math.log2(u) for u in users]
    p50 = [s["latency_ms"]["p50"] for s in steps]
    p95 = [s["latency_ms"]["p95"] for s in steps]
    q50 = [s["queue_ms"]["p50"] for s in steps]
    c = _Chart(xs, p50 + p95 + q50, w=420, xlabel="concurrent users", ylabel="ms", ymin=0)
    c.line(list(zip(xs, p95)), "#b3261e")
    c.line(list(zip(xs, p50)), "#0969da")
    c.line(list(zip(xs, q50)), "#9a6700", dash="4 3")
    lat = c.svg(
        legend=[("#0969da", "latency p50"), ("#b3261e", "p95"), ("#9a6700", "queue p50")],
        xticks=xs,
        xlabels=[str(u) for u in users],
    )
    ins = [s["in_service_mean"] for s in steps]
    cap = float(sat["capacity"])
    c2 = _Chart(
        xs,
        ins + [float(u) for u in users] + ([cap] if cap <= max(users) * 2 else []),
        w=420,
        xlabel="concurrent users",
        ylabel="requests",
        ymin=0,
    )
    c2.line(list(zip(xs, [float(u) for u in users])), "#8c959f", dash="2 3")
    c2.line(list(zip(xs, ins)), "#1a7f37")
    c2.hline(cap, "#b3261e", f"capacity {sat['capacity']}")
    infl = c2.svg(
        legend=[("#8c959f", "in flight (clients)"), ("#1a7f37", "in service (workers)")],
        xticks=xs,
        xlabels=[str(u) for u in users],
    )
    rows = "".join(
        f"<tr><td>{s['users']}</td><td>{s['rps']:.0f}</td><td>{s['latency_ms']['p50']:.0f}</td><td>{s['latency_ms']['p95']:.0f}</td>"
        f"<td>{s['latency_ms']['p99']:.0f}</td><td>{s['queue_ms']['p50']:.0f}</td><td>{s['queue_ms']['p95']:.0f}</td>"
        f"<td>{s['in_service_mean']:.1f} / {s['capacity']}</td><td>{100 * s['worker_cpu_util']:.0f}%</td>"
        f"<td>{100 * s['waiting_share']:.0f}%</td><td>{100 * s['error_rate']:.1f}%</td></tr>"
        for s in steps
    )
    verdict = (
        f'<p><span class="tag warning">saturated</span> at {sat["saturated_at_users"]} users: requests queue while '
        f"the workers wait.</p>"
        if sat["saturated"]
        else '<p><span class="tag clean">not saturated</span> at the load tried.</p>'
    )
    return (
        f"<h2>Saturation ({_e(sat['workers'])} {_e(sat['worker_class'])} worker(s), capacity {_e(sat['capacity'])})</h2>"
        f'{verdict}<div style="display:flex;gap:16px;flex-wrap:wrap">{lat}{infl}</div>'
        '<table style="margin-top:10px"><tr><th>users</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>'
        "<th>queue p50</th><th>queue p95</th><th>in service / capacity</th><th>worker CPU</th><th>waiting</th>"
        f"<th>errors</th></tr>{rows}</table>"
    )


def workers_html(workers: list[dict[str, Any]]) -> str:
    series = [(w["pid"], w["rss"]) for w in workers if w.get("rss")]
    if not series:
        return ""
    xs = [t for _, s in series for t, _ in s]
    ys = [v / 2**20 for _, s in series for _, v in s]
    c = _Chart(xs, ys, w=760, h=200, xlabel="seconds since start", ylabel="RSS (MiB)")
    colors = ["#0969da", "#b3261e", "#1a7f37", "#9a6700", "#8250df", "#57606a"]
    for i, (_pid, s) in enumerate(series):
        c.line([(t, v / 2**20) for t, v in s], colors[i % len(colors)])
    out = (
        '<h2>Workers</h2><p class="small">RSS of each gunicorn worker, sampled from outside every 0.5 s, '
        "and its open file descriptors (sockets, files, pipes), sampled inside, across all phases.</p>"
        + c.svg(legend=[(colors[i % len(colors)], f"pid {pid}") for i, (pid, _) in enumerate(series)])
    )
    fd_series = [(w["pid"], w["fds"]) for w in workers if w.get("fds")]
    if fd_series:
        fx = [t for _, s in fd_series for t, _ in s]
        fy = [float(v) for _, s in fd_series for _, v in s]
        c2 = _Chart(fx, fy, w=760, h=170, xlabel="seconds since start", ylabel="open fds", ymin=0)
        for i, (_pid, s) in enumerate(fd_series):
            c2.line([(t, float(v)) for t, v in s], colors[i % len(colors)])
        out += c2.svg(legend=[(colors[i % len(colors)], f"pid {pid}") for i, (pid, _) in enumerate(fd_series)])
    return out


def _log_html(lines: list[str]) -> str:
    if not lines:
        return ""
    return '<h2>Server log (last lines, secrets masked)</h2><pre class="code small">' + _e("\n".join(lines)) + "</pre>"


def render_html(doc: dict[str, Any]) -> str:
    soak = doc["soak"]
    findings = doc["findings"]
    v = soak["verdicts"]
    floor = soak["noise_floor"]["bytes_per_request"]
    eps = soak["endpoints"]
    cards = (
        f'<div class="cards"><div class="card {"bad" if v["leaks"] else "good"}"><b>{len(v["leaks"])}</b>leaking'
        + (" (+ mixed)" if v.get("mixed_leak") else "")
        + "</div>"
        f'<div class="card good"><b>{len(v["clean"])}</b>clean</div>'
        f'<div class="card {"warn" if v["inconclusive"] else "good"}"><b>{len(v["inconclusive"])}</b>inconclusive</div>'
        f'<div class="card {"warn" if v.get("not_measured") else "good"}">'
        f"<b>{len(v.get('not_measured', []))}</b>not measured</div>"
        f'<div class="card {"warn" if v["saturated"] else "good"}"><b>{"yes" if v["saturated"] else "no"}</b>saturated</div>'
        f'<div class="card"><b>{len(findings)}</b>findings</div>'
        f'<div class="card"><b>{soak["duration_s"]:.0f} s</b>soak time</div></div>'
    )
    server = soak["server"]
    st = soak["settings"]
    per_phase = (
        f"{_e(st['requests'])} requests per phase"
        if st.get("requests")
        else f"requests per endpoint adapted to a {_e(st.get('budget'))} s budget "
        f"({_e(st.get('min_requests'))}..{_e(st.get('max_requests'))})"
    )
    meta = (
        f'<div class="meta">app <span class="code">{_e(soak["app"])}</span> · gunicorn {_e(server["workers"])} '
        f"{_e(server['worker_class'])} worker(s) on {_e(server['bind'])} · {per_phase} · "
        f"{_e(soak['settings']['users'])} users · "
        f"measure: {_e(soak['measure'])} memory · noise floor {floor:.1f} B/request · started {_e(soak['started'])}</div>"
    )
    order = {"error": 0, "warning": 1, "note": 2}
    banner = ""
    if soak.get("partial"):
        banner += (
            '<div class="finding error"><h3>Partial report</h3><ul class="ev">'
            + "".join(f"<li>{_e(r)}</li>" for r in soak.get("partial_reasons", []))
            + "</ul></div>"
        )
    for w in soak.get("warnings", []):
        banner += f'<div class="finding"><h3>Warning</h3><div>{_e(w)}</div></div>'
    if soak.get("notes"):
        banner += '<ul class="small">' + "".join(f"<li>{_e(n)}</li>" for n in soak["notes"]) + "</ul>"
    findings_html = (
        "".join(_finding_html(f) for f in sorted(findings, key=lambda f: order.get(f["severity"], 3)))
        or "<p>No findings.</p>"
    )
    table_rows = "".join(
        f'<tr><td class="l"><span class="tag {_e(e["verdict"])}">{_e(e["verdict"])}</span></td><td class="l code"><a href="#{_e(_anchor(e))}">{_e(e["name"])}</a></td>'
        f"<td>{e['requests']}</td><td>{e['failures']}</td><td>{e['latency_ms']['p50']:.0f}</td><td>{e['latency_ms']['p95']:.0f}</td>"
        f"<td>{e['latency_ms']['p99']:.0f}</td>"
        + (
            f'<td>{e["memory"]["slope"]:.1f}</td><td class="small">[{e["memory"]["low"]:.1f}, {e["memory"]["high"]:.1f}]</td>'
            if e.get("memory")
            else "<td>–</td><td></td>"
        )
        + f'<td class="l">{_e(" ".join(e.get("findings", [])))}'
        + (f' <span class="small">{_e(e["not_measured"])}</span>' if e.get("not_measured") else "")
        + "</td></tr>"
        for e in eps
    )
    table = (
        '<table><tr><th class="l">verdict</th><th class="l">endpoint</th><th>requests</th><th>errors</th><th>p50 ms</th>'
        '<th>p95 ms</th><th>p99 ms</th><th>B/request</th><th>95% CI</th><th class="l">findings</th></tr>'
        f"{table_rows}</table>"
    )
    details = "".join(_endpoint_html(e, floor, findings) for e in eps)
    if soak.get("mixed"):
        details += '<h3 style="margin-top:14px">All endpoints mixed</h3>' + _endpoint_html(
            soak["mixed"], floor, findings
        )
    control = soak.get("control")
    control_html = ""
    if control and control.get("memory"):
        control_html = (
            '<h2>Noise floor</h2><p class="small">A URL the app does not have, requested through the whole '
            "Flask cycle (404). Its slope interval sets the floor: twice the largest slope it allows, "
            f"at least the minimum for {_e(soak['measure'])} memory.</p>"
            + memory_chart(control["memory"], floor, w=420)
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>flask-doctor soak report</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head><body><main>'
        f"<h1>flask-doctor soak{' (partial)' if soak.get('partial') else ''}</h1>{meta}{banner}{cards}"
        f"<h2>Findings and cures</h2>{findings_html}"
        f'<h2>Endpoints</h2>{table}<h2>Memory per endpoint</h2><p class="small">Each endpoint driven alone after a '
        "warm-up; points are samples taken after a full garbage collection, the line is the Theil–Sen fit, the band "
        f"its 95% interval. Leaks are open; click any other row.</p>{details}"
        f"{saturation_html(soak.get('saturation'))}{workers_html(soak.get('workers', []))}{control_html}"
        f"{_log_html(soak.get('log') or [])}"
        "</main></body></html>\n"
    )

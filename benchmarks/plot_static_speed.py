"""Plot ``benchmarks/results/static_speed.json`` and print its table (for the README and docs/speed.md).

Both wall time and CPU time are shown: on a shared machine the wall time
of a single-threaded tool swings with the load of its neighbours, while
its CPU time does not; semgrep and ruff use several cores, so their CPU
time is more than their wall time on an idle machine.

    python benchmarks/plot_static_speed.py [--results FILE ...] [--png docs/img/static-speed.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = [
    "flask-doctor cold",
    "flask-doctor warm (1 file edited)",
    "flask-doctor warm (unchanged)",
    "bandit -r",
    "semgrep (local Flask rules)",
    "ruff S,B (no cache)",
    "ruff S,B warm (1 file edited)",
]


def ratio(summary: dict, a: str, b: str, key: str) -> str:
    if a not in summary or b not in summary or not summary[b][key]:
        return "–"
    return f"{summary[a][key] / summary[b][key]:.2f}×"


def table(data: dict) -> str:
    rows = [
        "| tree | files | lines | tool | wall s | CPU s | peak RSS MB | files/s (wall) |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for tree in data["trees"]:
        first = True
        for tool in TOOLS:
            s = tree["summary"].get(tool)
            if s is None:
                continue
            head = f"| {tree['name']} | {tree['files']} | {tree['lines']:,} " if first else "| | | "
            first = False
            rows.append(
                f"{head}| {tool} | {s['median_wall_s']:.2f} | {s['median_cpu_s']:.2f} | "
                f"{s['peak_rss_mb']:.0f} | {s['files_per_s'] or 0:.0f} |"
            )
    rows += [
        "",
        "| tree | bandit ÷ doctor cold (CPU / wall) | semgrep ÷ doctor cold (CPU / wall) | "
        "doctor warm edit ÷ ruff warm edit (CPU / wall) | "
        "doctor warm unchanged ÷ ruff warm edit (CPU / wall) |",
        "|---|---:|---:|---:|---:|",
    ]
    cold, warm, same = TOOLS[0], TOOLS[1], TOOLS[2]

    def both(s: dict, a: str, b: str) -> str:
        # CPU first: on a shared machine it is the figure that does not swing with the neighbours' load.
        return f"{ratio(s, a, b, 'median_cpu_s')} / {ratio(s, a, b, 'median_wall_s')}"

    for tree in data["trees"]:
        s = tree["summary"]
        rows.append(
            f"| {tree['name']} | {both(s, 'bandit -r', cold)} | {both(s, TOOLS[4], cold)} | "
            f"{both(s, warm, TOOLS[6])} | {both(s, same, TOOLS[6])} |"
        )
    return "\n".join(rows)


def plot(data: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trees = data["trees"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.5))
    width = 0.8 / len(TOOLS)
    for panel, (key, label, log) in zip(
        axes,
        [
            ("median_wall_s", "wall time (s, log)", True),
            ("median_cpu_s", "CPU time (s, log)", True),
            ("peak_rss_mb", "peak RSS (MB)", False),
        ],
    ):
        for i, tool in enumerate(TOOLS):
            xs, ys = [], []
            for j, tree in enumerate(trees):
                s = tree["summary"].get(tool)
                if s is not None:
                    xs.append(j + (i - len(TOOLS) / 2) * width + width / 2)
                    ys.append(max(s[key], 0.005))
            panel.bar(xs, ys, width, label=tool)
        panel.set_xticks(range(len(trees)))
        panel.set_xticklabels([t["name"].replace(" lines", "") for t in trees], rotation=25, ha="right", fontsize=8)
        panel.set_ylabel(label)
        if log:
            panel.set_yscale("log")
        if key == "peak_rss_mb":
            panel.axhline(400, color="grey", linestyle="--", linewidth=1)
    axes[0].legend(fontsize=7, loc="upper left")
    cpus = data["machine"]["cpus"]
    fig.suptitle(
        f"flask-doctor check beside bandit, semgrep and ruff — one run, {cpus} shared cores, {data['date']}",
        fontsize=11,
    )
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        type=Path,
        nargs="+",
        default=[
            p
            for p in (HERE / "results" / "static_speed.json", HERE / "results" / "static_speed-1m.json")
            if p.is_file()
        ],
        help="result files; trees of the second and later files (separate runs) are appended to the first's",
    )
    parser.add_argument("--png", type=Path, default=HERE.parent / "docs" / "img" / "static-speed.png")
    parser.add_argument(
        "--docs",
        type=Path,
        default=HERE.parent / "docs" / "speed.md",
        help="page whose <!-- speed-table --> block gets the table",
    )
    args = parser.parse_args()
    data = json.loads(args.results[0].read_text())
    extra = []
    for path in args.results[1:]:
        # A separate run (e.g. flask-doctor alone on the 1M-line tree): its trees are labelled as such.
        more = json.loads(path.read_text())
        data["trees"] += more["trees"]
        names = ", ".join(t["name"] for t in more["trees"])
        extra.append(f"{names}: a separate run on {more['date']}, {_tools(more) or 'flask-doctor only'}.")
    plot(data, args.png)
    text = table(data)
    print(text)
    note = f"Measured {data['date']}, {data.get('rounds', 1)} round(s); {_tools(data)}."
    note = " ".join([note, *extra]) + "\n\n"
    ratios_only = text.split("\n\n", 1)[1]
    for page_path, body in ((args.docs, text), (HERE.parent / "README.md", ratios_only)):
        if page_path.is_file():
            _fill(page_path, note + body)


def _tools(data: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in data.get("tools", {}).items() if v)


def _fill(page_path: Path, body: str) -> None:
    """Replace the block between ``<!-- speed-table -->`` markers of a page, if it has them."""
    page = page_path.read_text()
    start, end = "<!-- speed-table -->", "<!-- /speed-table -->"
    if start in page and end in page:
        head, rest = page.split(start, 1)
        page_path.write_text(head + start + "\n" + body + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()

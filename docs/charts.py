"""Charts of a benchmark report (``docs/data/bench/*.json``), drawn when the site is built.

A page asks for one with a marker line, which docs/hooks.py replaces at build time::

    <!-- chart:targets numpy -->     each figure that has a target: its ratio, the target, met?
    <!-- chart:chain numpy -->       backward time per op against the length of the chain

The charts are HTML and inline SVG (text stays text, and they scale to a phone's width). The
report's schema grows (new fields, new rows); what a chart does not recognise it leaves out,
and a chart without any data says so instead of failing the build.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

# Values of a results row that are not systems' figures.
NOT_SYSTEMS = {"benchmark", "metric", "ratio", "target", "met", "unit", "note", "notes"}
SYSTEM_COLOURS = {"gradspec": "#3f51b5", "torch": "#e65100", "floor": "#2e7d32"}
OTHER_COLOURS = ("#6a1b9a", "#00838f", "#ad1457", "#5d4037")


def results(doc: Any) -> list[dict[str, Any]]:
    """The rows of a benchmark report: its ``results`` list, else its first list of objects."""
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        return [row for row in doc["results"] if isinstance(row, dict)]
    if isinstance(doc, list):
        return [row for row in doc if isinstance(row, dict)]
    if isinstance(doc, dict):
        for value in doc.values():
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                return [row for row in value if isinstance(row, dict)]
    return []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def parse_ratio(text: Any) -> tuple[float, str] | None:
    """``"0.79x torch"`` -> ``(0.79, "torch")``; None for anything else."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*x\s+(\w+)\s*", str(text)) if text else None
    return (float(m[1]), m[2]) if m else None


def parse_target(text: Any) -> tuple[float, str] | None:
    """``"<= 1.1x floor"`` -> ``(1.1, "1.1x floor")``, ``"<= 1.5 (linear)"`` -> ``(1.5, ...)``:
    the largest value allowed and the target in words; None for anything else."""
    m = re.match(r"\s*(?:<=|≤)\s*([0-9]*\.?[0-9]+)", str(text)) if text else None
    return (float(m[1]), str(text).split("=", 1)[-1].strip().lstrip("≤ ")) if m else None


def _met(row: dict[str, Any], value: float, limit: float) -> bool:
    said = str(row.get("met", "")).strip().lower()
    if said in ("yes", "true", "met"):
        return True
    if said in ("no", "false", "not met"):
        return False
    return value <= limit


def short_label(row: dict[str, Any]) -> str:
    """A row's benchmark and metric in a few words: ``seeds' logistic regression: seconds per
    run``, ``per-op chain of 1,000 ops: total (us/op)``."""
    bench = str(row.get("benchmark", "")).strip()
    bench = re.sub(r"^per-op: chain of ([\d,]+) add/mul.*$", r"per-op chain of \1 ops", bench)
    bench = re.sub(r",\s*\d[\d,]*\s+iterations?$", "", bench)
    bench = re.sub(r",\s*200x2$", "", bench)
    metric = str(row.get("metric", "")).strip()
    return f"{bench}: {metric}" if metric else bench


@dataclass(frozen=True)
class Target:
    label: str
    value: float  # the figure the target is about (a ratio, or a ratio of times)
    shown: str  # the value in words ("0.79x torch")
    limit: float
    target: str  # the target in words ("1x torch")
    met: bool


def targets(doc: Any) -> list[Target]:
    """Every row with a target it can read: the ratio (or, without one, gradspec's figure)
    against the target."""
    out = []
    for row in results(doc):
        target = parse_target(row.get("target"))
        if target is None:
            continue
        ratio = parse_ratio(row.get("ratio"))
        if ratio is not None:
            value, shown = ratio[0], f"{ratio[0]:.2f}x {ratio[1]}"
        else:
            value = _number(row.get("gradspec"))
            if value is None:
                continue
            shown = f"{value:.2f}"
        out.append(Target(short_label(row), value, shown, target[0], target[1],
                          _met(row, value, target[0])))
    return out


def chain_points(doc: Any) -> dict[str, list[tuple[int, float]]]:
    """Backward time per op (us) by chain length, for each system: from the rows whose
    benchmark is a chain of N ops and whose metric is ``backward (us/op)``."""
    points: dict[str, dict[int, float]] = {}
    for row in results(doc):
        bench, metric = str(row.get("benchmark", "")), str(row.get("metric", ""))
        if "chain" not in bench or " vs " in bench or not re.match(r"backward \(us/op\)", metric):
            continue
        m = re.search(r"(\d{1,3}(?:,\d{3})+|\d+)\s+(?:ops|add)", bench)
        if m is None:
            continue
        length = int(m[1].replace(",", ""))
        for key, value in row.items():
            number = _number(value)
            if key not in NOT_SYSTEMS and number is not None:
                points.setdefault(key, {})[length] = number
    return {system: sorted(by_length.items()) for system, by_length in points.items()}


# ---------------------------------------------------------------------------- drawing
def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _nothing(what: str) -> str:
    return f'<p class="gs-chart-empty">No chart: {_esc(what)}</p>\n'


def targets_chart(doc: Any, name: str = "benchmark") -> str:
    """Horizontal bars, one per figure with a target: the figure, a tick at the target, a
    dashed line at 1 (parity), green when met, red when not."""
    found = targets(doc)
    if not found:
        return _nothing(f"the {name} report has no figure with a target it can read.")
    top = max(1.5, max(max(t.value, t.limit) for t in found) * 1.1)
    top = math.ceil(top * 2) / 2  # a round end for the scale
    pct = lambda v: f"{100 * v / top:.1f}%"  # noqa: E731 - local shorthand
    met = sum(t.met for t in found)
    rows = []
    for t in found:
        state = "met" if t.met else "missed"
        rows.append(
            f'<div class="gs-bar-row gs-{state}">'
            f'<div class="gs-bar-label">{_esc(t.label)} '
            f'<span class="gs-bar-figure">{_esc(t.shown)}, target &le; {_esc(t.target)}: '
            f'{"met" if t.met else "<strong>not met</strong>"}</span></div>'
            f'<div class="gs-bar-track"><div class="gs-bar" style="width:{pct(t.value)}"></div>'
            f'<div class="gs-bar-target" style="left:{pct(t.limit)}" '
            f'title="target {_esc(t.target)}"></div></div></div>')
    ticks = "".join(f'<span style="left:{pct(v)}">{v:g}</span>'
                    for v in [i / 2 for i in range(int(top * 2) + 1)])
    caption = (f"{met} of {len(found)} targets met. Each bar is gradspec's figure as a ratio "
               "(to torch or to the hand-written floor, as labelled); the black tick is the "
               "target, the dashed line 1 (parity). Shorter is better.")
    return ('<figure class="gs-chart gs-targets">\n'
            f'<div class="gs-bars" style="--gs-parity:{pct(1.0)}">{"".join(rows)}'
            f'<div class="gs-bar-scale">{ticks}</div></div>\n'
            f"<figcaption>{_esc(caption)}</figcaption>\n</figure>\n")


def chain_chart(doc: Any, name: str = "benchmark") -> str:
    """A line per system: backward time per op (us) against the chain's length (log scale).
    Flat lines mean time linear in the graph's size."""
    points = {s: p for s, p in chain_points(doc).items() if len(p) >= 2}
    if not points:
        return _nothing(f"the {name} report has no backward time per op for two chain lengths.")
    width, height, left, right, top, bottom = 480, 260, 44, 110, 16, 44
    lengths = sorted({n for p in points.values() for n, _ in p})
    lo, hi = math.log10(lengths[0]), math.log10(lengths[-1])
    peak = max(v for p in points.values() for _, v in p)
    ymax = max(1.0, math.ceil(peak * 1.15))
    x = lambda n: left + (math.log10(n) - lo) / ((hi - lo) or 1) * (width - left - right)  # noqa: E731
    y = lambda v: top + (1 - v / ymax) * (height - top - bottom)  # noqa: E731
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" class="gs-svg" '
             f'aria-labelledby="gs-chain-title"><title id="gs-chain-title">Backward time per op '
             f'against chain length: {_esc(_describe(points))}</title>']
    step = _step(ymax)
    v = 0.0
    while v <= ymax + 1e-9:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'class="gs-grid"/>'
                     f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += step
    for n in lengths:
        parts.append(f'<text x="{x(n):.1f}" y="{height - bottom + 20}" text-anchor="middle">'
                     f'{n:,}</text>')
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 6}" '
                 'text-anchor="middle" class="gs-axis">ops in the chain (log scale)</text>'
                 f'<text x="14" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
                 f'class="gs-axis" transform="rotate(-90 14 {(top + height - bottom) / 2:.0f})">'
                 'us per op</text>')
    others = iter(OTHER_COLOURS)
    for system, pts in points.items():
        colour = SYSTEM_COLOURS.get(system) or next(others, "#757575")
        path = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     'stroke-width="2.5"/>')
        parts += [f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                  f'<title>{_esc(system)}: {v:g} us/op at {n:,} ops</title></circle>'
                  for n, v in pts]
        n, v = pts[-1]
        parts.append(f'<text x="{x(n) + 8:.1f}" y="{y(v) + 4:.1f}" fill="{colour}" '
                     f'class="gs-series">{_esc(system)} {v:g}</text>')
    parts.append("</svg>")
    caption = ("Backward time per op through chains of add/mul on one-element tensors. A flat "
               "line is time linear in the graph's size; a rising one costs more per op as "
               "the graph grows.")
    return (f'<figure class="gs-chart gs-chain">\n{"".join(parts)}\n'
            f"<figcaption>{_esc(caption)}</figcaption>\n</figure>\n")


def _describe(points: dict[str, list[tuple[int, float]]]) -> str:
    return "; ".join(f"{s} " + ", ".join(f"{v:g} us at {n:,}" for n, v in p)
                     for s, p in points.items())


def _step(top: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 50, 100):
        if top / step <= 6:
            return float(step)
    return top / 5


CHARTS = {"targets": targets_chart, "chain": chain_chart}
MARKER = re.compile(r"^<!-- chart:(?P<kind>[\w-]+) (?P<report>[\w-]+) -->$", re.M)


def fill(markdown: str, reports: dict[str, Any]) -> tuple[str, list[str]]:
    """``markdown`` with every chart marker replaced by its chart, and the problems found
    (an unknown chart, a missing report) as lines to log."""
    problems: list[str] = []

    def chart(m: re.Match[str]) -> str:
        kind, report = m["kind"], m["report"]
        if kind not in CHARTS:
            problems.append(f"unknown chart {kind!r} (known: {', '.join(CHARTS)})")
            return m.group()
        if report not in reports:
            problems.append(f"no benchmark report docs/data/bench/{report}.json for the "
                            f"{kind} chart: `python bench/run.py --json "
                            f"docs/data/bench/{report}.json` makes one")
            return _nothing(f"no benchmark report {report}.json yet.")
        return CHARTS[kind](reports[report], report)

    return MARKER.sub(chart, markdown), problems

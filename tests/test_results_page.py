"""bench/RESULTS.md says nothing its own figures do not: every ratio in its tables is the
quotient of the figures on its row, every verdict follows from the ratio and the target, and
every claim of its Targets table is the ratio of the row it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "RESULTS.md"
SYSTEMS = ("gradspec", "pure", "baseline", "torch", "floor")


def tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table of ``text`` as a list of rows keyed by the header's cells."""
    out, lines = [], text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.match(r"^\|(\s*-+\s*\|)+\s*$", lines[i + 1]):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells)))
                i += 1
            out.append(rows)
        else:
            i += 1
    return out


def figure_tables() -> list[list[dict[str, str]]]:
    found = [t for t in tables(RESULTS.read_text(encoding="utf-8")) if t and "ratio" in t[0]]
    assert found, "RESULTS.md has no table of figures"
    return found


def _ratio(text: str) -> tuple[float, str]:
    m = re.fullmatch(r"([\d.]+)x (\w+)", text)
    assert m, f"not a ratio: {text!r}"
    return float(m.group(1)), m.group(2)


def test_every_ratio_is_the_quotient_of_its_figures():
    checked = 0
    for table in figure_tables():
        for row in table:
            for system in ("gradspec", "pure", "baseline"):
                column = "ratio" if system == "gradspec" else f"{system} ratio"
                if not row.get(column):
                    continue
                ratio, versus = _ratio(row[column])
                mine, theirs = float(row[system]), float(row[versus])
                # figures are rounded on the page: the ratio must lie within their rounding
                digits = max(len(row[k].partition(".")[2]) for k in (system, versus))
                half = 0.5 * 10 ** -digits
                lo = (mine - half) / (theirs + half)
                hi = (mine + half) / (theirs - half)
                assert lo - 0.005 <= ratio <= hi + 0.005, (row["benchmark"], row["metric"], column)
                checked += 1
    assert checked >= 10


def test_every_verdict_follows_from_its_ratio():
    verdicts = 0
    for table in figure_tables():
        for row in table:
            if not row.get("target"):
                continue
            m = re.fullmatch(r"<= ([\d.]+)(x (\w+)| \(linear\))", row["target"])
            assert m, row["target"]
            limit = float(m.group(1))
            if m.group(3):
                value, versus = _ratio(row["ratio"])
                assert versus == m.group(3)
            else:  # the growth row: its figure is the ratio itself
                value = float(row["gradspec"])
            assert row["met"] == ("yes" if value <= limit else "NO"), (row["benchmark"],
                                                                      row["metric"])
            verdicts += 1
    assert verdicts >= 1


def test_the_targets_table_quotes_the_figures():
    text = RESULTS.read_text(encoding="utf-8")
    targets = [t for t in tables(text) if t and set(t[0]) >= {"target", "figure", "status"}]
    assert targets, "RESULTS.md has no Targets table"
    rows = figure_tables()[0]  # the Targets table speaks of the latest run, the page's first
    for claim in targets[0]:
        # the row it names exactly, else the one its name begins (a diagnostic row may extend
        # a headline row's name)
        source = ([r for r in rows if r["benchmark"] == claim["row"]
                   and r["metric"] == claim["metric"]]
                  or [r for r in rows if r["benchmark"].startswith(claim["row"])
                      and r["metric"] == claim["metric"]])
        assert len(source) == 1, f"the Targets row {claim['target']!r} names no single row"
        (row,) = source
        column = {"compiled": "ratio", "pure": "pure ratio"}[claim["core"]]
        assert claim["figure"] == row[column].split("x")[0] + "x", claim["target"]
        limit = float(re.search(r"<= ([\d.]+)", claim["target"]).group(1))
        met = float(row[column].split("x")[0]) <= limit
        assert claim["status"] == ("met" if met else "**not met**"), claim["target"]


@pytest.mark.parametrize("table", [0])
def test_the_parser_reads_a_table(table):
    rows = tables("| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n")
    assert rows == [[{"a": "1", "b": "2"}]]

"""The checks docs/ci.sh runs on the built site (docs/sitecheck.py), the benchmark charts
(docs/charts.py) and the doctest fences of the API reference (docs/doctest_blocks.py).

Each check is shown to fail on a planted defect and to pass the same page without it; the
built site itself is checked by docs/ci.sh (building it takes half a minute).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"gradspec_docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sitecheck = _load("sitecheck")
charts = _load("charts")
doctest_blocks = _load("doctest_blocks")
gen = _load("gen")

FILES = {"docs/gen.py", "docs/data/reports/numpy.json", "bench/RESULTS.md",
         "conformance/test_hooks.py", "spec/clauses.py"}
IDS, FAMILIES = {"LEAF-1", "NOGRAD-1"}, {"LEAF", "NOGRAD"}


def problems(html: str) -> list[str]:
    page = sitecheck.parse(html)
    return (sitecheck.markup_problems(page)
            + sitecheck.citation_problems(page, FILES, IDS, FAMILIES)
            + sitecheck.cell_problems(page))


# ------------------------------------------------------------------------------- markup
def test_a_doctest_read_as_markdown_is_found():
    assert any("'>>>'" in p for p in problems(
        "<blockquote><blockquote><blockquote><p>x = 1 &gt;&gt;&gt; y</p>"))
    assert problems('<pre><code><span class="gp">&gt;&gt;&gt; </span>x = 1</code></pre>') == []


@pytest.mark.parametrize("text", [r"<td><code>test\_a.py::\*\[x\]</code></td>",
                                  r"<p>a \| b</p>", r"<li>\_\_setitem\_\_</li>"])
def test_a_literal_backslash_escape_is_found(text):
    assert any("backslash escape" in p for p in problems(text))


def test_backslashes_in_code_blocks_and_ordinary_code_pass():
    assert problems(r'<pre><code>print("a\n\_b")</code></pre>') == []
    assert problems(r"<p><code>'\n'</code> and <code>a_b</code></p>") == []


# ---------------------------------------------------------------------------- citations
def test_a_path_that_is_not_in_the_repository_is_found():
    found = problems("<p>the design card (<code>shared/DESIGN.md</code>) and "
                     "<code>docs/gone.py</code></p>")
    assert any("shared/DESIGN.md is not" in p for p in found)
    assert any("docs/gone.py is not" in p for p in found)
    assert problems("<p><code>docs/gen.py</code>, <code>bench/</code>, "
                    "<code>data/reports/numpy.json</code>, <code>docs/data/reports/*.json</code>,"
                    " <code>conformance/test_{name}.py</code></p>") == []


def test_a_test_file_that_does_not_exist_is_found():
    assert any("test_gone.py" in p for p in problems("<p><code>test_gone.py::test_x</code></p>"))
    assert problems("<td><code>test_hooks.py::test_hook</code></td>") == []


def test_a_clause_id_that_does_not_exist_is_found():
    found = problems("<p>views (NOGRAD-5 [I]) and LEAF-1</p>")
    assert len(found) == 1 and "clause NOGRAD-5 does not exist" in found[0]
    assert problems("<p>UTF-8, float-32 and X-1 are not clause IDs</p>") == []


def test_internal_issue_references_and_host_details_are_found():
    assert any("issue reference" in p for p in problems("<p>as issue 12 asked</p>"))
    assert any("issue reference" in p for p in problems("<p>fixed in #46</p>"))
    assert problems('<p><a href="https://github.com/x/y/issues/46">issue #46</a></p>') == []
    assert any("build-host" in p for p in problems(
        "<td>Python 3.11.7 on Linux-6.18.44-fc-v669-x86_64-with-glibc2.36</td>"))
    assert any("build-host" in p for p in problems("<p>in /work/wt/docs/spec</p>"))
    assert problems("<td>torch 2.13.0+cpu on Linux x86_64, 2026-11-24</td>") == []


# -------------------------------------------------------------------------------- cells
@pytest.mark.parametrize("cell", ["None", '{"a": 5.342024803161621, "b": 0.05}',
                                  "{'jacobian': [[4.0, 3.0]]}"])
def test_a_raw_none_or_dict_in_a_cell_is_found(cell):
    assert any("raw value" in p for p in problems(f"<table><tr><td>{cell}</td></tr></table>"))


def test_code_and_prose_in_cells_pass():
    assert problems('<table><tr><td><code>{"summary": ..., "device": ...}</code></td>'
                    "<td>returns None, all zeros or an error</td><td></td></tr></table>") == []


# ---------------------------------------------------------------------------- reference
SOURCE = '''
CONSTANT: int = 1
"""A documented constant."""
_PRIVATE = 2

class Base:
    """A base."""
    kind: str = "base"
    """What kind."""
    def method(self) -> None:
        """Does a thing."""
    def __add__(self, other): ...
    def __init__(self): ...
    def _helper(self): ...

class Child(Base):
    """A child."""
    kind = "child"

def function(x: int) -> int:
    """Twice x."""
'''


def _member_html(path: str, signature: bool = True, description: bool = True) -> str:
    return (f'<h3 id="{path}" class="doc doc-heading">{path.rsplit(".", 1)[-1]}</h3>'
            + ('<div class="doc-signature highlight"><pre><code>x</code></pre></div>'
               if signature else "")
            + '<div class="doc doc-contents ">'
            + ("<p>What it does.</p>" if description else "") + "</div>")


def test_public_members_are_what_the_source_defines():
    found = {m.path: m for m in sitecheck.public_members("mod", SOURCE)}
    assert set(found) == {"mod.CONSTANT", "mod.Base", "mod.Base.kind", "mod.Base.method",
                          "mod.Base.__add__", "mod.Child", "mod.Child.kind", "mod.function"}
    assert found["mod.Child.kind"].override and not found["mod.Base.kind"].override
    assert found["mod.Base"].kind == "class" and found["mod.function"].kind == "function"


def test_a_member_missing_from_the_reference_is_found():
    members = sitecheck.public_members("mod", SOURCE)
    complete = {m.path: _member_html(m.path, signature=m.kind != "class")
                for m in members}
    rendered = sitecheck.rendered_members(["\n".join(complete.values())])
    assert sitecheck.reference_problems(members, rendered, frozenset()) == ([], [])
    del complete["mod.Base.method"]
    complete["mod.function"] = _member_html("mod.function", signature=False)
    complete["mod.CONSTANT"] = _member_html("mod.CONSTANT", description=False)
    complete["mod.Child.kind"] = _member_html("mod.Child.kind", description=False)  # override
    rendered = sitecheck.rendered_members(["\n".join(complete.values())])
    found, notes = sitecheck.reference_problems(members, rendered, frozenset())
    assert sorted(found) == ["mod.Base.method (function) is not in the API reference",
                             "mod.CONSTANT is rendered without a description",
                             "mod.function is rendered without its signature"]
    assert sitecheck.reference_problems(members, rendered, frozenset({"mod"}))[1] == [
        "mod.CONSTANT is rendered without a description"]


def test_the_contract_modules_list_every_error_kind_and_tensor_member():
    from gradspec import errors

    paths = {m.path for name in sitecheck.REFERENCE_MODULES
             for m in sitecheck.public_members(name)}
    assert {f"gradspec.errors.{k.__name__}" for k in errors.ERROR_KINDS} <= paths
    assert {"gradspec.protocol.Tensor.backward", "gradspec.protocol.Tensor._version",
            "gradspec.protocol.Backend.autograd", "gradspec.clauses.Clause.id",
            "gradspec.clauses.CLAUSES"} <= paths


def test_check_reads_a_built_site_and_exits_1_on_a_defect(tmp_path, capsys):
    (tmp_path / "index.html").write_text(
        '<article class="md-content__inner"><p>see NOGRAD-5</p></article>')
    found, _ = sitecheck.check(tmp_path, files=FILES, modules=())
    assert found == ["index.html: clause NOGRAD-5 does not exist: 'see NOGRAD-5'"]
    assert sitecheck.main([str(tmp_path)]) == 1
    assert sitecheck.main([str(tmp_path / "nothing")]) == 2


def test_content_leaves_out_the_theme():
    html = ('<nav>issue 12</nav><article class="md-content__inner md-typeset"><p>ok</p>'
            "</article><footer>Linux-6.1.2-x</footer>")
    assert sitecheck.content(html).endswith("<p>ok</p>")


# ------------------------------------------------------------------------------- charts
def _bench():
    return json.loads((DOCS / "data" / "bench" / "numpy.json").read_text(encoding="utf-8"))


def test_targets_chart_reads_every_target_of_the_committed_run():
    doc = _bench()
    found = charts.targets(doc)
    rows = [r for r in doc["results"] if r.get("target")]
    assert len(found) == len(rows) and found
    for target, row in zip(found, rows):
        assert target.met == (row["met"] == "yes")
    html = charts.targets_chart(doc)
    assert html.count('class="gs-bar-row') == len(rows)
    assert f"{sum(t.met for t in found)} of {len(rows)} targets met" in html


def test_chain_chart_has_a_line_per_system_with_two_lengths():
    points = charts.chain_points(_bench())
    assert [n for n, _ in points["gradspec"]] == [1000, 10000, 100000]
    svg = charts.chain_chart(_bench())
    assert svg.count("<polyline") == sum(len(p) >= 2 for p in points.values())


def test_charts_survive_a_report_whose_schema_grew():
    doc = copy.deepcopy(_bench())
    doc["commit"], doc["build"] = "abc123", {"compiled": True, "cython": "3.1"}
    doc["results"][0]["phases"] = {"forward": 1.2, "backward": 0.4}
    doc["results"][1]["gradspec"] = None
    doc["results"][2]["ratio"] = "n/a"
    doc["results"].append({"benchmark": "new", "metric": "x", "target": "fast", "extra": [1]})
    doc["results"].append("not a row")
    assert "gs-bar-row" in charts.targets_chart(doc)
    assert "<polyline" in charts.chain_chart(doc)
    assert "No chart" in charts.targets_chart({"results": [{"benchmark": "b"}]})
    assert "No chart" in charts.chain_chart([])
    assert "No chart" in charts.chain_chart({"title": "x"})


def test_fill_replaces_markers_and_reports_what_it_cannot_draw():
    text = "a\n<!-- chart:targets numpy -->\n<!-- chart:pie numpy -->\n<!-- chart:chain gone -->\n"
    filled, found = charts.fill(text, {"numpy": _bench()})
    assert "gs-targets" in filled and "<!-- chart:targets" not in filled
    assert any("unknown chart 'pie'" in p for p in found)
    assert any("gone.json" in p for p in found)


def test_bench_table_shows_no_raw_values_and_no_host_release():
    doc = copy.deepcopy(_bench())
    doc["versions"] = {"torch": "2.13.0", "gradspec": None}
    doc["results"][0]["phases"] = {"forward": 1.2, "backward": None}
    text = "\n".join(gen.bench_report(doc))
    assert "None" not in text and "{" not in text and "6.18.44" not in text  # (not a figure: 6.185)
    assert "os Linux" in text and "✘ **not met**" in text and "forward 1.2" in text
    assert gen.public_platform("Linux-6.18.44-fc-v669-x86_64-with-glibc2.36") == "Linux x86_64"


# ----------------------------------------------------------------------------- doctests
def test_doctest_lines_are_fenced_and_fences_left_alone():
    text = "Intro.\n\n>>> x = 1\n>>> x\n1\n\nAfter.\n\n```python\n>>> kept\n```\n"
    assert doctest_blocks.fence_doctests(text) == (
        "Intro.\n\n```pycon\n>>> x = 1\n>>> x\n1\n```\n\nAfter.\n\n```python\n>>> kept\n```\n")
    assert doctest_blocks.fence_doctests(">>> a") == "```pycon\n>>> a\n```"

"""The docs: the generator (docs/gen.py), its --check, and the tutorials' code, executed.

Tutorial pages are run block by block, in order, in one namespace per page (like a notebook).
A ```python block followed by a ```text block must print exactly that text on the numpy
backend; every page must also run on the other backends (their random numbers differ, so their
printed numbers may too).
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
import re
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

import gradspec
from gradspec import clauses

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUN_PAGES = sorted((DOCS / "tutorials").glob("*.md")) + [DOCS / "index.md"]
BACKENDS = [b for b in ("numpy", "strict", "torch")
            if any(r.name == b and r.available for r in gradspec.list_backends())]


def _load_gen():
    spec = importlib.util.spec_from_file_location("gradspec_docs_gen", DOCS / "gen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


gen = _load_gen()


# -------------------------------------------------------------------------- tutorial code
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


@dataclass
class Block:
    line: int
    code: str
    output: str | None  # the ```text block right after it, if any


def code_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown page, each with the output block that follows it."""
    blocks: list[Block] = []
    previous_end = None
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if m["lang"] == "python":
            blocks.append(Block(line, m["body"], None))
        elif (m["lang"] == "text" and blocks and blocks[-1].output is None
              and previous_end is not None and not text[previous_end:m.start()].strip()):
            blocks[-1].output = m["body"]
        previous_end = m.end()
    return blocks


def run_page(path: Path, backend: str, tmp_path: Path, monkeypatch) -> list[tuple[Block, str]]:
    """Run a page's blocks on ``backend``; return each block with what it printed."""
    monkeypatch.chdir(tmp_path)  # pages may write files (the tutorial's plot)
    namespace: dict = {"__name__": "__docs__"}
    printed = []
    for block in code_blocks(path.read_text(encoding="utf-8")):
        code = block.code.replace('load_backend("numpy")', f'load_backend("{backend}")')
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(compile(code, f"{path.name}:{block.line}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(
                    f"{_shown(path)} line {block.line} fails on {backend}: "
                    f"{type(exc).__name__}: {exc}") from exc
        printed.append((block, out.getvalue()))
    return printed


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if ROOT in path.parents else path.name


def _needs_what_page_imports(page: Path) -> None:
    if "import matplotlib" in page.read_text(encoding="utf-8"):
        pytest.importorskip("matplotlib")  # in the `test` extra; a plain install lacks it


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize("page", RUN_PAGES, ids=lambda p: p.stem)
def test_page_prints_what_it_shows(page, tmp_path, monkeypatch):
    _needs_what_page_imports(page)
    blocks = run_page(page, "numpy", tmp_path, monkeypatch)
    checked = [(b, got) for b, got in blocks if b.output is not None]
    for block, got in checked:
        assert _lines(got) == _lines(block.output), (
            f"{_shown(page)} line {block.line}: the block prints\n{got}\n"
            f"but the page shows\n{block.output}")


# (not named `backend`: that fixture name belongs to the conformance plugin)
@pytest.mark.parametrize("backend_name", [b for b in BACKENDS if b != "numpy"])
@pytest.mark.parametrize("page", RUN_PAGES, ids=lambda p: p.stem)
def test_page_runs_on_other_backends(page, backend_name, tmp_path, monkeypatch):
    _needs_what_page_imports(page)
    run_page(page, backend_name, tmp_path, monkeypatch)


def test_every_tutorial_has_checked_output():
    # a tutorial whose outputs are not shown would be run but never compared
    for page in sorted((DOCS / "tutorials").glob("*.md")):
        blocks = code_blocks(page.read_text(encoding="utf-8"))
        if page.stem != "index":
            assert any(b.output is not None for b in blocks), page.name


def test_code_blocks_pairs_output_only_when_adjacent():
    text = ("```python\nprint(1)\n```\n\n```text\n1\n```\n"
            "```python\nprint(2)\n```\nprose\n```text\n2\n```\n")
    blocks = code_blocks(text)
    assert [b.code for b in blocks] == ["print(1)\n", "print(2)\n"]
    assert [b.output for b in blocks] == ["1\n", None]
    assert [b.line for b in blocks] == [1, 8]


def test_run_page_reports_the_failing_line(tmp_path, monkeypatch):
    page = tmp_path / "bad.md"
    page.write_text("# t\n\n```python\nx = 1\n```\n\n```python\n1 / 0\n```\n")
    with pytest.raises(AssertionError, match=r"bad.md line 7 fails on numpy: ZeroDivisionError"):
        run_page(page, "numpy", tmp_path, monkeypatch)


# ------------------------------------------------------------------------------ generator
@pytest.fixture(scope="module")
def tests_by_clause():
    return _collected()


@pytest.fixture(scope="module")
def reports():
    return gen.load_reports()


def test_collection_finds_a_test_for_every_clause(tests_by_clause):
    missing = [c.id for c in clauses.CLAUSES if c.id not in tests_by_clause]
    assert missing == []
    # every clause's own example is a test of it
    assert all(("test_clause_examples.py::test_clause_example", 1) in tests_by_clause[c.id]
               for c in clauses.CLAUSES)


def test_spec_pages_cover_every_clause_once(tests_by_clause):
    pages = gen.spec_pages(tests_by_clause)
    body = "\n".join(text for name, text in pages.items() if name != "spec/index.md")
    for c in clauses.CLAUSES:
        assert body.count(f"{{ #{c.id} }}") == 1, c.id
        assert f"spec/{c.family.lower()}.md" in pages
    assert set(pages) == {"spec/index.md"} | {f"spec/{f.lower()}.md" for f in clauses.FAMILIES}


def test_spec_page_shows_rule_level_scope_example_and_tests(tests_by_clause):
    page = gen.spec_pages(tests_by_clause)["spec/hook.md"]
    section = page.split("{ #HOOK-1 }")[1].split("\n## ")[0]
    assert "MUST" in section and "capability `hooks`" in section
    assert "`t.register_hook(fn)` MUST call `fn(grad)`" in section  # ``code`` became `code`
    assert "```python\nx = torch.tensor([1.0, 2.0], requires_grad=True)" in section
    assert "`test_hooks.py::" in section
    assert page.startswith("<!-- Generated by docs/gen.py")


def test_every_shipped_backend_has_a_report(reports):
    assert [r.name for r in reports][:4] == list(gen.SHIPPED)


def test_comparison_lists_every_backend_and_clause(reports):
    page = gen.comparison_page(reports, [])
    for r in reports:
        assert f"| {r.name} |" in page  # summary row
    for c in clauses.CLAUSES:
        assert f"[{c.id}](../spec/{c.family.lower()}.md#{c.id})" in page
    assert "No benchmark report yet" in page


def test_op_catalogue_page_lists_every_op_with_its_grad_fn_and_backends(reports, tmp_path):
    from gradspec import ops

    page = gen.ops_page(reports)
    assert page.startswith("<!-- Generated by docs/gen.py")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert len(rows) == len(ops.CATALOGUE)
    for op, row in zip(ops.CATALOGUE, rows):
        assert row.startswith(f"| `{op.name}`"), (op.name, row)
        assert (f"`{op.grad_fn}`" in row) == bool(op.grad_fn), op.name
    assert "`einsum(equation, *operands)`" in page
    assert "`cumsum(input, dim, *, dtype=None)`" in page  # a required dim has no default
    assert "axis=" not in page and "keepdims" not in page.split("| Op |")[1]  # said once, above
    # a backend's column comes from its report's list of ops
    doc = _report(reports, "numpy")
    doc["backend"]["ops"] = [op.name for op in ops.CATALOGUE if op.name != "einsum"]
    page = gen.ops_page([gen.Report(tmp_path / "numpy.json", doc)])
    einsum = next(line for line in page.splitlines() if line.startswith("| `einsum`"))
    add = next(line for line in page.splitlines() if line.startswith("| `add`"))
    assert einsum.endswith("| ✗ |") and add.endswith("| ✓ |")
    del doc["backend"]["ops"]
    page = gen.ops_page([gen.Report(tmp_path / "numpy.json", doc)])
    assert next(line for line in page.splitlines() if line.startswith("| `add`")).endswith("| ? |")


def _report(reports, name):
    return copy.deepcopy(next(r for r in reports if r.name == name).doc)


def test_comparison_footnotes_carry_xfail_and_unavailable_reasons(reports, tmp_path):
    doc = _report(reports, "numpy")
    detail = doc["clause_details"]["LEAF-1"]
    detail.update(status="partial", counts={"passed": 3, "xfailed": 1},
                  reasons=["known failure: a bug we know"])
    r = gen.Report(tmp_path / "numpy.json", doc)
    cupy = next(x for x in reports if x.name == "cupy")
    page = gen.comparison_page([r, cupy], [])
    row = next(line for line in page.splitlines() if line.startswith("| [LEAF-1]"))
    assert "partial</span> 3/4[^" in row
    label = re.search(r"3/4\[\^(n\d+)\]", row)[1]
    assert f"[^{label}]: **numpy**: known failure: a bug we know" in page
    # an unavailable backend is said once, with why and how to make its report, not as a column
    assert page.count("**cupy** is not in these tables") == 1
    assert "CuPy is not installed" in page and "--run --backends cupy" in page
    assert row.count("gs-status") == 1


def test_comparison_escapes_markdown_in_reasons(reports, tmp_path):
    doc = _report(reports, "numpy")
    doc["clause_details"]["LEAF-2"].update(status="fail", counts={"failed": 1},
                                           reasons=["a|b <c> *d*"])
    page = gen.comparison_page([gen.Report(tmp_path / "n.json", doc)], [])
    assert r"a\|b &lt;c&gt; \*d\*" in page


def test_workloads_and_benchmarks_render_when_present(reports, tmp_path):
    doc = _report(reports, "numpy")
    doc["workloads"] = {"logreg": {"accuracy": 0.995, "iterations": 120}}
    bench = ("ops", {"device": "cpu", "results": [{"op": "add", "ratio_vs_torch": 1.5}]})
    page = gen.comparison_page([gen.Report(tmp_path / "numpy.json", doc)], [bench])
    assert "### logreg" in page and "| Metric | numpy |" in page
    assert "| `accuracy` | 0.995 |" in page and "| `iterations` | 120 |" in page
    assert "### ops" in page and "device: cpu" in page and "| add | 1.5 |" in page
    doc["workloads"]["linefit"] = {"final_loss": 904.8, "best_loss": 4.4, "accuracy": None,
                                   "parameters": {"a": 5.342024803161621}}
    page = gen.comparison_page([gen.Report(tmp_path / "numpy.json", doc)], [bench])
    table = page.split("### linefit")[1].split("###")[0]
    assert "by design" in table and "| `parameters` | a 5.342 |" in table
    assert "None" not in table and "accuracy" not in table and "{" not in table
    bare = _report(reports, "strict")
    bare["workloads"] = {}
    assert "No data yet" in gen.comparison_page([gen.Report(tmp_path / "n.json", bare)], [])


def test_backend_status_block(reports):
    numpy = next(r for r in reports if r.name == "numpy")
    block = gen.backend_status(numpy, "numpy")
    assert "`create_graph`" in block and f"{len(clauses.CLAUSES)} pass" in block
    cupy = next(r for r in reports if r.name == "cupy")
    assert "| Available | no: " in gen.backend_status(cupy, "cupy")
    assert "No report of `nothing`" in gen.backend_status(None, "nothing")


def test_known_failures_are_a_list_with_literal_ids(reports):
    doc = _report(reports, "tiny")
    doc["backend"]["known_failures"] = {"test_misuse.py::*[a_b|c]": "numpy's *ValueError*"}
    block = gen.backend_status(gen.Report(Path("tiny.json"), doc), "tiny")
    assert "| Known failures | 1 declared (listed below) |" in block
    assert "    - `test_misuse.py::*[a_b|c]`: numpy's \\*ValueError\\*" in block


def test_fill_blocks_replaces_only_the_block_body(reports):
    page = DOCS / "backends" / "numpy.md"
    text = "intro\n<!-- gen:backend-status numpy -->\nold\n<!-- /gen:backend-status -->\nend\n"
    filled = gen.fill_blocks(text, reports, page)
    assert filled.startswith("intro\n<!-- gen:backend-status numpy -->\n| ")
    assert filled.endswith("<!-- /gen:backend-status -->\nend\n") and "old" not in filled
    assert gen.fill_blocks(filled, reports, page) == filled
    with pytest.raises(gen.GenError, match="unknown generated block 'gen:nope'"):
        gen.fill_blocks("<!-- gen:nope -->\nx\n<!-- /gen:nope -->\n", reports, page)


def test_invalid_report_is_one_clear_error(reports, tmp_path):
    doc = _report(reports, "numpy")
    del doc["clauses"]
    (tmp_path / "numpy.json").write_text(json.dumps(doc))
    with pytest.raises(gen.GenError, match=r"numpy.json: not a valid conformance report "
                                           r"\('clauses' is a required property"):
        gen.load_reports(tmp_path)
    (tmp_path / "numpy.json").write_text("{")
    with pytest.raises(gen.GenError, match="not valid JSON"):
        gen.load_reports(tmp_path)


def test_two_reports_of_one_backend_are_refused(reports, tmp_path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(_report(reports, "strict")))
    with pytest.raises(gen.GenError, match="both reports of backend 'strict'"):
        gen.load_reports(tmp_path)


def test_committed_pages_are_current(capsys):
    assert gen.main(["--check"]) == 0, capsys.readouterr().out


_REAL_COLLECT = gen.collect_tests
_COLLECTED: dict = {}


def _collected():
    """The real collection, done once (it runs the suite's collection in a subprocess)."""
    if not _COLLECTED:
        _COLLECTED.update(_REAL_COLLECT())
    return _COLLECTED


def test_check_fails_on_a_stale_page_and_writing_fixes_it(tmp_path, monkeypatch, capsys):
    _collected()
    copy_root = tmp_path / "repo"  # a copy of docs/, so the real one is never touched
    shutil.copytree(DOCS, copy_root / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gen, "DOCS", copy_root / "docs")
    monkeypatch.setattr(gen, "ROOT", copy_root)
    monkeypatch.setattr(gen, "REPORTS", copy_root / "docs" / "data" / "reports")
    monkeypatch.setattr(gen, "BENCH", copy_root / "docs" / "data" / "bench")
    monkeypatch.setattr(gen, "collect_tests", _collected)
    page = copy_root / "docs" / "spec" / "leaf.md"
    page.write_text(page.read_text() + "\nedited by hand\n")
    (copy_root / "docs" / "spec" / "gone.md").write_text(gen.GENERATED_NOTE.format(source="x"))
    assert gen.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: docs/spec/leaf.md" in out and "no longer generated: docs/spec/gone.md" in out
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    assert "edited by hand" not in page.read_text()
    assert not (copy_root / "docs" / "spec" / "gone.md").exists()


def test_bad_report_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.json").write_text("[]")
    monkeypatch.setattr(gen, "REPORTS", tmp_path)
    monkeypatch.setattr(gen, "collect_tests", _collected)
    assert gen.main(["--check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("docs/gen.py: ") and "x.json" in err[0]


# ---------------------------------------------------------------------- built-site checks
def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


linkcheck = _load(DOCS / "linkcheck.py", "gradspec_docs_linkcheck")
check_claims = _load(ROOT / "examples" / "check_claims.py", "gradspec_example_check_claims")
hooks = _load(DOCS / "hooks.py", "gradspec_docs_hooks")


def test_linkcheck_reports_missing_files_and_anchors_only(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a> <a href="a/#here">ok</a> <a href="#top">ok</a><h1 id="top"></h1>'
        '<a href="a/#gone">bad anchor</a> <a href="b.html">missing</a> '
        '<img src="img/x.png"> <a href="https://example.org/nowhere">external</a> '
        '<a href="../../outside.html">outside</a>')
    (tmp_path / "a" / "index.html").write_text('<p id="here"></p><a href="../index.html#top">up</a>')
    assert linkcheck.check(tmp_path) == [
        "index.html: a/#gone (no #gone there)",
        "index.html: b.html (no such file)",
        "index.html: img/x.png (no such file)",
        "index.html: ../../outside.html (leaves the site)",
    ]
    assert linkcheck.main([str(tmp_path / "a")]) == 1
    assert linkcheck.main([str(tmp_path / "nothing")]) == 2


def test_example_backend_report_passes_what_it_claims(reports):
    tiny = next(r for r in reports if r.name == "tiny").doc
    assert check_claims.problems(tiny, ["create_graph", "hooks"]) == []
    unsupported = {c.id for c in clauses.CLAUSES if c.capability in ("create_graph", "hooks")}
    assert unsupported and all(tiny["clauses"][cid] == "unsupported" for cid in unsupported)
    assert tiny["backend"]["distribution"] == "gradspec-tiny"  # its own distribution


def test_check_claims_catches_failures_and_wrong_declarations(reports):
    doc = _report(reports, "tiny")
    doc["summary"]["failed"] = 1
    doc["clause_details"]["LEAF-1"].update(status="partial", counts={"passed": 3, "failed": 1})
    doc["clause_details"]["HOOK-1"]["status"] = "pass"
    doc["clause_details"]["BWD-1"]["status"] = "not-run"
    found = check_claims.problems(doc, ["float64"])
    assert found[:2] == ["1 tests failed", "capability 'float64' is declared, but it must not be"]
    assert any(p.startswith("LEAF-1: partial with") for p in found)
    assert any(p.startswith("HOOK-1: bound to undeclared capability 'hooks'") for p in found)
    assert any(p.startswith("BWD-1: not-run") for p in found)
    assert check_claims.problems(_report(reports, "cupy"))[0].startswith("backend 'cupy' was "
                                                                         "unavailable")


def test_api_source_tree_joins_the_package_folders(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = { "pkg" = "a", "pkg.sub" = "b" }\n')
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "a" / "mod.py").write_text("X = 1\n")
    monkeypatch.setattr(hooks, "ROOT", tmp_path)
    tree = hooks.api_source_tree()
    assert (tree / "pkg" / "mod.py").resolve() == (tmp_path / "a" / "mod.py").resolve()
    assert (tree / "pkg" / "sub").resolve() == (tmp_path / "b").resolve()
    assert hooks.api_source_tree() == tree  # rebuilt in place, no error on a second build

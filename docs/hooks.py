"""MkDocs hooks: let mkdocstrings find gradspec, refuse to render stale generated pages, draw
the benchmark charts, and title the spec pages with their subjects.

The build never rewrites sources: when a generated page disagrees with the code or the reports,
it logs a warning (an error under ``--strict``) that says to run ``python docs/gen.py``.
Charts (docs/charts.py) are drawn from docs/data/bench/*.json into the pages that ask for them,
at every build, so they cannot go stale.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.gradspec")
DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent


def on_startup(**kwargs: Any) -> None:
    api_source_tree()


def api_source_tree() -> Path:
    """gradspec's import package as one folder tree, for mkdocstrings (mkdocs.yml `paths`).

    pyproject.toml maps the package onto three folders (`gradspec` = spec/,
    `gradspec.backends` = backends/, `gradspec.conformance` = conformance/).  Python follows
    that mapping, but mkdocstrings' static module finder (griffe) does not, so it cannot find
    `gradspec.conformance.*` and may even take the `gradspec` console script for the package.
    This rebuilds build/api-src/gradspec/ from symlinks each build.
    """
    import tomllib

    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = mapping["tool"]["setuptools"]["package-dir"]
    tree = ROOT / "build" / "api-src"
    shutil.rmtree(tree, ignore_errors=True)
    for package, folder in sorted(mapping.items(), key=lambda item: item[0].count(".")):
        target = tree.joinpath(*package.split("."))
        if "." not in package:  # the top package: its files, so subpackages can join it
            target.mkdir(parents=True)
            for child in sorted((ROOT / folder).iterdir()):
                if child.name != "__pycache__":
                    (target / child.name).symlink_to(child)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(ROOT / folder, target_is_directory=True)
    return tree


def _load(name: str) -> Any:
    """docs/NAME.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"gradspec_docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _gen() -> Any:
    return _load("gen")


def on_pre_build(config: Any, **kwargs: Any) -> None:
    gen = _gen()
    try:
        pages = gen.render(gen.load_reports(), gen.load_benchmarks(), gen.collect_tests())
    except gen.GenError as exc:
        log.warning("docs/gen.py: %s", exc)
        return
    stale = gen.stale(pages) + gen.orphans(pages)
    if stale:
        names = ", ".join(str(p.relative_to(DOCS)) for p in stale)
        log.warning("generated pages are stale (%s): run `python docs/gen.py`", names)


def on_config(config: Any, **kwargs: Any) -> Any:
    """Title each spec family page in the navigation with its subject (from
    `gradspec.clauses.FAMILIES`), whatever mkdocs.yml calls it, so the two cannot drift."""
    from gradspec import clauses

    titles = {f"spec/{family.lower()}.md": nav_title(family, subject)
              for family, subject in clauses.FAMILIES.items()}

    def retitle(items: Any) -> Any:
        if isinstance(items, list):
            return [retitle(item) for item in items]
        if isinstance(items, dict):
            return {(titles.get(v, k) if isinstance(v, str) else k): retitle(v)
                    for k, v in items.items()}
        return items

    config["nav"] = retitle(config.get("nav"))
    return config


def nav_title(family: str, subject: str) -> str:
    """``Leaves and requires_grad (LEAF)``: the subject, up to its first comma, and the prefix
    of the family's clause IDs."""
    return f"{subject.split(',')[0]} ({family})"


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Draw the charts a page asks for (``<!-- chart:KIND REPORT -->``, see docs/charts.py)."""
    if "<!-- chart:" not in markdown:
        return markdown
    charts, gen = _load("charts"), _gen()
    try:
        reports = dict(gen.load_benchmarks())
    except gen.GenError as exc:
        log.warning("%s: %s", page.file.src_uri, exc)
        return markdown
    filled, problems = charts.fill(markdown, reports)
    for problem in problems:
        log.warning("%s: %s", page.file.src_uri, problem)
    return filled


CELL = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S)
CELL_CODE = re.compile(r"<code>([^<]{9,})</code>")
CLAUSE_LINK = re.compile(r'<a href="([^"]*)">([A-Z][A-Z0-9]*-\d+)</a>')
BREAK_AFTER = re.compile(r"(?<=[_./(\[,:])(?![_./:)\],\s])|(?<=[a-z])(?=[A-Z])")


def on_page_content(html: str, **kwargs: Any) -> str:
    """Keep clause IDs in links on one line, and let long identifiers in table cells wrap
    where a reader expects (after ``_ . / ( [``,
    between the words of a CamelCase name), never inside a word: the stylesheet forbids the
    theme's break-anywhere for code in cells, and these ``<wbr>`` are the places left."""
    html = CLAUSE_LINK.sub(r'<a href="\1" class="gs-id">\2</a>', html)  # LEAF-1, never LEAF- / 1
    return CELL.sub(lambda m: m[1] + CELL_CODE.sub(_breakable, m[2]) + m[3], html)


def _breakable(m: re.Match[str]) -> str:
    return "<code>" + BREAK_AFTER.sub("<wbr>", m[1]) + "</code>"

"""Check the built site for defects a reader would see, offline: what a program can judge.

    python docs/sitecheck.py [SITE_DIR]      # default: site/ (what `mkdocs build` writes)

* **reference**: every public member of ``gradspec.protocol``, ``gradspec.errors`` and
  ``gradspec.clauses`` (module-level names and the members of their classes, as the source
  defines them) is in the built API reference, a function or attribute with its signature,
  each with a description;
* **markup**: no ``>>>`` outside code blocks (a doctest read as Markdown block quotes) and no
  literal backslash escape (``\\_``, ``\\*``, ``\\|`` ...) in text or inline code;
* **citations**: every file path the text cites exists in the repository, every clause ID
  (``LEAF-1``) exists in the catalogue; no reference to an internal issue tracker
  (``issue 12``) and no build-host detail (a kernel release, a home folder);
* **cells**: no table cell that shows a raw Python ``None`` or a dict.

Exit status 0 when the site is clean, 1 listing the problems (``page: what``), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_MODULES = ("gradspec.protocol", "gradspec.errors", "gradspec.clauses")
# Modules whose members may still render without a description (listed as a note, not a
# failure).  Empty: every member of the contract has its docstring.
DESCRIPTION_OPTIONAL: frozenset[str] = frozenset()

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SKIP = {"script", "style", "svg", "title"}  # text that is not read as page text
ESCAPE = re.compile(r"\\[\\`*_{}\[\]()#+.!|<>-]")
CLAUSE_ID = re.compile(r"\b([A-Z][A-Z]+)-(\d+)\b")
ISSUE = re.compile(r"\bissues? #?\d+\b|(?<![\w&])#\d+\b", re.I)
HOST = re.compile(r"\b\d+\.\d+\.\d+-[A-Za-z][\w.+-]*|(?<![\w.])/(?:work|root|home/\w+)/")
TOP_FOLDERS = ("spec", "backends", "conformance", "docs", "tests", "bench", "examples", ".ci",
               "shared")
PATH = re.compile(r"(?<![\w./:-])((?:(?:%s)/[\w.*{}-]*(?:/[\w.*{}-]+)*/?)|"
                  r"(?:[\w-]+/)+[\w-]+\.(?:py|md|json|toml|ya?ml|txt|sh|cfg|png|svg))"
                  r"(?![\w/])" % "|".join(re.escape(f) for f in TOP_FOLDERS))
TEST_FILE = re.compile(r"(?<![\w/.-])(test_\w+\.py)\b")


@dataclass
class Text:
    """A run of text of a page and where it stands."""

    text: str
    in_pre: bool
    in_code: bool
    in_link: bool


@dataclass
class Page:
    """The texts of a built page, its table cells, and its reference headings."""

    texts: list[Text] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # each cell's text outside code


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[str] = []
        self.cell: list[str] | None = None  # the cell's text outside code

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or tag not in self.stack:
            return
        while self.stack and self.stack.pop() != tag:
            pass
        if tag in ("td", "th") and self.cell is not None:
            self.page.cells.append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if not data or SKIP.intersection(self.stack):
            return
        if self.cell is not None and "code" not in self.stack:
            self.cell.append(data)
        self.page.texts.append(Text(data, "pre" in self.stack, "code" in self.stack,
                                    "a" in self.stack))


def parse(html: str) -> Page:
    """The texts and table cells of one page's HTML (navigation and header included)."""
    parser = _Parser()
    parser.feed(html)
    return parser.page


def content(html: str) -> str:
    """The page's article (what its Markdown became), without the theme's navigation."""
    start = html.find('<article class="md-content__inner')
    end = html.rfind("</article>")
    return html[start:end] if start >= 0 and end > start else html


# ------------------------------------------------------------------------------ checks
def markup_problems(page: Page) -> list[str]:
    out = []
    for t in page.texts:
        if t.in_pre:
            continue
        if ">>>" in t.text and not t.in_code:
            out.append(f"a doctest prompt '>>>' outside a code block: {_quote(t.text)}")
        for m in ESCAPE.finditer(t.text):
            out.append(f"a literal backslash escape {m.group()!r}: {_quote(t.text, m.start())}")
            break
    return out


def citation_problems(page: Page, files: set[str], clause_ids: set[str],
                      families: set[str]) -> list[str]:
    out = []
    for t in page.texts:
        if t.in_pre:
            continue
        for m in CLAUSE_ID.finditer(t.text):
            if m[1] in families and m.group() not in clause_ids:
                out.append(f"clause {m.group()} does not exist: {_quote(t.text, m.start())}")
        for m in PATH.finditer(t.text):
            if not _exists(m[1], files):
                out.append(f"{m[1]} is not a file or folder of the repository: "
                           f"{_quote(t.text, m.start())}")
        for m in TEST_FILE.finditer(t.text):
            if not any(f.rsplit("/", 1)[-1] == m[1] for f in files):
                out.append(f"{m[1]} is not a file of the repository: {_quote(t.text, m.start())}")
        if not t.in_link:
            for m in ISSUE.finditer(t.text):
                out.append(f"an internal issue reference {m.group()!r}: "
                           f"{_quote(t.text, m.start())}")
        for m in HOST.finditer(t.text):
            out.append(f"a build-host detail {m.group()!r}: {_quote(t.text, m.start())}")
    return out


def cell_problems(page: Page) -> list[str]:
    out = []
    for cell in page.cells:
        if cell in ("None", "null") or re.fullmatch(r"\{.*:.*\}", cell, re.S):
            out.append(f"a table cell shows a raw value: {_quote(cell)}")
    return out


def _exists(path: str, files: set[str]) -> bool:
    """Whether ``path`` (maybe a folder, maybe relative to docs/, maybe with ``*`` or
    ``{name}``) names something in the repository."""
    path = path.rstrip("/")
    if "*" in path or "{" in path:
        pattern = re.compile(re.escape(path).replace(r"\*", "[^/]*")
                             .replace(r"\{", "{").replace(r"\}", "}"))
        pattern = re.compile(re.sub(r"\{[^}/]*\}", "[^/]+", pattern.pattern))
        return any(pattern.fullmatch(f) or pattern.fullmatch(f.removeprefix("docs/"))
                   or any(pattern.fullmatch(d) for d in _parents(f)) for f in files)
    for candidate in (path, f"docs/{path}"):
        if candidate in files or any(f.startswith(candidate + "/") for f in files):
            return True
    return False


def _parents(path: str) -> Iterator[str]:
    parts = path.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def _quote(text: str, at: int = 0) -> str:
    text = " ".join(text.split())
    start = max(0, at - 30)
    return repr(("..." if start else "") + text[start:start + 80])


# --------------------------------------------------------------------------- reference
@dataclass(frozen=True)
class Member:
    path: str  # gradspec.protocol.Tensor.backward
    kind: str  # class | function | attribute
    override: bool = False  # a class member that sets a member of a base class (its docs)


def public_members(module_name: str, source: str | None = None) -> list[Member]:
    """The public members the source of ``module_name`` defines: module-level classes,
    functions and assignments, and the members of its classes (public names, dunder methods
    other than ``__init__``, and the private names a protocol requires).  A class member that
    only sets a base class's member (an error kind's ``kind``) needs no description of its own."""
    if source is None:
        module = importlib.import_module(module_name)
        source = Path(module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    out: list[Member] = []
    own: dict[str, set[str]] = {}  # the members each class of the module has, its bases' too
    for node in tree.body:
        for name, kind in _defined(node):
            if not name.startswith("_"):
                out.append(Member(f"{module_name}.{name}", kind))
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            required = _protocol_members(module_name, node.name)
            inherited = set().union(*(own.get(ast.unparse(b), set()) for b in node.bases))
            own[node.name] = inherited | {n for item in node.body for n, _ in _defined(item)}
            for item in node.body:
                for name, kind in _defined(item):
                    dunder = name.startswith("__") and name.endswith("__") and name != "__init__"
                    if not name.startswith("_") or dunder or name in required:
                        out.append(Member(f"{module_name}.{node.name}.{name}", kind,
                                          override=name in inherited))
    return out


def _defined(node: ast.stmt) -> Iterable[tuple[str, str]]:
    if isinstance(node, ast.ClassDef):
        yield node.name, "class"
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        properties = {"property", "functools.cached_property", "cached_property"}
        is_property = any(ast.unparse(d) in properties for d in node.decorator_list)
        yield node.name, "attribute" if is_property else "function"
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id, "attribute"
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, "attribute"


def _protocol_members(module_name: str, class_name: str) -> set[str]:
    try:
        from gradspec import protocol

        cls = getattr(importlib.import_module(module_name), class_name, None)
        if cls is not None and getattr(cls, "_is_protocol", False):
            return set(protocol.protocol_members(cls))
    except Exception:  # a module that does not import is reported by the build itself
        pass
    return set()


HEADING = re.compile(r'<h[1-6] id="(?P<id>[\w.]+)" class="doc doc-heading"')


def rendered_members(html_pages: Iterable[str]) -> dict[str, str]:
    """Each rendered API member (its heading's id) and its HTML up to the next heading."""
    found: dict[str, str] = {}
    for html in html_pages:
        heads = list(HEADING.finditer(html))
        for here, after in zip(heads, heads[1:] + [None]):
            found.setdefault(here["id"], html[here.end(): after.start() if after else None])
    return found


def reference_problems(members: list[Member], rendered: dict[str, str],
                       optional: frozenset[str] = DESCRIPTION_OPTIONAL
                       ) -> tuple[list[str], list[str]]:
    """Problems (missing members, signatures or descriptions) and notes (descriptions missing
    where ``optional`` allows it)."""
    problems, notes = [], []
    for m in members:
        block = rendered.get(m.path)
        if block is None:
            problems.append(f"{m.path} ({m.kind}) is not in the API reference")
            continue
        if m.kind != "class" and "doc-signature" not in block.split("doc doc-contents")[0]:
            problems.append(f"{m.path} is rendered without its signature")
        if not m.override and not _has_description(block):
            module = next((mod for mod in optional if m.path.startswith(mod + ".")), None)
            (notes if module else problems).append(f"{m.path} is rendered without a description")
    return problems, notes


def _has_description(block: str) -> bool:
    body = block.split("doc doc-contents", 1)[-1].split('class="doc doc-children"', 1)[0]
    body = re.sub(r'<p class="doc doc-class-bases">.*?</p>', "", body, flags=re.S)
    paragraphs = re.findall(r"<(p|table|ul|dl)\b[^>]*>(.*?)</\1>", body, re.S)
    return any(re.sub(r"<[^>]+>", "", text).strip() for _, text in paragraphs)


# ------------------------------------------------------------------------------ driver
def repository_files() -> set[str]:
    """The repository's files (tracked and untracked, not ignored), as posix paths."""
    done = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:  # not a git checkout: every file under the root
        return {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()}
    return set(done.stdout.splitlines())


def check(site: Path, files: set[str] | None = None,
          modules: Iterable[str] = REFERENCE_MODULES) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` of the built site in ``site``, each as ``page: what``."""
    from gradspec import clauses

    files = repository_files() if files is None else files
    clause_ids, families = set(clauses.BY_ID), set(clauses.FAMILIES)
    problems: list[str] = []
    pages = sorted(site.rglob("*.html"))
    for path in pages:
        html = path.read_text(encoding="utf-8", errors="replace")
        page = parse(content(html))
        where = path.relative_to(site).as_posix()
        found = (markup_problems(page) + citation_problems(page, files, clause_ids, families)
                 + cell_problems(page))
        problems += [f"{where}: {p}" for p in dict.fromkeys(found)]
    reference = [p.read_text(encoding="utf-8") for p in pages
                 if p.relative_to(site).parts[0] == "reference"]
    rendered = rendered_members(reference)
    members = [m for module in modules for m in public_members(module)]
    missing, notes = reference_problems(members, rendered)
    problems += [f"reference: {p}" for p in missing]
    return problems, [f"reference: {n}" for n in notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/sitecheck.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site", help="the built site (default: site)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"sitecheck: {site} has no index.html; build the site first "
              "(python -m mkdocs build)", file=sys.stderr)
        return 2
    problems, notes = check(site)
    for line in problems:
        print(line)
    if notes:
        print(f"sitecheck: note: {len(notes)} API members render without a description "
              f"(allowed for now in {', '.join(sorted(DESCRIPTION_OPTIONAL))})")
    if problems:
        print(f"sitecheck: {len(problems)} problems", file=sys.stderr)
        return 1
    print(f"sitecheck: {len(list(site.rglob('*.html')))} pages clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())

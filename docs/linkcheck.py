"""Check the internal links of a built site, offline: every page, file and #anchor exists.

    python docs/linkcheck.py [SITE_DIR]      # default: site/ (what `mkdocs build` writes)

Links to other hosts (http:, https:, mailto:, ...) are not followed: CI has no internet.
Exit status 0 when every internal link resolves, 1 listing the broken ones, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
              ("source", "src"), ("iframe", "src")}


class _Page(HTMLParser):
    """The link targets and the element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if (tag, name) in LINK_ATTRS:
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def _target(site: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file and fragment ``url`` points at, or None for a link to another host."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, unquote(parts.fragment)
    base = site if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if target.is_dir() or parts.path.endswith("/"):
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check(site: Path) -> list[str]:
    """Broken internal links of the site in ``site``, as ``page: url (why)`` lines."""
    site = site.resolve()
    # 404.html is served for any missing URL, so its links are absolute under site_url's path
    # (/gradspec/...); every other page links relatively
    pages = sorted(p for p in site.rglob("*.html") if p.relative_to(site).as_posix() != "404.html")
    parsed = {p: _parse(p) for p in pages}
    problems: dict[Path, list[str]] = defaultdict(list)
    for page, content in parsed.items():
        for url in content.links:
            resolved = _target(site, page, url)
            if resolved is None:
                continue
            target, fragment = resolved
            if site not in target.parents and target != site:
                problems[page].append(f"{url} (leaves the site)")
            elif not target.exists():
                problems[page].append(f"{url} (no such file)")
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if fragment not in ids:
                    problems[page].append(f"{url} (no #{fragment} there)")
    return [f"{page.relative_to(site)}: {problem}"
            for page, items in sorted(problems.items()) for problem in items]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/linkcheck.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site", help="the built site (default: site)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"linkcheck: {site} has no index.html; build the site first "
              "(python -m mkdocs build)", file=sys.stderr)
        return 2
    broken = check(site)
    for line in broken:
        print(line)
    pages = len(list(site.rglob("*.html")))
    if broken:
        print(f"linkcheck: {len(broken)} broken internal links in {pages} pages", file=sys.stderr)
        return 1
    print(f"linkcheck: every internal link of {pages} pages resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())

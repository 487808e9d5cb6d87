"""Screenshots of the docs site as readers see it, and a check that nothing overflows.

    python docs/screenshots.py                   # build the site, shoot, check (exit 1 on overflow)
    python docs/screenshots.py --site site/      # shoot an already built site
    python docs/screenshots.py --out shots/ --pages home,performance --widths 390

It serves the built site on 127.0.0.1 (a random port), opens each page in headless Chromium at
each width, saves a full-page PNG as ``OUT/PAGE-WIDTH.png`` and measures, in the page itself:

* the page wider than the window (``document.scrollWidth > innerWidth``): a reader must scroll
  sideways to see the whole page;
* a table cell, badge or heading whose content is wider than its box (text spills out or is cut);
* inline code broken inside a word (``create_gra`` / ``ph``), where the cell is too narrow;
* at desktop widths (>= 1000 px), a table that needs a horizontal scroll bar (a clipped column);
  on a phone a wide table may scroll sideways in its own box, as the theme intends.

Needs: Debian's ``chromium`` (apt-get install chromium) and the ``screenshots`` extra
(``pip install -e ".[screenshots]"``: Playwright's Python client, which drives that Chromium;
Playwright's own browser download is never used). Exit status: 0 nothing overflows, 1 overflow
found (listed), 2 a missing tool or a failed build.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
PAGES = {  # name -> path in the built site
    "home": "",
    "comparison": "comparison/index.html",
    "performance": "performance.html",
    "spec": "spec/inplace.html",
    "guide": "writing-a-backend.html",
    "reference": "reference/protocol.html",
}
WIDTHS = (1280, 390)
HEIGHT = {1280: 800, 390: 844}  # a laptop and a phone (iPhone 12-15)
DESKTOP = 1000  # from this width, a table that must scroll sideways counts as clipped
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]

# Runs in the page; returns one string per problem found.
MEASURE = r"""
(desktop) => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    out.push(`the page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  const name = (el) => {
    const text = (el.innerText || "").trim().replace(/\s+/g, " ");
    return `<${el.tagName.toLowerCase()}> "${text.slice(0, 50)}"`;
  };
  const where = (el) => {
    let h = null;
    for (let n = el; n && !h; n = n.previousElementSibling || n.parentElement)
      if (/^H[1-4]$/.test(n.tagName)) h = n;
    return h ? ` (under "${h.innerText.replace(/\s*¶$/, "").trim().slice(0, 40)}")` : "";
  };
  const content = document.querySelector(".md-content") || document.body;
  const hidden = (el) => el.offsetParent === null || el.closest("details:not([open])");
  for (const el of content.querySelectorAll("td, th, .gs-status, h1, h2, h3, h4, .doc-heading")) {
    if (hidden(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(`${name(el)} overflows its box by ${el.scrollWidth - el.clientWidth}px${where(el)}`);
  }
  for (const el of content.querySelectorAll("td code, th code, p code, li code")) {
    // a break at a space, a hyphen, a slash or a <wbr> (docs/hooks.py puts them between the
    // words of an identifier) is a place to break; anywhere else it splits a word
    if (hidden(el) || /[\s\/-]/.test(el.textContent) || el.querySelector("wbr")) continue;
    if (el.getClientRects().length < 2) continue;
    if (!el.closest("td, th")) {  // in prose: only when the whole would have fitted a line
      const whole = el.cloneNode(true);
      Object.assign(whole.style, {whiteSpace: "nowrap", position: "absolute", visibility: "hidden"});
      el.parentElement.appendChild(whole);
      const fits = whole.getBoundingClientRect().width <= el.parentElement.clientWidth;
      whole.remove();
      if (!fits) continue;
    }
    out.push(`code ${name(el)} is broken inside a word${where(el)}`);
  }
  // Material wraps each table in a box that scrolls sideways (.md-typeset__scrollwrap)
  for (const el of content.querySelectorAll(".md-typeset__scrollwrap")) {
    if (hidden(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 1)
      out.push(`a table reaches ${Math.round(box.right)}px, past the window${where(el)}`);
    if (desktop && el.scrollWidth > el.clientWidth + 1)
      out.push(`a table needs a horizontal scroll bar (${el.scrollWidth}px in ` +
               `${el.clientWidth}px)${where(el)}`);
  }
  for (const el of content.querySelectorAll("img, svg")) {
    if (hidden(el) || (el.tagName === "svg" && el.parentElement.closest("svg"))) continue;
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 1)
      out.push(`an image reaches ${Math.round(box.right)}px, past the window${where(el)}`);
  }
  return out;
}
"""


class ToolMissing(Exception):
    """A tool the screenshots need is not installed; the message says how to get it."""


def build_site(target: Path) -> None:
    """``mkdocs build --strict`` into ``target``."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(target)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise ToolMissing("the site did not build:\n  " + "\n  ".join(tail))


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 for as long as the block runs; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def find_chromium(given: str | None) -> str:
    for candidate in ([given] if given else ["chromium", "chromium-browser"]):
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    raise ToolMissing("no Chromium found: apt-get install chromium (or pass --chromium PATH)")


def shoot(site: Path, out: Path, pages: dict[str, str], widths: tuple[int, ...],
          chromium: str) -> dict[str, list[str]]:
    """Screenshot every page at every width into ``out``; the problems found, by shot name."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ToolMissing("Playwright's Python client is missing: "
                          "pip install -e \".[screenshots]\"") from None
    out.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            for width in widths:
                context = browser.new_context(viewport={"width": width,
                                                        "height": HEIGHT.get(width, 900)},
                                              device_scale_factor=1)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(base + path, wait_until="load")
                    page.wait_for_timeout(200)  # the theme's scripts lay tables out
                    shot = f"{name}-{width}"
                    page.screenshot(path=str(out / f"{shot}.png"), full_page=True)
                    found = page.evaluate(MEASURE, width >= DESKTOP)
                    if found:
                        problems[shot] = found
                    print(f"  {shot}.png" + (f": {len(found)} problems" if found else ""),
                          flush=True)
                context.close()
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/screenshots.py",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="exit status: 0 no overflow, 1 overflow found, "
                                            "2 a missing tool or a failed build")
    parser.add_argument("--site", type=Path,
                        help="an already built site (default: build one with mkdocs first)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots",
                        help="where the PNGs go (default: build/screenshots)")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"comma-separated, from: {', '.join(PAGES)} (default: all)")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                        help="comma-separated window widths in px (default: 1280,390)")
    parser.add_argument("--chromium", help="the Chromium binary (default: chromium on PATH)")
    args = parser.parse_args(argv)
    unknown = [p for p in args.pages.split(",") if p not in PAGES]
    if unknown:
        parser.error(f"unknown page {unknown[0]!r}; choose from {', '.join(PAGES)}")
    try:
        widths = tuple(int(w) for w in args.widths.split(","))
    except ValueError:
        parser.error(f"--widths takes numbers separated by commas, not {args.widths!r}")
    pages = {p: PAGES[p] for p in args.pages.split(",")}
    try:
        chromium = find_chromium(args.chromium)
        with tempfile.TemporaryDirectory() as tmp:
            site = args.site
            if site is None:
                print("building the site ...", flush=True)
                site = Path(tmp) / "site"
                build_site(site)
            elif not (site / "index.html").is_file():
                raise ToolMissing(f"{site} holds no built site (no index.html)")
            print(f"screenshots into {args.out}:", flush=True)
            problems = shoot(site, args.out, pages, widths, chromium)
    except ToolMissing as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 2
    for shot, found in problems.items():
        for problem in found:
            print(f"{shot}: {problem}")
    if problems:
        print(f"screenshots: {sum(map(len, problems.values()))} layout problems in "
              f"{len(problems)} of {len(pages) * len(widths)} shots", file=sys.stderr)
        return 1
    print(f"screenshots: {len(pages) * len(widths)} shots, nothing overflows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

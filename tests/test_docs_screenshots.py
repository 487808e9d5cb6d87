"""docs/screenshots.py's overflow check, on a small site with planted layout defects.

Needs Chromium (apt-get install chromium) and Playwright's client (the `screenshots` extra);
skipped without them, as docs/ci.sh skips the screenshots.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("playwright")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")

DOCS = Path(__file__).resolve().parent.parent / "docs"
spec = importlib.util.spec_from_file_location("gradspec_docs_screenshots", DOCS / "screenshots.py")
screenshots = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = screenshots
spec.loader.exec_module(screenshots)

PAGE = """<!doctype html><html><head><style>
body {{ margin: 0; font: 16px sans-serif; }} td {{ border: 1px solid; }}
.narrow {{ width: 60px; max-width: 60px; overflow: hidden; }}
.gs-status {{ white-space: nowrap; }}
code {{ word-break: break-all; }}
</style></head><body><div class="md-content"><h1>t</h1>{body}</div></body></html>"""


def shoot(tmp_path: Path, body: str, width: int = 390) -> list[str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text(PAGE.format(body=body))
    found = screenshots.shoot(site, tmp_path / "shots", {"home": ""}, (width,), CHROMIUM)
    assert (tmp_path / "shots" / f"home-{width}.png").stat().st_size > 0
    return found.get(f"home-{width}", [])


def test_a_clean_page_passes(tmp_path):
    assert shoot(tmp_path, "<p>short text</p><table><tr><td>a</td></tr></table>") == []


def test_a_page_wider_than_the_window_fails(tmp_path):
    found = shoot(tmp_path, '<div style="width: 600px">wide</div>')
    assert any("the page is 600px wide in a 390px window" in p for p in found)


def test_a_badge_overflowing_its_cell_fails(tmp_path):
    found = shoot(tmp_path, '<table><tr><td class="narrow"><span class="gs-status">'
                            "unsupported-and-more</span></td></tr></table>")
    assert any("overflows its box" in p for p in found)


def test_code_split_inside_a_word_fails(tmp_path):
    found = shoot(tmp_path, '<table><tr><td style="width: 40px; max-width: 40px">'
                            "<code>SavedTensorModifiedError</code></td></tr></table>")
    assert any("is broken inside a word" in p for p in found)
    found = shoot(tmp_path, '<table><tr><td style="width: 40px; max-width: 40px">'
                            "<code>Saved<wbr>Tensor<wbr>Modified<wbr>Error</code></td></tr></table>")
    assert not any("broken inside a word" in p for p in found)

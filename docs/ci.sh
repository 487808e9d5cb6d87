#!/usr/bin/env bash
# CI's docs checks, offline: the generated pages match the code and the committed reports,
# the site builds with `mkdocs build --strict`, every internal link of the built site resolves,
# the built site has no defect docs/sitecheck.py can see (a contract member missing from the API
# reference, a doctest read as Markdown, a literal backslash escape, a cited file or clause ID
# that does not exist, a build-host detail, a raw None or dict in a table cell), and the built
# comparison page lists every backend and every clause ID.
# Needs: the active Python with gradspec installed (pip install -e .); this script adds the
# `docs` extra (mkdocs, mkdocs-material, mkdocstrings[python], jsonschema).
# Where Chromium is installed (apt-get install chromium), it also takes the screenshots of
# docs/screenshots.py and fails on overflow (adding the `screenshots` extra, about 35 s in all);
# without Chromium it says so and skips them. By hand: python docs/screenshots.py
set -euo pipefail
cd "$(dirname "$0")/.."
site="$(mktemp -d)/site"
trap 'rm -rf "$(dirname "$site")"' EXIT
export NO_MKDOCS_2_WARNING=1  # Material's banner about its successor, printed on every build

python -m pip install -q -e ".[docs]"
python docs/gen.py --check
python -m mkdocs build --strict --site-dir "$site"
python docs/linkcheck.py "$site"
python docs/sitecheck.py "$site"
python - "$site" <<'PY'
import sys
from pathlib import Path

from gradspec import clauses

sys.path.insert(0, "docs")
import gen  # noqa: E402 - docs/gen.py, not a package

page = (Path(sys.argv[1]) / "comparison" / "index.html").read_text(encoding="utf-8")
backends = [r.name for r in gen.load_reports()]
missing = [b for b in backends if f"<td>{b}</td>" not in page and f">{b}</a>" not in page]
missing += [c.id for c in clauses.CLAUSES if f">{c.id}</a>" not in page]
if missing:
    sys.exit(f"the built comparison page lacks: {', '.join(missing)}")
print(f"comparison page lists {len(backends)} backends and {len(clauses.CLAUSES)} clauses")
PY

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  python -m pip install -q -e ".[screenshots]"
  python docs/screenshots.py --site "$site" --out build/screenshots
else
  echo "screenshots skipped: no Chromium here (apt-get install chromium, then docs/ci.sh again)"
fi

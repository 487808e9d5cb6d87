#!/usr/bin/env bash
# CI for the example third-party backend: install examples/tiny-backend as a package (not
# editable: the installed path a third party's users get), run the conformance suite on it from
# outside the repository through `--pyargs`, and check that its report shows it passing
# everything it claims, with the create_graph and hooks clauses reported unsupported.
# Needs: the active Python has gradspec installed (with jsonschema) and pip.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python -m pip install -q "$repo/examples/tiny-backend"
python -c "import gradspec; names = [b.name for b in gradspec.list_backends()]; \
assert 'tiny' in names, names; print('installed backends:', ', '.join(names))"

cd "$work"  # nothing of the repository on sys.path: only installed packages
python -m pytest --pyargs gradspec.conformance --backend=tiny -q -W ignore -p no:cacheprovider \
  --conformance-report="$work/tiny.json"
python -c "import json, sys; from gradspec.conformance import report; \
report.validate(json.load(open(sys.argv[1])))" "$work/tiny.json"
python "$repo/examples/check_claims.py" "$work/tiny.json" --unsupported create_graph,hooks

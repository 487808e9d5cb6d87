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
python -m pytest --pyargs gradspec.conformance --backend=tiny -q -W ignore -p no:cacheprovider -n 2 \
  --conformance-report="$work/tiny.json"
python -c "import json, sys; from gradspec.conformance import report; \
report.validate(json.load(open(sys.argv[1])))" "$work/tiny.json"
python "$repo/examples/check_claims.py" "$work/tiny.json" --unsupported create_graph,hooks

# The MyGrad adapter, a third party's package for a real library: install it (MyGrad comes from
# PyPI), judge MyGrad through the installed path, and check that the run went to a report that
# covers the whole clause catalogue.  MyGrad fails many tests by design (its behaviour differs
# from PyTorch's), so pytest's own output goes to a file and only our summary is printed.
python -m pip install -q "$repo/examples/mygrad-backend"
set +e
python -m pytest --pyargs gradspec.conformance --backend=mygrad -q -W ignore -p no:cacheprovider -n 2 \
  --conformance-report="$work/mygrad.json" > "$work/mygrad.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  tail -30 "$work/mygrad.out"
  echo "the MyGrad run ended with exit code $rc (1 means tests failed, which is expected)"
  exit 1
fi
python "$repo/examples/check_report.py" "$work/mygrad.json" \
  --committed "$repo/docs/data/reports/mygrad.json"

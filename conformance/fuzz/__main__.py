"""``python -m gradspec.conformance.fuzz``: see :mod:`gradspec.conformance.fuzz.cli`."""

from .cli import main

main()

"""``python -m gradspec``: the same as the ``gradspec`` command."""

from .cli import main

raise SystemExit(main())

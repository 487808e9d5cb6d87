"""gradspec's define-by-run autograd engine, written once over an array namespace.

The engine imports no array library: a plugin gives it ``xp`` (an array API namespace) and a
`Host` (conversions, random numbers, optional native fast paths) and gets a backend:

```python
from gradspec.backends.engine import EngineBackend, Host
backend = EngineBackend("numpy", xp, host, version)
```

Layout: ``tensor.py`` (state, views, in-place), ``node.py`` (the op contract, saved tensors),
``ops/`` (one node class per op), ``apply.py`` (wiring ops into the graph), ``autograd.py``
(the backward walk), ``functional.py``/``rawf.py`` (the two namespaces backward formulas run
on), ``factories.py``, ``formatting.py``, ``grad_mode.py``, ``backend.py``; ``core.py`` says
whether those modules run compiled (by Cython, from the same files) or as pure Python.
"""

from .core import activate as _activate

_activate()  # first: a compiled core must be in place before any other module loads

from . import ops  # noqa: E402,F401  (fills the op registry)
from .backend import EngineBackend  # noqa: E402
from .engine import Engine, Host  # noqa: E402
from .node import REGISTRY, Node  # noqa: E402
from .tensor import Tensor  # noqa: E402

__all__ = ["Engine", "EngineBackend", "Host", "Node", "REGISTRY", "Tensor"]

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
on), ``factories.py``, ``formatting.py``, ``grad_mode.py``, ``backend.py``.
"""

from . import ops  # noqa: F401  (fills the op registry)
from .backend import EngineBackend
from .methods import attach as _attach
from .engine import Engine, Host
from .node import REGISTRY, Node
from .tensor import Tensor

_attach(Tensor)  # PyTorch's tensor methods, once every op module is loaded

__all__ = ["Engine", "EngineBackend", "Host", "Node", "REGISTRY", "Tensor"]

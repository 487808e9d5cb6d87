"""gradspec's backends: one plugin module per backend, registered through entry points.

* ``numpy``, ``strict``, ``cupy``: gradspec's own engine (`gradspec.backends.engine`) over
  numpy, array_api_strict and CuPy.
* ``torch``: an adapter over PyTorch's autograd, the reference semantics.

Importing this package imports no array library.
"""

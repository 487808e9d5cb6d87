# Cython declarations for methods.py (the compiled core; the .py stays the source): the
# in-place methods call tensor._update (and _constant), C calls.

from gradspec.backends.engine.tensor cimport _constant, _update
from gradspec.backends.engine.tensor cimport Tensor, VersionCounter

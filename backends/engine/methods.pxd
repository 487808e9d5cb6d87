# Cython declarations for methods.py (the compiled core; the .py stays the source): the
# in-place methods call tensor._update, a C call.

from gradspec.backends.engine.tensor cimport _update

# Cython declarations for ops/unary.py (the compiled core; the .py stays the source): binary,
# a C call into apply.

from gradspec.backends.engine.apply cimport binary

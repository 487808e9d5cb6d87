# Cython declarations for ops/arith.py (the compiled core; the .py stays the source): binary,
# a C call into apply.

from gradspec.backends.engine.apply cimport binary

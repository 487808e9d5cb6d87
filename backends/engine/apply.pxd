# Cython declarations for apply.py (the compiled core; the .py stays the source): the per-op
# path reads tensors and nodes through their C fields.

cimport cython

from gradspec.backends.engine.node cimport Node, SavedInput, SavedOutput
from gradspec.backends.engine.tensor cimport Tensor, VersionCounter

cpdef object _edge(Tensor t)
cpdef _fresh(Tensor t)

@cython.locals(cls=type, n=Py_ssize_t, i=Py_ssize_t, entries=list, tensors=bint, t=Tensor,
               edge=object, nxt=tuple)
cpdef object _save(Node node, object args, object out, Tensor result)

@cython.locals(meta=list, i=Py_ssize_t, nxt=tuple)
cpdef object _meta(Node node, object args, object out)

@cython.locals(result=Tensor, eng=object)
cpdef Tensor _finish(Node node, type cls, object args, object out, type T)

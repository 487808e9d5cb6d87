# Cython declarations for apply.py (the compiled core; the .py stays the source): the per-op
# path reads tensors, nodes and the node classes' OpInfo through their C fields, and makes
# tensors with tensor._new, a C call.

cimport cython

from gradspec.backends.engine.node cimport Node, OpInfo, SavedInput, SavedOutput, op_info
from gradspec.backends.engine.tensor cimport Tensor, VersionCounter, _constant, _new

cpdef object _edge(Tensor t)
cpdef _fresh(Tensor t)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, entries=list, tensors=bint, t=Tensor,
               positions=tuple)
cpdef object _save(Node node, OpInfo info, object args, object out, Tensor result)

@cython.locals(meta=list, i=Py_ssize_t, nxt=tuple)
cpdef object _meta(Node node, object args, object out)

@cython.locals(result=Tensor)
cpdef Tensor _finish(Node node, OpInfo info, object args, object out, type T, object eng,
                     object meta)

cdef bint _number(object x)
cdef object _quiet_on(type T)
cdef _quiet_off(type T, object token)


@cython.locals(x=Tensor, y=Tensor, node=Node, info=OpInfo, ta=bint, tb=bint, kept=bint,
               args=tuple)
cpdef Tensor binary(type cls, object a, object b)

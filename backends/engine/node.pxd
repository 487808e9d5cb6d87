# Cython declarations for node.py (the compiled core; the .py stays the source).  Nodes and
# saved entries become extension types: their fields are C struct members, read without a
# dictionary lookup by the typed code of apply.py and autograd.py.

cimport cython

cdef class NodeExtra:
    cdef public object hooks
    cdef public object retain
    cdef public object trace


cdef class SavedInput:
    cdef public object tensor
    cdef public object version


cdef class SavedOutput:
    cdef public object data
    cdef public object vc
    cdef public object version
    cdef public object dtype_owner


cdef class Node:
    cdef public tuple _next
    cdef public object _saved
    cdef public object _meta
    cdef public NodeExtra _x

    @cython.locals(out=list)
    cpdef tuple _unpack(self, bint raw)
    cpdef NodeExtra _extra(self)
    cpdef _release(self)

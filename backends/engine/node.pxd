# Cython declarations for node.py (the compiled core; the .py stays the source).  Nodes and
# saved entries become extension types: their fields are C struct members, read without a
# dictionary lookup by the typed code of apply.py and autograd.py.

cimport cython

cdef class OpInfo:
    cdef public bint broadcasts
    cdef public tuple saves
    cdef public object save_map
    cdef public bint saves_output
    cdef public tuple fresh
    cdef public bint arrays
    cdef public bint quiet
    cdef public bint contiguous
    cdef public bint overwrites
    cdef public dict positions

    @cython.locals(mask=tuple, found=tuple, wanted=set, i=Py_ssize_t)
    cpdef tuple saved_positions(self, tuple edges)


cdef dict _INFO

@cython.locals(info=OpInfo)
cpdef OpInfo op_info(type cls)


cdef class NodeExtra:
    cdef public object hooks
    cdef public object retain
    cdef public object trace
    cdef public object shown
    cdef public object pre
    cdef public object post
    cdef public object metadata


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


cdef bint _holds_any(object saved)

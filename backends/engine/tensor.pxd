# Cython declarations for tensor.py (the compiled core; the .py stays the source).  The tensor's
# hot fields are C struct members; the rare state stays in the optional TensorExtra.

cimport cython

from gradspec.backends.engine.node cimport Node


cdef class VersionCounter:
    cdef public Py_ssize_t value


cdef class TensorExtra:
    cdef public object hooks
    cdef public bint retains_grad
    cdef public object base
    cdef public object steps
    cdef public Py_ssize_t view_version
    cdef public bint tracked
    cdef public object acc
    cdef public object post_hooks
    cdef public object piece


cdef class Tensor:
    cdef public object _data
    cdef public object _grad_fn
    cdef public bint _requires_grad
    cdef public object _grad
    cdef public VersionCounter _vc
    cdef public TensorExtra _x
    cdef object __weakref__


@cython.locals(t=Tensor)
cpdef Tensor _new(type T, object data, object grad_fn, bint requires_grad)

@cython.locals(vc=VersionCounter)
cpdef bint _update(Tensor t, object raw, object other) except -1

@cython.locals(cache=dict)
cpdef object _constant(object eng, object xp, object c, object dtype)

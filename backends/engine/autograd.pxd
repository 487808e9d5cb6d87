# Cython declarations for autograd.py (the compiled core; the .py stays the source): the
# backward walk reads nodes and tensors through their C fields and calls dict, set and list
# methods directly.

cimport cython

from gradspec.backends.engine.node cimport Node, OpInfo, op_info
from gradspec.backends.engine.tensor cimport Tensor

@cython.locals(buffers=dict, leaf_grads=dict, leaves=dict, owned=set, owns=set, own=bint,
               root_nodes=list,
               capture=dict, needed=set, expand=set, deps=dict, captured=dict, retained=list,
               ready=list, node=Node, raw=bint,
               anomaly=bint, i=Py_ssize_t, left=Py_ssize_t, fresh=tuple, results=list,
               nxt=tuple, gis=tuple)
cpdef object _walk(list outputs, list grads, object retain_graph, bint create_graph,
                   object inputs, bint accumulate)

@cython.locals(deps=dict, is_root=set, stack=list)
cpdef dict _consumers(list roots, type T)

@cython.locals(cur=Tensor)
cpdef _accumulate(Tensor t, object g, bint raw, bint owned=*)

cpdef object _root_grad(Py_ssize_t i, Tensor t, object g, bint raw)

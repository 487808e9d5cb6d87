"""Parameters, and the tensor test nn and optim share.

`Parameter` returns a plain tensor of the backend (a leaf that requires grad and shares the
data it was given), marked as a parameter: no backend's tensor class can be subclassed
generically.  A `Module` registers as a parameter what `Parameter` made (the mark survives
``deepcopy`` and pickling on the engine), as ``torch.nn.Module`` registers only
``torch.nn.Parameter``: a plain tensor that requires grad stays a plain attribute.
"""

from __future__ import annotations

import weakref
from typing import Any, Iterator

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "Variable",
           "clear_grads", "is_parameter", "is_tensor"]

#: the attribute that marks a tensor `Parameter` made, on backends other than the engine
_MARK = "_gradspec_parameter"

#: the tensors `Parameter` made, by id (weakly): a frozen one (requires_grad=False) is still a
#: parameter when assigned to a module, as torch.nn.Parameter is
_MADE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a tensor of some gradspec backend (by its members, on the type)."""
    # Checked on the type: reading .grad of a non-leaf torch tensor warns.
    kind = type(value)
    return all(hasattr(kind, a) for a in ("requires_grad", "grad_fn", "backward", "detach"))


_is_tensor = is_tensor  # the name nn's siblings (optim, viz, the CLI) have always imported


class _ParameterType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return _is_tensor(obj) and is_parameter(obj)


class Parameter(metaclass=_ParameterType):
    """``Parameter(data)`` is a leaf tensor of ``data``'s backend that requires grad and shares
    ``data``'s values, for use as a parameter (``Parameter()`` is an empty one on the backend
    being built on, else the default backend).

    Assigning it to a `Module` attribute registers it, as ``torch.nn.Parameter`` does.  What
    comes back is the backend's own tensor class, marked: ``isinstance(t, Parameter)`` asks
    whether ``Parameter`` made ``t`` (frozen or not; a tensor computed from it is not one).
    """

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Any:  # type: ignore[misc]
        if data is None:
            from ..plugins import load_backend
            from ..surface import constructing_backend

            data = (constructing_backend() or load_backend()).zeros(0)
        if not _is_tensor(data):
            raise TypeError(
                f"Parameter() takes a tensor of a gradspec backend, got {type(data).__name__}; "
                "create one with backend.tensor(...) first"
            )
        param = data.detach().requires_grad_(requires_grad)
        mark = getattr(param, "_mark_parameter", None)  # the engine's tensors print as one
        if mark is not None:
            mark()
        else:  # another backend's tensor (torch's) carries the mark as an attribute, which
            try:  # its deepcopy and pickling keep
                setattr(param, _MARK, True)
            except (AttributeError, TypeError):  # (one that takes no attributes: _MADE)
                pass
        _MADE[id(param)] = param
        return param


class _VariableType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return _is_tensor(obj)


class Variable(metaclass=_VariableType):
    """``torch.autograd.Variable(data, requires_grad=False)``, from before tensors and
    Variables merged: ``data`` detached (sharing its values), requiring grad as asked; every
    tensor is an instance, as in PyTorch."""

    def __new__(cls, data: Any = None, requires_grad: bool = False,  # type: ignore[misc]
                volatile: bool = False) -> Any:
        if data is None or not _is_tensor(data):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


#: the tensors `Buffer` made, by id (weakly), with their ``persistent`` flag
_BUFFERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_PERSISTENT: dict[int, bool] = {}


class Buffer:
    """``Buffer(data, persistent=True)`` marks ``data`` (a tensor of any backend, returned as
    it is) so that assigning it to a `Module` attribute registers it as a buffer, as
    ``torch.nn.Buffer`` does: state that is not a parameter (in ``state_dict`` unless
    ``persistent=False``)."""

    def __new__(cls, data: Any = None, *, persistent: bool = True) -> Any:  # type: ignore[misc]
        if data is None:
            from ..plugins import load_backend
            from ..surface import constructing_backend

            data = (constructing_backend() or load_backend()).empty(0)
        if not _is_tensor(data):
            raise TypeError(f"Buffer() takes a tensor of a gradspec backend, got "
                            f"{type(data).__name__}")
        if _BUFFERS.get(id(data)) is not data:
            weakref.finalize(data, _PERSISTENT.pop, id(data), None)  # (forgotten with it)
        _BUFFERS[id(data)] = data
        _PERSISTENT[id(data)] = bool(persistent)
        return data


#: the tensors that wait for their shape (a lazy layer's, until its first call), by id (weakly)
_UNINITIALIZED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def is_uninitialized(value: Any) -> bool:
    """Whether ``value`` is an `UninitializedParameter` or `UninitializedBuffer` still."""
    return value is not None and _UNINITIALIZED.get(id(value)) is value


def mark_uninitialized(value: Any) -> Any:
    """Mark the tensor ``value`` as waiting for its shape (a copy of an uninitialized one)."""
    _UNINITIALIZED[id(value)] = value
    return value


def forget_uninitialized(value: Any) -> None:
    """``value`` has its shape and values now (a lazy layer filled it in)."""
    if is_uninitialized(value):
        del _UNINITIALIZED[id(value)]


class _UninitializedType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        if not is_uninitialized(obj):
            return False
        parameter = made_by_parameter(obj)
        return parameter if cls is UninitializedParameter else not parameter


def _placeholder(backend: Any, dtype: Any, device: Any) -> Any:
    if backend is None:
        from ..plugins import load_backend
        from ..surface import constructing_backend

        backend = constructing_backend() or load_backend()
    elif isinstance(backend, str):
        from ..plugins import load_backend

        backend = load_backend(backend)
    where = {} if device is None else {"device": device}
    return backend.empty(0, dtype=dtype, **where)


class UninitializedParameter(metaclass=_UninitializedType):
    """A parameter whose shape is not known yet: an empty tensor of the backend that a lazy
    layer (``nn.LazyLinear``) gives its shape and values on its first call.  Until then
    ``isinstance(p, UninitializedParameter)`` is True (and ``isinstance(p, Parameter)`` too, as
    in PyTorch)."""

    def __new__(cls, requires_grad: bool = True, device: Any = None,  # type: ignore[misc]
                dtype: Any = None, *, backend: Any = None) -> Any:
        return mark_uninitialized(Parameter(_placeholder(backend, dtype, device), requires_grad))


class UninitializedBuffer(metaclass=_UninitializedType):
    """A buffer whose shape is not known yet (a lazy batch norm's running statistics)."""

    def __new__(cls, requires_grad: bool = False, device: Any = None,  # type: ignore[misc]
                dtype: Any = None, *, backend: Any = None) -> Any:
        buffer = _placeholder(backend, dtype, device).requires_grad_(requires_grad)
        return mark_uninitialized(buffer)


def made_by_buffer(value: Any) -> bool | None:
    """``persistent`` of a tensor `Buffer` made (None for any other value)."""
    if value is not None and _BUFFERS.get(id(value)) is value:
        return _PERSISTENT.get(id(value), True)
    return None


def made_by_parameter(value: Any) -> bool:
    """Whether ``value`` was made by `Parameter` in this process (frozen or not)."""
    return value is not None and _MADE.get(id(value)) is value


def is_parameter(value: Any) -> bool:
    """Whether ``value`` is a parameter: made by `Parameter` (in this process, or copied or
    unpickled from one on the engine, whose tensors carry the mark), or a
    ``torch.nn.Parameter`` of the torch backend."""
    if made_by_parameter(value):
        return True
    marked = getattr(value, "_is_marked_parameter", None)
    if marked is not None:
        return bool(marked())
    if getattr(value, _MARK, False) is True:
        return True
    kind = type(value)
    return kind.__name__ == "Parameter" and kind.__module__.startswith("torch.")



def clear_grads(params: Iterator[Any], set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: to None (the default, as torch >= 2.0) or to zeros."""
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            # A gradient built with create_graph is part of a graph: cut it loose before zeroing.
            if grad.grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
            grad.zero_()

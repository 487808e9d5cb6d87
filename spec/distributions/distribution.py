"""What every distribution shares (``torch.distributions.Distribution``): batch and event
shapes, ``sample`` as ``rsample`` without a graph, argument checks, and finding the backend.

A distribution's parameters are tensors of one backend: the backend of the tensors given, else
the backend the class was reached through (``torch.distributions.Normal`` of a backend), else the
default backend.  Python numbers become tensors of the tensors' dtype (the default float dtype
when all are numbers), broadcast against each other, as torch's ``broadcast_all``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..nn.modules.module import class_backend
from ..plugins import _by_tensor_type
from . import constraints

__all__ = ["Distribution", "lazy_property"]


class lazy_property:
    """A parameter computed from another on first use (``probs`` from ``logits``) and then
    kept on the instance, as ``torch.distributions.utils.lazy_property``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.fn(instance)
        instance.__dict__[self.fn.__name__] = value
        return value


class Distribution:
    """The base of every distribution: ``batch_shape`` (independent draws side by side),
    ``event_shape`` (one draw's shape), ``sample``/``rsample``, ``log_prob``, ``entropy``,
    ``mean``, ``variance``, ``stddev``.  ``validate_args`` (default True, as torch in its
    default debug mode) checks the parameters, and the values given to ``log_prob``."""

    #: the backend this class was reached through (set on the classes of a backend's namespace)
    _bound_backend: Any = None
    has_rsample = False
    has_enumerate_support = False
    #: parameter name -> the constraint it must satisfy (checked when ``validate_args``)
    arg_constraints: dict[str, Any] = {}
    #: the constraint the values of ``log_prob`` must satisfy
    support: Any = None

    def __init__(self, batch_shape: Sequence[int] = (), event_shape: Sequence[int] = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = True if validate_args is None else bool(validate_args)
        if self._validate_args:
            self._check_args()

    def _check_args(self) -> None:
        """Each parameter of `arg_constraints` held by the instance (not computed lazily)
        satisfies its constraint, or a ValueError in torch's words."""
        for name, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if name in self.__dict__:
                value = self.__dict__[name]
            elif isinstance(getattr(type(self), name, None), lazy_property):
                continue  # computed from another parameter on first use: unchecked, as torch
            else:
                value = getattr(self, name, None)
            if not _is_tensor(value):
                continue
            if not bool(constraint.check(value).all()):
                raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape "
                                 f"{tuple(value.shape)}) of distribution {self!r} to satisfy "
                                 f"the constraint {constraint!r}, but found invalid "
                                 f"values:\n{value}")

    def _validate_sample(self, value: Any) -> None:
        """``value`` broadcasts against ``batch_shape + event_shape`` and lies in `support`,
        or a ValueError in torch's words."""
        if not _is_tensor(value):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape, event = tuple(value.shape), self._event_shape
        if shape[len(shape) - len(event):] != event or len(shape) < len(event):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{self._size(shape)} vs {self._size(event)}.")
        expected = self._batch_shape + event
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{self._size(shape)} vs {self._size(expected)}.")
        support = self.support
        if support is None or constraints.is_dependent(support):
            return
        if not bool(support.check(value).all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{shape}) to be within the support ({support!r}) of the "
                             f"distribution {self!r}, but found invalid values:\n{value}")

    def _as_value(self, value: Any, like: Any) -> Any:
        """``value`` as a tensor of ``like``'s dtype (numbers become tensors), checked when
        ``validate_args``."""
        if not _is_tensor(value):
            value = self._backend.tensor(float(value), dtype=like.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return value

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Distribution:
        """A new distribution with the parameters expanded to ``batch_shape`` (its trailing
        dims must broadcast with the current batch shape)."""
        batch_shape = tuple(batch_shape)
        new = copy.copy(self)
        for name, event_ndim in self._expand_params():
            value = self.__dict__.get(name)
            if value is None:
                continue
            event = tuple(value.shape[value.dim() - event_ndim:]) if event_ndim else ()
            new.__dict__[name] = value.expand(*(batch_shape + event))
        new._batch_shape = batch_shape
        return new

    def _expand_params(self) -> list[tuple[str, int]]:
        """The tensor attributes `expand` expands, and how many event dims each has: the
        parameters of `arg_constraints` (or their ``_name`` storage)."""
        out = []
        for name, constraint in self.arg_constraints.items():
            for attr in (name, "_" + name):
                if self.__dict__.get(attr) is not None:
                    dim = 0 if constraints.is_dependent(constraint) else constraint.event_dim
                    out.append((attr, dim))
                    break
        return out

    @property
    def batch_shape(self) -> Any:
        """The shape of the independent distributions this object holds side by side."""
        return self._size(self._batch_shape)

    @property
    def event_shape(self) -> Any:
        """The shape of one draw (empty for a scalar distribution)."""
        return self._size(self._event_shape)

    def _size(self, shape: tuple) -> Any:
        size = getattr(self._backend, "Size", None)
        return size(shape) if size is not None else shape

    def _extended_shape(self, sample_shape: Sequence[int] = ()) -> tuple:
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with self._backend.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Draws through which gradients flow to the parameters (the reparameterization)."""
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sampling "
                                  "(rsample); use sample(), which keeps no graph")

    def sample_n(self, n: int) -> Any:
        """``sample((n,))``."""
        return self.sample((n,))

    def log_prob(self, value: Any) -> Any:
        """The log of the density (or mass) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def entropy(self) -> Any:
        """The entropy of each distribution of the batch."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def cdf(self, value: Any) -> Any:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Any) -> Any:
        """The inverse of the cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand: bool = True) -> Any:
        """Every value of a discrete distribution's support, along a new leading dim."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "enumerate_support")

    @property
    def mode(self) -> Any:
        """The mode."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def mean(self) -> Any:
        """The mean."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def variance(self) -> Any:
        """The variance."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Any:
        """The standard deviation: the square root of the variance."""
        return self.variance.sqrt()

    def perplexity(self) -> Any:
        """``exp(entropy())``."""
        return self.entropy().exp()

    def __repr__(self) -> str:
        params = ", ".join(f"{name}: {self._describe(getattr(self, name))}"
                           for name in self._param_names())
        return f"{type(self).__name__}({params})"

    def _param_names(self) -> tuple[str, ...]:
        """The parameters the printed form shows: those of `arg_constraints` the instance
        holds (torch's rule)."""
        return tuple(k for k in self.arg_constraints if k in self.__dict__)

    @staticmethod
    def _describe(value: Any) -> Any:
        """A 0-d parameter as its number, any other one-element one as the tensor, a larger one
        by its shape (torch's form)."""
        if value.numel() == 1:
            return value.item() if value.dim() == 0 else value
        return f"torch.Size({list(value.shape)})"


def _backend_for(cls: type, values: Sequence[Any]) -> Any:
    for value in values:
        backend = _by_tensor_type.get(type(value))
        if backend is not None:
            return backend
    return class_backend(cls)


def _is_tensor(value: Any) -> bool:
    return type(value) in _by_tensor_type


def _broadcast_shape(shapes: Sequence[tuple]) -> tuple:
    """numpy's broadcasting of shapes, or a ValueError naming them."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        sizes = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            raise ValueError(f"The parameters' shapes {[tuple(s) for s in shapes]} do not "
                             "broadcast together")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_all(cls: type, *values: Any) -> tuple[Any, list[Any]]:
    """The backend, and ``values`` as tensors of one dtype broadcast to one shape (numbers
    become tensors of the tensors' dtype, or of the default float dtype)."""
    backend = _backend_for(cls, values)
    tensors = [v for v in values if _is_tensor(v)]
    dtype = tensors[0].dtype if tensors else None
    as_tensors = [v if _is_tensor(v) else backend.tensor(float(v), dtype=dtype)
                  for v in values]
    shape = _broadcast_shape([tuple(t.shape) for t in as_tensors])
    return backend, [t if tuple(t.shape) == shape else t.expand(*shape) for t in as_tensors]

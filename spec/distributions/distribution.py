"""What every distribution shares (``torch.distributions.Distribution``): batch and event
shapes, ``sample`` as ``rsample`` without a graph, argument checks, and finding the backend.

A distribution's parameters are tensors of one backend: the backend of the tensors given, else
the backend the class was reached through (``torch.distributions.Normal`` of a backend), else the
default backend.  Python numbers become tensors of the tensors' dtype (the default float dtype
when all are numbers), broadcast against each other, as torch's ``broadcast_all``.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..nn.modules.module import class_backend
from ..plugins import _by_tensor_type

__all__ = ["Distribution"]


class Distribution:
    """The base of every distribution: ``batch_shape`` (independent draws side by side),
    ``event_shape`` (one draw's shape), ``sample``/``rsample``, ``log_prob``, ``entropy``,
    ``mean``, ``variance``, ``stddev``.  ``validate_args`` (default True, as torch in its
    default debug mode) checks the parameters, and the values given to ``log_prob``."""

    #: the backend this class was reached through (set on the classes of a backend's namespace)
    _bound_backend: Any = None
    has_rsample = False

    def __init__(self, batch_shape: Sequence[int] = (), event_shape: Sequence[int] = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = True if validate_args is None else bool(validate_args)

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
        return ()

    @staticmethod
    def _describe(value: Any) -> Any:
        """One number as itself, a larger parameter by its shape (torch's form)."""
        if value.numel() == 1:
            return value.item()
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

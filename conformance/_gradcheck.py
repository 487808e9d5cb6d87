"""Numerical gradient checking for conformance tests, built only on the protocol.

Two layers:

* numpy-only finite differences: `fd_vjp` differentiates any function from a list of
  numpy arrays to a numpy array (central differences, one column of the Jacobian per input
  element), and `assert_grads_close` compares gradients with a message that says where
  they differ.  These know nothing of backends, so they can be checked on plain numpy functions.
* backend adapters: `as_numpy_function` turns ``fn(backend, *tensors)`` into such a
  function; `vjp`, `gradient_function` and `second_order_vjp` compute analytic
  first- and second-order vector-Jacobian products with ``backend.autograd.grad``.

An input is an `Operand`: a numpy array, the name of the backend dtype it becomes
(``"float64"``, ``"float32"``) and whether it requires grad.  Only operands that require grad are
differentiated ("wrt" below); the others are constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

#: central-difference step for float64 inputs
EPS = 1e-6

NumpyFunction = Callable[[Sequence[np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Operand:
    """One input: its values, the backend dtype it is built in, whether it requires grad."""

    value: np.ndarray
    dtype: str = "float64"
    requires_grad: bool = True


# ------------------------------------------------------------------------------ numpy-only layer
def fd_vjp(f: NumpyFunction, arrays: Sequence[np.ndarray], wrt: Sequence[int],
           cotangent: Any, eps: float = EPS) -> list[np.ndarray]:
    """``cotangent . J`` of ``f`` at ``arrays`` for each input in ``wrt``, by central differences.

    Each input element is moved by ``+eps`` and ``-eps``; the difference of the two outputs is a
    column of the Jacobian (taken elementwise, which keeps rounding error per output element),
    and its dot product with the cotangent is that element's gradient.  Costs two evaluations of
    ``f`` per element of the differentiated inputs.
    """
    work = [np.array(a, dtype=np.float64, copy=True) for a in arrays]
    v = np.asarray(cotangent, dtype=np.float64)
    grads = []
    for i in wrt:
        a = work[i]
        g = np.zeros(a.shape, dtype=np.float64)
        for k in range(a.size):
            centre = a.flat[k]
            a.flat[k] = centre + eps
            plus = np.asarray(f(work), dtype=np.float64)
            a.flat[k] = centre - eps
            minus = np.asarray(f(work), dtype=np.float64)
            a.flat[k] = centre
            if plus.shape != v.shape:
                raise AssertionError(
                    f"output shape {plus.shape} does not match the cotangent's {v.shape}")
            g.flat[k] = np.sum(v * (plus - minus)) / (2 * eps)
        grads.append(g)
    return grads


def assert_grads_close(actual: Sequence[Any], expected: Sequence[Any], rtol: float, atol: float,
                       what: str = "gradient", names: Sequence[str] | None = None) -> None:
    """Each ``actual[i]`` has ``expected[i]``'s shape and values within tolerance."""
    assert len(actual) == len(expected), f"{len(actual)} {what}s, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        label = names[i] if names else f"input {i}"
        a = np.asarray(a, dtype=np.float64)
        e = np.asarray(e, dtype=np.float64)
        assert a.shape == e.shape, f"{what} of {label}: shape {a.shape}, expected {e.shape}"
        bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=False)
        if bad.any():
            where = tuple(int(j) for j in np.argwhere(bad)[0]) if a.ndim else ()
            raise AssertionError(
                f"{what} of {label} differs at {int(bad.sum())} of {a.size} element(s); first at "
                f"{where}: got {float(a[where])!r}, expected {float(e[where])!r} "
                f"(rtol={rtol}, atol={atol})\n"
                f"got:\n{a}\nexpected:\n{e}")


def dyadic_cotangent(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """Random nonzero values ``+-k/8`` (k = 1..8): exact in float32 too, so casts lose nothing."""
    shape = tuple(shape)
    magnitude = rng.integers(1, 9, size=shape) / 8.0
    sign = rng.choice(np.array([-1.0, 1.0]), size=shape)
    return np.asarray(magnitude * sign, dtype=np.float64)


# ------------------------------------------------------------------------------ backend layer
def make_tensor(backend: Any, array: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
    """``backend.tensor(array, dtype=..., requires_grad=...)``; ``dtype`` may be a name."""
    if isinstance(dtype, str):
        dtype = getattr(backend, dtype)
    return backend.tensor(np.asarray(array), dtype=dtype, requires_grad=requires_grad)


def host(backend: Any, t: Any) -> np.ndarray:
    """A tensor's values as a float64 numpy array (through ``backend.to_numpy``)."""
    return np.asarray(backend.to_numpy(t.detach()), dtype=np.float64)


def wrt_indices(operands: Sequence[Operand]) -> list[int]:
    return [i for i, op in enumerate(operands) if op.requires_grad]


def _build(backend: Any, operands: Sequence[Operand], arrays: Sequence[np.ndarray] | None = None,
           grad: bool = True) -> list[Any]:
    values = arrays if arrays is not None else [op.value for op in operands]
    return [make_tensor(backend, a, op.dtype, requires_grad=grad and op.requires_grad)
            for a, op in zip(values, operands)]


def as_numpy_function(backend: Any, fn: Callable[..., Any],
                      operands: Sequence[Operand]) -> NumpyFunction:
    """``fn`` evaluated on the backend, from numpy arrays to a float64 numpy array.

    Inputs are built without ``requires_grad``, so evaluating records no graph.
    """
    def f(arrays: Sequence[np.ndarray]) -> np.ndarray:
        return host(backend, fn(backend, *_build(backend, operands, arrays, grad=False)))
    return f


def vjp(backend: Any, fn: Callable[..., Any], operands: Sequence[Operand], cotangent: Any,
        create_graph: bool = False, arrays: Sequence[np.ndarray] | None = None,
        ) -> tuple[list[Any], Any, tuple[Any, ...]]:
    """Run ``fn`` on fresh tensors and return ``(inputs, output, grads)``.

    ``grads`` are ``autograd.grad(output, inputs that require grad, grad_outputs=cotangent)``;
    the cotangent is built in the output's dtype.  A library without a functional ``grad``
    (its adapter raises ``ApiAbsent``) is asked the other way it offers: ``backward`` from the
    output into the fresh input leaves, whose ``.grad`` is then the same product.  Per-op checks
    judge gradients, not the entry point they come through.
    """
    from gradspec.protocol import ApiAbsent

    tensors = _build(backend, operands, arrays)
    out = fn(backend, *tensors)
    wrt = [tensors[i] for i in wrt_indices(operands)]
    v = make_tensor(backend, cotangent, dtype=out.dtype)
    try:
        grads = backend.autograd.grad((out,), wrt, grad_outputs=(v,), create_graph=create_graph)
    except ApiAbsent:
        if create_graph:
            raise
        out.backward(v)
        grads = [t.grad for t in wrt]
    return tensors, out, tuple(grads)


def gradient_function(backend: Any, fn: Callable[..., Any], operands: Sequence[Operand],
                      cotangent: Any) -> NumpyFunction:
    """The first-order gradients of ``fn`` (weighted by ``cotangent``) as one flat numpy vector,
    as a function of the inputs: finite differences of it give second derivatives."""
    def f(arrays: Sequence[np.ndarray]) -> np.ndarray:
        _, _, grads = vjp(backend, fn, operands, cotangent, arrays=arrays)
        return np.concatenate([host(backend, g).ravel() for g in grads])
    return f


def second_order_vjp(backend: Any, fn: Callable[..., Any], operands: Sequence[Operand],
                     cotangent: Any, weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Analytic gradient of ``sum_i <grad_i, weights_i>`` w.r.t. every input that requires grad,
    where ``grad_i`` are the first-order gradients computed with ``create_graph=True``.

    A first-order gradient that does not require grad is a constant (HIGHER-4: torch returns the
    derivative of a linear function without a graph), so it contributes zero; whether that is
    right is then judged by the finite differences, which must also find zero.
    """
    tensors, _, grads = vjp(backend, fn, operands, cotangent, create_graph=True)
    wrt = [tensors[i] for i in wrt_indices(operands)]
    total = None
    for g, w in zip(grads, weights):
        if g is None:
            raise AssertionError("autograd.grad returned None for an input that requires grad")
        if not g.requires_grad:
            continue
        term = (g * make_tensor(backend, w, dtype=g.dtype)).sum()
        total = term if total is None else total + term
    if total is None:
        return [np.zeros(tuple(t.shape)) for t in wrt]
    second = backend.autograd.grad((total,), wrt, allow_unused=True)
    return [np.zeros(tuple(t.shape)) if h is None else host(backend, h)
            for h, t in zip(second, wrt)]


def numerical_second_order(backend: Any, fn: Callable[..., Any], operands: Sequence[Operand],
                           cotangent: Any, weights: Sequence[np.ndarray],
                           eps: float = EPS) -> list[np.ndarray]:
    """Finite differences of the first-order gradients: what `second_order_vjp` must give."""
    flat_weights = np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in weights])
    return fd_vjp(gradient_function(backend, fn, operands, cotangent),
                  [op.value for op in operands], wrt_indices(operands), flat_weights, eps)

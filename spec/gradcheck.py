"""Gradient checking, as ``torch.autograd.gradcheck`` and ``gradgradcheck``: a function's
gradients (its backward passes) against central finite differences, written once over the
protocol's ``autograd.grad``.

As in PyTorch, the check compares the whole Jacobian, one output element at a time (reverse
mode) against one input element at a time (finite differences), and inputs should be float64:
in float32 the differences are too coarse for the default tolerances (PyTorch warns then, and
so does this).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from .plugins import backend_of

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians differ (``torch.autograd.GradcheckError``)."""


def _tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "requires_grad") and hasattr(x, "shape")


def _flat_outputs(out: Any) -> list:
    return [o for o in _tuple(out) if _is_tensor(o)]


def _numerical(func: Callable[..., Any], inputs: tuple, wrt: list[int], eps: float) -> list:
    """``jac[i][k][o]``: for element ``k`` of differentiable input ``i``, the flat derivative
    of output ``o``, by central differences (each input perturbed on a copy of its own, which
    still requires grad: gradgradcheck's function differentiates inside)."""
    backend = backend_of(inputs[wrt[0]])
    args = [x.detach().clone().requires_grad_(True) if i in wrt else x
            for i, x in enumerate(inputs)]

    def set_element(t: Any, k: int, value: float) -> None:
        with backend.no_grad():
            t.view(-1)[k] = value

    columns = []
    for i in wrt:
        values = args[i].detach().reshape(-1).tolist()
        per_element = []
        for k, original in enumerate(values):
            set_element(args[i], k, original + eps)
            plus = [o.detach().reshape(-1).tolist() for o in _flat_outputs(func(*args))]
            set_element(args[i], k, original - eps)
            minus = [o.detach().reshape(-1).tolist() for o in _flat_outputs(func(*args))]
            set_element(args[i], k, original)
            per_element.append([[(p - m) / (2 * eps) for p, m in zip(po, mo)]
                                for po, mo in zip(plus, minus)])
        columns.append(per_element)
    return columns


def _analytical(backend: Any, outputs: list, inputs: tuple, wrt: list[int]) -> list:
    """``jac[i][k][o][j]``: d output ``o`` element ``j`` / d input ``i`` element ``k``, from
    one backward pass per output element."""
    sizes = [int(inputs[i].numel()) for i in wrt]
    result = [[[[0.0] * int(o.numel()) for o in outputs] for _ in range(n)] for n in sizes]
    diff = [inputs[i] for i in wrt]
    for o_index, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        n = int(out.numel())
        for j in range(n):
            seed = backend.zeros(n, dtype=out.dtype)
            seed[j] = 1.0
            grads = backend.autograd.grad(out, diff, grad_outputs=seed.reshape(out.shape),
                                          retain_graph=True, allow_unused=True)
            for slot, g in enumerate(grads):
                if g is None:
                    continue
                for k, value in enumerate(g.reshape(-1).tolist()):
                    result[slot][k][o_index][j] = value
    return result


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Whether ``func``'s gradients with respect to its inputs that require grad agree with
    central finite differences: ``|analytical - numerical| <= atol + rtol * |numerical|`` for
    every Jacobian entry, as torch.autograd.gradcheck.  On a mismatch it raises
    `GradcheckError` naming the output and input, with both Jacobians (or returns False with
    ``raise_exception=False``).  PyTorch's other switches are accepted; forward-mode checks
    are not part of gradspec, so ``check_forward_ad=True`` is refused."""
    if check_forward_ad:
        raise NotImplementedError("gradcheck(check_forward_ad=True): gradspec has no forward-mode "
                                  "AD; check the backward pass (the default)")
    inputs = _tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    backend = backend_of(inputs[wrt[0]])
    for i in wrt:
        if str(inputs[i].dtype).rsplit(".", 1)[-1] != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    outputs = _flat_outputs(func(*inputs))
    analytical = _analytical(backend, outputs, inputs, wrt)
    numerical = _numerical(func, inputs, wrt, eps)
    for slot, i in enumerate(wrt):
        for o_index in range(len(outputs)):
            a = [analytical[slot][k][o_index] for k in range(len(analytical[slot]))]
            n = [numerical[slot][k][o_index] for k in range(len(numerical[slot]))]
            bad = any(abs(x - y) > atol + rtol * abs(y)
                      for row_a, row_n in zip(a, n) for x, y in zip(row_a, row_n))
            if bad:
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {o_index} with respect to input {i},\n"
                    f"numerical:{_show(backend, n)}\nanalytical:{_show(backend, a)}\n")
    return True


def _show(backend: Any, rows: list) -> Any:
    return backend.tensor(rows, dtype=backend.float64)


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """`gradcheck` of ``func``'s gradients (second derivatives): the gradients of the outputs,
    taken with ``create_graph=True`` against ``grad_outputs`` (random normal ones when not
    given), checked as functions of the inputs and the grad_outputs, as
    torch.autograd.gradgradcheck."""
    inputs = _tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not wrt:
        raise ValueError("gradgradcheck expects at least one input tensor to require gradient")
    backend = backend_of(inputs[wrt[0]])
    outputs = _flat_outputs(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(backend.randn(*o.shape, dtype=o.dtype).requires_grad_()
                             for o in outputs if o.requires_grad)
    grad_outputs = _tuple(grad_outputs)
    n_inputs = len(inputs)

    def first_derivatives(*args: Any) -> tuple:
        ins, seeds = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _flat_outputs(func(*ins)) if o.requires_grad]
        diff = [ins[i] for i in wrt]
        grads = backend.autograd.grad(outs, diff, grad_outputs=list(seeds), create_graph=True,
                                      allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)

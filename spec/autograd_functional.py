"""Higher-level derivatives, as ``torch.autograd.functional``: `jacobian`, `hessian`, `vjp`,
`jvp`, `vhp` and `hvp` of a Python function of tensors, written once over the protocol's
``autograd.grad`` (a backend's ``torch.autograd.functional``).

Each follows torch's signature and return structure (a tensor, or tuples mirroring tuple inputs
and outputs; a Jacobian block has the output's shape followed by the input's).  The inputs are
detached copies that require gradients (without ``create_graph`` the results are detached too);
an output independent of an input gives zeros, or, with ``strict=True``, an error.  Jacobians
are built one output element at a time by reverse mode: ``vectorize`` and the forward-mode
strategies are accepted and give the same numbers.  `jvp` and `hvp` use the double-backward
trick (a backward pass of a backward pass), as torch does without forward-mode AD.
"""

from __future__ import annotations

from typing import Any, Callable

from .plugins import backend_of

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(items):
        if not hasattr(item, "requires_grad"):
            # PyTorch's sentence, word for word: scripts print and match it
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but {where} has type {type(item)}.")
    return is_tuple, items


def _check_differentiable(outputs: tuple, strict: bool) -> None:
    """In strict mode, an output that does not require grad at all is refused first (before
    the per-input check), in PyTorch's words."""
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The "
                    "outputs must be computed in a differentiable manner from the input when "
                    "running in strict mode.")


def _leaves(inputs: tuple, create_graph: bool) -> tuple:
    """The inputs as the function's arguments: under ``create_graph`` an input that already
    requires grad stays in its graph (a view of it), else a detached copy requiring grad."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _finish(values: Any, create_graph: bool) -> Any:
    if isinstance(values, tuple):
        return tuple(_finish(v, create_graph) for v in values)
    return values if create_graph else values.detach()


def _grads(outputs: Any, inputs: tuple, grad_outputs: Any, create_graph: bool,
           retain_graph: bool = True) -> tuple:
    backend = backend_of(inputs[0])
    return backend.autograd.grad(outputs, inputs, grad_outputs, retain_graph=retain_graph,
                                 create_graph=create_graph, allow_unused=True)


def _zeros_for_unused(grads: tuple, like: tuple, strict: bool, message: str) -> tuple:
    out = []
    for i, (g, x) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(message.format(i=i))
            g = backend_of(x).zeros_like(x)
        out.append(g)
    return tuple(out)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j``, a tensor of
    shape ``outputs[i].shape + inputs[j].shape`` (nested tuples as torch returns them)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'Expected strategy to be either "forward-mode" or "reverse-mode", '
                         f"got {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` "
                                  "is only implemented with `vectorize=True` (as in torch)")
    inputs_tuple, given = _as_tuple(inputs, "inputs", "jacobian")
    leaves = _leaves(given, create_graph)
    outputs = func(*leaves)
    outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function",
                                    "jacobian")
    _check_differentiable(outs, strict)
    blocks = []
    for i, out in enumerate(outs):
        backend = backend_of(out)
        flat = out.reshape(-1)
        rows: list[list[Any]] = [[] for _ in leaves]
        for k in range(flat.numel()):
            grads = _grads(flat[k], leaves, None, create_graph) if out.requires_grad else (
                (None,) * len(leaves))
            grads = _zeros_for_unused(
                grads, leaves, strict,
                f"Output {i} of the user-provided function is independent of input {{i}}. This "
                "is not allowed in strict mode.")
            for j, g in enumerate(grads):
                rows[j].append(g)
        per_input = []
        for j, x in enumerate(leaves):
            shape = tuple(out.shape) + tuple(x.shape)
            if rows[j]:
                per_input.append(backend.stack(rows[j]).reshape(shape))
            else:  # an empty output: an empty block
                per_input.append(backend.zeros(shape, dtype=x.dtype))
        blocks.append(tuple(per_input))
    blocks = _finish(tuple(blocks), create_graph)
    if outputs_tuple and inputs_tuple:
        return blocks
    if outputs_tuple:
        return tuple(b[0] for b in blocks)
    if inputs_tuple:
        return blocks[0]
    return blocks[0][0]


def _scalar_output(output: Any, fn_name: str) -> None:
    if isinstance(output, (tuple, list)) or not hasattr(output, "numel"):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if output.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element")


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs``: for inputs ``i`` and ``j``, a
    tensor of shape ``inputs[i].shape + inputs[j].shape``."""
    inputs_tuple, given = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs: Any) -> Any:
        out = func(*xs)
        _scalar_output(out, "hessian")
        _check_differentiable((out,), strict)
        grads = _grads(out.reshape(()), xs, None, True) if out.requires_grad else (
            (None,) * len(xs))  # a constant function: a zero Hessian
        grads = _zeros_for_unused(grads, xs, strict,
                                  "The output of the user-provided function is independent of "
                                  "input {i}. This is not allowed in strict mode.")
        for i, g in enumerate(grads):
            if strict and not g.requires_grad:  # a gradient that is a constant (a linear func)
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided "
                    f"function with respect to input {i} is independent of the input. This is "
                    "not allowed in strict mode. You should ensure that your function is twice "
                    "differentiable and that the jacobian depends on the inputs (this would be "
                    "violated by a linear function for example).")
        return grads

    result = jacobian(gradient, given, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    if inputs_tuple:
        return result
    return result[0][0]


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product (``v`` may be omitted for a
    single-element output)."""
    inputs_tuple, given = _as_tuple(inputs, "inputs", "vjp")
    leaves = _leaves(given, create_graph)
    outputs = func(*leaves)
    outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
    _check_differentiable(outs, strict)
    vs = _vectors(v, outs, "vjp")
    grads = _grads(outs, leaves, vs, create_graph) if any(o.requires_grad for o in outs) else (
        (None,) * len(leaves))
    grads = _zeros_for_unused(grads, leaves, strict,
                              "The output of the user-provided function is independent of "
                              "input {i}. This is not allowed in strict mode.")
    out_value = _finish(outs, create_graph)
    return ((out_value if outputs_tuple else out_value[0]),
            _finish(grads, create_graph) if inputs_tuple else _finish(grads[0], create_graph))


def _vectors(v: Any, like: tuple, fn_name: str) -> tuple:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the user-provided function "
                               f"returns a single Tensor with a single element ({fn_name}).")
        return (backend_of(like[0]).ones_like(like[0]),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v has {len(vs)} tensors, but {len(like)} are needed ({fn_name})")
    for a, b in zip(vs, like):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"v has invalid size: should be {b.shape} but got {a.shape}. "
                               f"({fn_name}: v matches the tensors it multiplies)")
    return vs


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick
    (``v`` may be omitted for a single-element input)."""
    inputs_tuple, given = _as_tuple(inputs, "inputs", "jvp")
    leaves = _leaves(given, create_graph)
    vs = _vectors(v, leaves, "jvp")
    outputs = func(*leaves)
    outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
    _check_differentiable(outs, strict)
    # J v = d/du (u^T J v) ... computed as the gradient of (J^T u) . v in u, at any u
    us = tuple(backend_of(o).zeros_like(o).requires_grad_(True) for o in outs)
    grads = _grads(outs, leaves, us, True) if any(o.requires_grad for o in outs) else (
        (None,) * len(leaves))
    grads = _zeros_for_unused(grads, leaves, strict,
                              "The output of the user-provided function is independent of "
                              "input {i}. This is not allowed in strict mode.")
    pairs = [(g, w) for g, w in zip(grads, vs) if g.requires_grad]
    if pairs:
        result = _grads(tuple(g for g, _ in pairs), us, tuple(w for _, w in pairs),
                        create_graph)
    else:
        result = (None,) * len(us)
    result = _zeros_for_unused(result, outs, strict,
                               "The gradient with respect to input is independent of entry "
                               "{i} in the grad_outputs when using the double backward trick "
                               "to compute forward mode gradients. This is not allowed in "
                               "strict mode.")
    out_value = _finish(outs, create_graph)
    return ((out_value if outputs_tuple else out_value[0]),
            _finish(result, create_graph) if outputs_tuple
            else _finish(result[0], create_graph))


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)`` for the scalar function ``func``: the gradient of
    ``grad(func) . v``."""
    inputs_tuple, given = _as_tuple(inputs, "inputs", "vhp")
    leaves = _leaves(given, create_graph)
    vs = _vectors(v, leaves, "vhp")
    out = func(*leaves)
    _scalar_output(out, "vhp")
    grads = _grads(out, leaves, None, True)
    grads = _zeros_for_unused(grads, leaves, strict,
                              "The output of the user-provided function is independent of "
                              "input {i}. This is not allowed in strict mode.")
    pairs = [(g, w) for g, w in zip(grads, vs) if g.requires_grad]
    result = (_grads(tuple(g for g, _ in pairs), leaves, tuple(w for _, w in pairs),
                     create_graph) if pairs else (None,) * len(leaves))
    result = _zeros_for_unused(result, leaves, strict,
                               "The Jacobian of the user-provided function is independent of "
                               "input {i}. This is not allowed in strict mode.")
    return (_finish(out, create_graph),
            _finish(result, create_graph) if inputs_tuple else _finish(result[0], create_graph))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for the scalar function ``func``, by the double-backward trick
    (equal to `vhp` where the Hessian is symmetric, as for any twice-differentiable
    function)."""
    inputs_tuple, given = _as_tuple(inputs, "inputs", "hvp")
    leaves = _leaves(given, create_graph)
    vs = _vectors(v, leaves, "hvp")
    out = func(*leaves)
    _scalar_output(out, "hvp")
    grads = _grads(out, leaves, None, True)
    grads = _zeros_for_unused(grads, leaves, strict,
                              "The output of the user-provided function is independent of "
                              "input {i}. This is not allowed in strict mode.")
    us = tuple(backend_of(x).zeros_like(x).requires_grad_(True) for x in leaves)
    pairs = [(g, u) for g, u in zip(grads, us) if g.requires_grad]
    if pairs:
        back = _grads(tuple(g for g, _ in pairs), leaves, tuple(u for _, u in pairs), True)
        back = _zeros_for_unused(back, leaves, False, "")
        kept = [(b, w) for b, w in zip(back, vs) if b.requires_grad]
        result = (_grads(tuple(b for b, _ in kept), us, tuple(w for _, w in kept),
                         create_graph) if kept else (None,) * len(us))
    else:
        result = (None,) * len(us)
    result = _zeros_for_unused(result, leaves, strict,
                               "The Jacobian of the user-provided function is independent of "
                               "input {i}. This is not allowed in strict mode.")
    return (_finish(out, create_graph),
            _finish(result, create_graph) if inputs_tuple else _finish(result[0], create_graph))

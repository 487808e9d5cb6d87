"""Function transforms as ``torch.func`` spells them: ``grad``, ``grad_and_value``, ``vjp``,
``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap``, ``functional_call`` and
``stack_module_state``, written once over any backend's autograd.

PyTorch implements these as transforms of its dispatcher; here each is what it computes:
``grad`` and ``vjp`` run the function on fresh leaves (or on the given tensors, inside another
transform, so that transforms nest) and call ``autograd.grad``; ``jvp`` differentiates the
vector-Jacobian product once more, in its cotangent; the Jacobians are one vector-Jacobian
product per output element; ``vmap`` runs the function once per slice along the mapped dims
and stacks the results.  Arguments may be tensors or tuples, lists and dicts of them
(``in_dims`` and ``argnums`` as in PyTorch).  The values and gradients are PyTorch's; the cost
is a Python loop where PyTorch batches (``vmap``), and ``jvp``/``jacfwd`` use reverse mode.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from .nn.parameter import is_tensor
from .plugins import backend_of

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "vjp", "vmap"]


# -- pytrees: tensors inside tuples, lists and dicts ----------------------------------------
def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return [tree]


def _rebuild(tree: Any, leaves: Any) -> Any:
    """``tree``'s structure around the next items of the iterator ``leaves``."""
    if isinstance(tree, (tuple, list)):
        items = [_rebuild(item, leaves) for item in tree]
        return type(tree)(items) if type(tree) in (tuple, list) else type(tree)(*items)
    if isinstance(tree, dict):
        return {k: _rebuild(v, leaves) for k, v in tree.items()}
    return next(leaves)


def _map(fn: Callable[[Any], Any], tree: Any) -> Any:
    return _rebuild(tree, iter([fn(leaf) for leaf in _leaves(tree)]))


def _detached(tree: Any) -> Any:
    """``tree`` with its tensors detached: what an outermost transform returns (no graph)."""
    return _map(lambda t: t.detach() if is_tensor(t) else t, tree)


def _tensors(name: str, tree: Any) -> list[Any]:
    found = _leaves(tree)
    for leaf in found:
        if not is_tensor(leaf):
            raise ValueError(f"{name}: expected tensors (or tuples, lists and dicts of them), "
                             f"got {type(leaf).__name__}")
    return found


# -- gradients ------------------------------------------------------------------------------
def _track(t: Any) -> Any:
    """The tensor to differentiate with respect to: ``t`` itself where it already takes part
    in a graph (inside another transform), else a fresh leaf with its values."""
    return t if t.requires_grad else t.detach().requires_grad_()


def _argnums(argnums: Any, n: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{name}: argnums must be non-empty")
    for k in nums:
        if not isinstance(k, int) or not -n <= k < n:
            raise RuntimeError(f"{name}: Got argnums={argnums!r}, but only {n} positional "
                               "inputs")
    return tuple(k % n for k in nums)


def _differentiate(outputs: list, inputs: list, cotangents: list | None, create: bool) -> list:
    """``autograd.grad`` with zeros for inputs the outputs do not depend on."""
    B = backend_of(inputs[0])
    if not any(o.requires_grad for o in outputs):  # nothing depends on the inputs
        return [B.zeros_like(x) for x in inputs]
    grads = B.autograd.grad(outputs, inputs, grad_outputs=cotangents, retain_graph=True,
                            create_graph=create, allow_unused=True)
    return [B.zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{name}(f)(*args): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")
    return out


def grad_and_value(func: Callable[..., Any], argnums: Any = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``func`` -> a function returning ``(gradient, value)`` of ``func``'s scalar output with
    respect to the arguments ``argnums`` (an int: that argument's gradient, in its structure;
    a tuple: one per argument); with ``has_aux``, ``func`` returns ``(output, aux)`` and the
    result is ``(gradient, (value, aux))``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "grad_and_value")
        args = list(args)
        given = [t for k in nums for t in _tensors("grad_and_value", args[k])]
        nested = any(t.requires_grad for t in given)
        for k in nums:
            args[k] = _map(_track, args[k])
        B = backend_of(given[0])
        with B.enable_grad():
            out, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not is_tensor(out):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.dim() != 0:  # (a one-element vector too, as in PyTorch)
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                    f"got tensor with {out.dim()} dims. Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?")
            inputs = [t for k in nums for t in _leaves(args[k])]
            grads = iter(_differentiate([out], inputs, None, nested))
        per_arg = tuple(_rebuild(args[k], grads) for k in nums)
        gradient = per_arg[0] if isinstance(argnums, int) else per_arg
        if not nested:  # the values of an outermost transform leave no graph behind
            out, aux = out.detach(), _detached(aux)
        return (gradient, (out, aux)) if has_aux else (gradient, out)

    return wrapper


def grad(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``func`` -> a function returning the gradient of ``func``'s scalar output with respect
    to the arguments ``argnums`` (with ``has_aux``: ``(gradient, aux)``), as torch.func.grad;
    transforms nest (``grad(grad(f))``)."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gradient, value = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def _traced(name: str, func: Callable[..., Any], primals: tuple, has_aux: bool) -> tuple:
    """``func`` run on the primals as tensors to differentiate with respect to: ``(backend,
    nested, tracked primals, output, aux)``; ``nested``: the primals already take part in a
    graph (another transform's), so results keep theirs."""
    given = _tensors(name, primals)
    tracked = tuple(_map(_track, p) for p in primals)
    B = backend_of(given[0])
    with B.enable_grad():
        out, aux = _split_aux(func(*tracked), has_aux, name)
    return B, any(t.requires_grad for t in given), tracked, out, aux


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(output, vjp_fn)`` (with ``has_aux``: ``(output, vjp_fn, aux)``): ``vjp_fn(cotangents)``
    returns the vector-Jacobian products with respect to each primal, as a tuple."""
    B, nested, tracked, out, aux = _traced("vjp", func, primals, has_aux)
    outputs = _tensors("vjp", out)
    inputs = _leaves(tracked)

    def vjp_fn(cotangents: Any) -> tuple:
        cots = _tensors("vjp", cotangents)
        if len(cots) != len(outputs):
            raise RuntimeError(f"vjp: expected {len(outputs)} cotangents (the output's "
                               f"structure), got {len(cots)}")
        with B.enable_grad():
            grads = iter(_differentiate(outputs, inputs, cots, nested))
        return tuple(_rebuild(p, grads) for p in tracked)

    value = out if nested else _detached(out)
    if has_aux:
        return value, vjp_fn, aux if nested else _detached(aux)
    return value, vjp_fn


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> Any:
    """``(output, jvp_out)``: ``func(*primals)`` and its Jacobian times ``tangents`` (one per
    primal, of its structure), as torch.func.jvp (with ``has_aux``: ``(output, jvp_out,
    aux)``).  Computed in reverse mode, as the vector-Jacobian product's own derivative: the
    values are PyTorch's, a zero may carry the other sign."""
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                           "tuples")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have "
                           f"the same length, got {len(primals)} and {len(tangents)}")
    given = _tensors("jvp", primals)
    directions = _tensors("jvp", tangents)
    for p, t in zip(given, directions):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to "
                               f"have the same shape, got {tuple(p.shape)} and "
                               f"{tuple(t.shape)}")
    B, nested, tracked, out, aux = _traced("jvp", func, primals, has_aux)
    with B.enable_grad():
        outputs = _tensors("jvp", out)
        inputs = _leaves(tracked)
        # J^T u is linear in u: differentiating it in u along the tangents gives J t
        dummies = [B.zeros_like(o).requires_grad_() for o in outputs]
        pulled = _differentiate(outputs, inputs, dummies, True)
        live = [(g, t) for g, t in zip(pulled, directions) if g.requires_grad]
        if live:
            pushed = B.autograd.grad([g for g, _ in live], dummies,
                                     grad_outputs=[t for _, t in live], create_graph=nested,
                                     allow_unused=True)
        else:
            pushed = [None] * len(dummies)
    jvps = [B.zeros_like(o) if t is None else t for t, o in zip(pushed, outputs)]
    value = out
    if not nested:
        value, jvps, aux = _detached(out), _detached(jvps), _detached(aux)
    result = (value, _rebuild(out, iter(jvps)))
    return result + (aux,) if has_aux else result


def jacrev(func: Callable[..., Any], argnums: Any = 0, *, has_aux: bool = False,
           chunk_size: Any = None) -> Callable[..., Any]:
    """``func`` -> a function returning the Jacobian of ``func``'s output (``output.shape +
    input.shape``) with respect to the arguments ``argnums``, one vector-Jacobian product per
    output element (``chunk_size`` is accepted and changes nothing)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")
        fixed = list(args)

        def of(*chosen: Any) -> Any:
            for k, value in zip(nums, chosen):
                fixed[k] = value
            return func(*fixed, **kwargs)

        out, fn, *aux = vjp(of, *(args[k] for k in nums), has_aux=has_aux)
        outputs = _tensors("jacrev", out)
        inputs = _leaves(tuple(args[k] for k in nums))
        B = backend_of(outputs[0])
        per_output = []
        for i, o in enumerate(outputs):
            rows = []
            for j in range(o.numel()):
                cots = [B.zeros_like(p) for p in outputs]
                unit = B.zeros(o.numel(), dtype=o.dtype)
                unit[j] = 1
                cots[i] = unit.reshape(o.shape)
                rows.append(_leaves(fn(_rebuild(out, iter(cots)))))
            jacs = [B.stack([r[m] for r in rows]).reshape(*o.shape, *x.shape) if rows
                    else B.zeros(*o.shape, *x.shape, dtype=x.dtype)
                    for m, x in enumerate(inputs)]
            structured = tuple(_rebuild(args[k], iter(jacs[_offset(args, nums, k):]))
                               for k in nums)
            per_output.append(structured[0] if isinstance(argnums, int) else structured)
        result = _rebuild(out, iter(per_output))
        return (result, aux[0]) if has_aux else result

    return wrapper


def _offset(args: Sequence[Any], nums: tuple[int, ...], k: int) -> int:
    """Where argument ``k``'s leaves start among the leaves of the arguments ``nums``."""
    start = 0
    for n in nums:
        if n == k:
            return start
        start += len(_leaves(args[n]))
    return start


def jacfwd(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian as `jacrev` gives it (PyTorch computes it in forward mode; the values are
    the same)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    """``func`` -> a function returning the Hessian of ``func``'s scalar output with respect to
    the arguments ``argnums``: the Jacobian of its gradient."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap -----------------------------------------------------------------------------------
def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: Any = None) -> Callable[..., Any]:
    """``func`` -> a function that maps ``func`` over the dim ``in_dims`` of its arguments (an
    int or None for all, or one per argument, nested as the argument is) and stacks the
    results along ``out_dims``, as torch.func.vmap.  Keyword arguments are passed unmapped.
    Each slice runs ``func`` once (``randomness`` and ``chunk_size`` are accepted: the slices
    draw their own random numbers)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_dims, tuple):
            if len(in_dims) != len(args):
                raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                                 f"compatible with the structure of `inputs`: in_dims has "
                                 f"{len(in_dims)} elements but there are {len(args)} inputs")
            dims = in_dims
        elif in_dims is None or isinstance(in_dims, int):
            dims = (in_dims,) * len(args)
        else:
            raise ValueError(f"vmap(f, in_dims={in_dims!r}, ...): expected in_dims to be int "
                             f"or a tuple, got {type(in_dims).__name__}")
        pairs = []  # (tensor, dim) for every mapped leaf
        per_arg = []
        for arg, d in zip(args, dims):
            leaves = _leaves(arg)
            ds = _leaves(d) if isinstance(d, (tuple, list, dict)) else [d] * len(leaves)
            if len(ds) != len(leaves):
                raise ValueError(f"vmap: in_dims {d!r} does not match the structure of its "
                                 "argument")
            for leaf, dim in zip(leaves, ds):
                if dim is not None:
                    if not is_tensor(leaf):
                        raise ValueError(f"vmap: Got in_dim={dim} for an input but the input "
                                         f"is of type {type(leaf).__name__}. We cannot vmap "
                                         "over non-Tensor arguments, please use None as the "
                                         "respective in_dim")
                    if not -max(leaf.dim(), 1) <= dim < max(leaf.dim(), 1) or leaf.dim() == 0:
                        raise ValueError(f"vmap: Got in_dim={dim} for some input, but that "
                                         f"input is a Tensor of dimensionality {leaf.dim()} "
                                         f"so expected in_dim to satisfy "
                                         f"-{leaf.dim()} <= in_dim < {leaf.dim()}.")
                    pairs.append((leaf, dim % leaf.dim()))
            per_arg.append((arg, leaves, ds))
        if not pairs:
            raise ValueError("vmap(f, in_dims=..., ...)(<inputs>): at least one input must be "
                             "a Tensor mapped over a dim (an in_dim that is not None)")
        sizes = {t.shape[d] for t, d in pairs}
        if len(sizes) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {[t.shape[d] for t, d in pairs]} for the "
                             "mapped dimension")
        n = sizes.pop()
        results = []
        for i in range(n):
            sliced = []
            for arg, leaves, ds in per_arg:
                cut = [leaf if dim is None else leaf.select(dim % leaf.dim(), i)
                       for leaf, dim in zip(leaves, ds)]
                sliced.append(_rebuild(arg, iter(cut)))
            results.append(func(*sliced, **kwargs))
        return _stack(results, out_dims, n)

    return wrapper


def _stack(results: list, out_dims: Any, n: int) -> Any:
    first = results[0]
    leaves = [_leaves(r) for r in results]
    count = len(leaves[0])
    if isinstance(out_dims, tuple):
        if len(out_dims) != count:
            raise ValueError(f"vmap: out_dims={out_dims} is not compatible with the structure "
                             f"of the outputs ({count} of them)")
        dims = out_dims
    else:
        dims = (out_dims,) * count
    stacked = []
    for m, d in enumerate(dims):
        column = [r[m] for r in leaves]
        if not all(is_tensor(t) for t in column):
            raise ValueError("vmap: the function must only return Tensors (or tuples, lists and "
                             f"dicts of them), got {type(column[0]).__name__}")
        B = backend_of(column[0])
        if d is None:
            stacked.append(column[0])
        else:
            stacked.append(B.stack(column, dim=d % (column[0].dim() + 1)))
    return _rebuild(first, iter(stacked))


# -- functional_call ------------------------------------------------------------------------
def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module`` with the tensors of ``parameter_and_buffer_dicts`` (a dict of dotted
    names, or a sequence of them) in place of its own parameters and buffers of those names,
    which are restored afterwards, as torch.func.functional_call.  ``args``: one argument or a
    tuple of them; with ``strict``, the dicts must name every parameter and buffer."""
    dicts = (parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (tuple, list))
             else (parameter_and_buffer_dicts,))
    given: dict[str, Any] = {}
    for d in dicts:
        for name, value in d.items():
            if name in given:
                raise ValueError(f"functional_call got multiple values for keys ['{name}'], "
                                 "which are used in more than one dict")
            given[name] = value
    own = dict(module.named_parameters(remove_duplicate=False))
    own.update(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing = sorted(set(own) - set(given))
        unexpected = sorted(set(given) - set(own))
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
    swapped = []
    try:
        for name, value in given.items():
            path, _, attr = name.rpartition(".")
            owner = module.get_submodule(path)
            registry = (owner._parameters if attr in owner._parameters else
                        owner._buffers if attr in owner._buffers else None)
            if registry is None:
                if strict:
                    raise AttributeError(f"{type(owner).__name__} has no parameter or buffer "
                                         f"{attr!r}")
                continue
            swapped.append((registry, attr, registry[attr]))
            registry[attr] = value  # (any tensor: the call may differentiate through it)
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for registry, attr, old in reversed(swapped):
            registry[attr] = old


def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameters and buffers of ``models`` (modules of one architecture), each name's
    tensors stacked along a new first dim: ``(params, buffers)``, as torch.func's, for
    `functional_call` under `vmap` (model ensembling).  Stacked parameters are new leaves that
    require grad where the models' do."""
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    first = models[0]
    if not all(m.training == first.training for m in models):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/"
                           "eval mode.")
    if not all(type(m) is type(first) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    named = [dict(m.named_parameters()) for m in models]
    B = None
    params = {}
    for name, p in named[0].items():
        B = backend_of(p)
        stacked = B.stack([n[name].detach() for n in named])
        params[name] = stacked.requires_grad_(p.requires_grad)
    buffers = {}
    for name, b in dict(first.named_buffers()).items():
        B = backend_of(b)
        buffers[name] = B.stack([dict(m.named_buffers())[name] for m in models])
    return params, buffers

"""The ops the generator draws from: one small function per op, written with PyTorch's names.

Each entry knows the op-registry name it exercises (``registry``: the names of gradspec's engine
registry, the same as :data:`gradspec.conformance.opcases.REGISTRY_OPS`), the backend functions
and tensor members its code uses (``needs``; a backend lacking one gets programs without the op),
and whether its result may alias its input (``view``; such ops are never generated inside
``no_grad``, where PyTorch's flags for views are an implementation detail, NOGRAD-5).

An op function picks operands through the generator (which inserts domain guards), writes one
line of code in one of the forms users write (operator, function, method), and tells the
generator the result's shape and a bound on its magnitude.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .generator import MAX_BOUND, MAX_NUMEL, Gen, Var, broadcast, nested


@dataclass(frozen=True)
class OpGen:
    fn: Callable[[Gen], None]
    registry: str
    needs: tuple[str, ...]
    weight: float = 1.0
    view: bool = False


def src(x: Var | float) -> str:
    return x.name if isinstance(x, Var) else repr(x)


def _bound(x: Var | float) -> float:
    return x.bound if isinstance(x, Var) else abs(x)


def _shape(x: Var | float) -> tuple[int, ...]:
    return x.shape if isinstance(x, Var) else ()


# ---------------------------------------------------------------------------------- elementwise
def _unary(op: str, bound: Callable[[float], float], forms: tuple[str, ...],
           domain: str = "") -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.tame(g.operand())
        if domain == "positive":
            x = g.positive(x)
        elif domain == "bounded":
            x = g.bounded(x, 3.0)
        g.emit(op, g.choice(forms).format(x=x.name), [x], x.shape, bound=bound(x.bound))
    return fn


def _forms(name: str) -> tuple[str, ...]:
    return (f"torch.{name}({{x}})", f"{{x}}.{name}()")


def _needs(name: str) -> tuple[str, ...]:
    return (name, f"Tensor.{name}")


def _binary(op: str, symbol: str, function: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        a = g.tame(g.operand())
        b: Var | float = g.partner(a)
        if isinstance(b, Var):
            b = g.tame(b)
        if op == "div" and isinstance(b, Var):
            b = g.positive(b)
        shape = broadcast(a.shape, _shape(b)) or a.shape
        ba, bb = a.bound, _bound(b)
        bound = {"add": ba + bb, "sub": ba + bb, "mul": ba * bb,
                 "div": ba / (0.5 if isinstance(b, Var) else abs(b))}[op]
        if not isinstance(b, Var) and g.chance(0.4):  # reflected: 2.0 - x, 2.0 / x, ...
            if op == "div":
                a = g.positive(a)
                bound = abs(b) / 0.5
            reg = "rsub" if op == "sub" else op
            g.emit(reg, f"{src(b)} {symbol} {a.name}", [a], a.shape, bound=bound)
            return
        form = g.choice(["op", "op", "function", "method"])
        if form == "op":
            expr = f"{a.name} {symbol} {src(b)}"
        elif form == "function":
            expr = f"torch.{function}({a.name}, {src(b)})"
        else:
            expr = f"{a.name}.{function}({src(b)})"
        pos = op == "add" and a.pos and (isinstance(b, Var) and b.pos)
        g.emit(op, expr, [a, b], shape, bound=bound, pos=pos)
    return fn


def op_pow(g: Gen) -> None:
    x = g.tame(g.operand())
    e = g.choice([2, 3, 0.5, -1, -2, 2.5, 0, 1])
    if e < 0 or not float(e).is_integer():
        x = g.positive(g.bounded(x, 30.0))
        bound = max(x.bound ** e, 0.5 ** e)
    else:
        x = g.bounded(x, 30.0)
        bound = x.bound ** e
    form = g.choice(["{x} ** {e}", "{x}.pow({e})", "torch.pow({x}, {e})"])
    g.emit("pow", form.format(x=x.name, e=e), [x], x.shape, bound=bound)


def op_rpow(g: Gen) -> None:
    x = g.bounded(g.operand(), 3.0)
    base = g.choice([2.0, 0.5, 3.0, 2.718281828459045])
    form = g.choice(["{b} ** {x}", "torch.pow({b}, {x})"])
    g.emit("rpow", form.format(b=base, x=x.name), [x], x.shape,
           bound=max(base, 1 / base) ** x.bound)


def op_pow_tensor(g: Gen) -> None:
    a = g.positive(g.bounded(g.operand(), 30.0))
    b = g.partner(a, allow_scalar=False)
    assert isinstance(b, Var)
    b = g.bounded(b, 2.0)
    form = g.choice(["{a} ** {b}", "torch.pow({a}, {b})", "{a}.pow({b})"])
    g.emit("pow_tensor", form.format(a=a.name, b=b.name), [a, b],
           broadcast(a.shape, b.shape) or a.shape, bound=max(a.bound, 2.0) ** 2)


def op_clamp(g: Gen) -> None:
    x = g.tame(g.operand())
    lo = g.choice([-1.0, -0.5, 0.0, None])
    hi = g.choice([0.5, 1.0, None] if lo is not None else [0.5, 1.0])
    if lo is None:
        expr = g.choice([f"torch.clamp({x.name}, max={hi})", f"{x.name}.clamp(max={hi})"])
    elif hi is None:
        expr = g.choice([f"torch.clamp({x.name}, min={lo})", f"{x.name}.clamp(min={lo})"])
    else:
        expr = g.choice([f"torch.clamp({x.name}, {lo}, {hi})", f"{x.name}.clamp({lo}, {hi})"])
    bound = x.bound if hi is None else min(x.bound, max(abs(hi), abs(lo or 0.0)))
    g.emit("clamp", expr, [x], x.shape, bound=bound)


def _select(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        a = g.tame(g.operand())
        b = g.partner(a, allow_scalar=False)
        assert isinstance(b, Var)
        b = g.tame(b)
        g.emit(op, f"torch.{op}({a.name}, {b.name})", [a, b],
               broadcast(a.shape, b.shape) or a.shape, bound=max(a.bound, b.bound))
    return fn


def op_where(g: Gen) -> None:
    a = g.tame(g.operand())
    c = g.partner(a, allow_scalar=False)
    assert isinstance(c, Var)
    shape = broadcast(a.shape, c.shape) or a.shape
    b: Var | float
    if g.chance(0.3):
        b = g.scalar()
    else:
        cands = [v for v in g.vars.values() if (s := broadcast(shape, v.shape)) is not None
                 and math.prod(s) <= MAX_NUMEL]
        b = g.tame(g.pick(cands) or a)
        shape = broadcast(shape, b.shape) or shape
    g.emit("where", f"torch.where({c.name} > 0, {a.name}, {src(b)})", [a, b], shape,
           bound=max(a.bound, _bound(b)), uses=[c])


# ---------------------------------------------------------------------------------- linear algebra
def op_matmul(g: Gen) -> None:
    a = g.tame(g.operand(min_ndim=1))
    if a.dtype != "float64":  # PyTorch's matmul refuses mixed dtypes (no promotion)
        a = g.emit("to", f"{a.name}.double()", [a], a.shape, bound=a.bound, dtype="float64")
    n = a.shape[-1]
    if len(a.shape) == 1:
        options = [(n,), (n, g.choice([1, 2, 3])), (g.choice([1, 2]), n, 2)]
    else:
        batch = a.shape[:-2]
        options = [(n,), (n, g.choice([1, 2, 3]))]
        if len(a.shape) == 3:
            options.append((g.choice([1, batch[0]]), n, 2))
        else:
            options.append((2, n, g.choice([1, 2])))
    want = g.choice(options)
    cands = [v for v in g.vars.values() if v.shape == want and v.name != a.name
             and v.dtype == "float64"]
    b = g.tame(g.pick(cands)) if cands and g.chance(0.5) else g.leaf(want)
    try:
        shape = np.matmul(np.zeros(a.shape), np.zeros(b.shape)).shape
    except ValueError:
        return
    if math.prod(shape) > MAX_NUMEL:
        return
    left, right = (a, b) if g.chance(0.8) or len(b.shape) != len(a.shape) else (b, a)
    if left is b:
        try:
            shape = np.matmul(np.zeros(b.shape), np.zeros(a.shape)).shape
        except ValueError:
            left, right = a, b
    form = g.choice(["{a} @ {b}", "torch.matmul({a}, {b})", "{a}.matmul({b})"])
    g.emit("matmul", form.format(a=left.name, b=right.name), [left, right], tuple(shape),
           bound=a.bound * b.bound * n)


def op_linear(g: Gen) -> None:
    x = g.tame(g.operand(min_ndim=1))
    if x.dtype != "float64":  # PyTorch's linear refuses mixed dtypes (no promotion)
        x = g.emit("to", f"{x.name}.double()", [x], x.shape, bound=x.bound, dtype="float64")
    n, out = x.shape[-1], g.choice([1, 2, 3])
    shape = x.shape[:-1] + (out,)
    if math.prod(shape) > MAX_NUMEL:
        return

    def operand(want: tuple[int, ...]) -> Var:
        cands = [v for v in g.vars.values() if v.shape == want and v.name != x.name
                 and v.dtype == "float64"]
        return g.tame(g.pick(cands)) if cands and g.chance(0.5) else g.leaf(want)

    w = operand((out, n))
    if g.chance(0.3):
        g.emit("linear", f"torch.linear({x.name}, {w.name})", [x, w], shape,
               bound=x.bound * w.bound * n)
        return
    b = operand((out,))
    g.emit("linear", f"torch.linear({x.name}, {w.name}, {b.name})", [x, w, b], shape,
           bound=x.bound * w.bound * n + b.bound)


def op_binary_cross_entropy(g: Gen) -> None:
    """Probabilities and targets through sigmoid: p stays in [0.05, 0.95], away from the
    capped gradient at 0 and 1."""
    x = g.bounded(g.operand(), 3.0)
    p = g.emit("sigmoid", f"torch.sigmoid({x.name})", [x], x.shape, bound=1.0)
    cands = [v for v in g.vars.values() if v.shape == x.shape and v.name not in (x.name, p.name)]
    t = g.bounded(g.pick(cands) if cands and g.chance(0.6) else g.leaf(x.shape), 3.0)
    y = g.emit("sigmoid", f"torch.sigmoid({t.name})", [t], t.shape, bound=1.0)
    reduction = g.choice(["mean", "sum", "none"])
    expr = f"torch.binary_cross_entropy({p.name}, {y.name}, reduction={reduction!r})"
    if reduction == "mean" and g.chance(0.5):
        expr = f"torch.binary_cross_entropy({p.name}, {y.name})"
    bound = 3.1 * (p.numel if reduction == "sum" else 1)
    g.emit("binary_cross_entropy", expr, [p, y], x.shape if reduction == "none" else (),
           bound=bound)


def op_cross_entropy(g: Gen) -> None:
    matrices = [v for v in g.vars.values() if len(v.shape) == 2]
    x = g.pick(matrices) if matrices and g.chance(0.8) else None
    x = g.bounded(x or g.leaf((g.choice([1, 2, 3]), g.choice([1, 2, 3]))), 20.0)
    n, classes = x.shape
    reduction = g.choice(["mean", "sum", "none"])
    if g.chance(0.6):
        labels = [g.choice(range(classes)) for _ in range(n)]
        target, uses = f"torch.tensor({labels})", []
    else:  # probabilities (any non-negative weights), same dtype as the scores
        t = g.bounded(g.pick([v for v in g.vars.values() if v.shape == x.shape
                              and v.name != x.name]) or g.leaf(x.shape), 3.0)
        p = g.emit("softmax", f"torch.softmax({t.name}, dim=1)", [t], t.shape, bound=1.0)
        if p.dtype != x.dtype:
            p = g.emit("to", f"{p.name}.to({x.name}.dtype)", [p], p.shape, bound=1.0,
                       dtype=x.dtype)
        target, uses = p.name, [p]
    bound = (2 * x.bound + math.log(classes) + 1) * (n if reduction == "sum" else 1)
    g.emit("cross_entropy", f"torch.cross_entropy({x.name}, {target}, reduction={reduction!r})",
           [x, *uses], (n,) if reduction == "none" else (), bound=bound)


# ---------------------------------------------------------------------------------- reductions
def _dims(g: Gen, ndim: int) -> int | tuple[int, ...] | None:
    if ndim == 0:
        return g.choice([None, None, 0, -1])
    r = g.rng.random()
    if r < 0.35:
        return None
    if r < 0.8 or ndim == 1:
        return g.choice(range(-ndim, ndim))
    k = g.choice(range(2, ndim + 1))
    return tuple(sorted(g.rng.sample(range(ndim), k)))


def _reduced(shape: tuple[int, ...], dims: int | tuple[int, ...] | None, keepdim: bool
             ) -> tuple[int, ...]:
    if dims is None:
        return tuple(1 for _ in shape) if keepdim else ()
    if not shape:
        return ()
    axes = {d % len(shape) for d in ((dims,) if isinstance(dims, int) else dims)}
    if keepdim:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _reduction(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.tame(g.operand())
        dims = _dims(g, len(x.shape))
        keepdim = dims is not None and g.chance(0.4)
        if dims is None:
            expr = g.choice([f"{x.name}.{op}()", f"torch.{op}({x.name})"])
        elif keepdim:
            expr = g.choice([f"{x.name}.{op}({dims}, keepdim=True)",
                             f"torch.{op}({x.name}, dim={dims}, keepdim=True)"])
        else:
            expr = g.choice([f"{x.name}.{op}(dim={dims})", f"torch.{op}({x.name}, {dims})"])
        bound = x.bound * (x.numel if op == "sum" else 1)
        g.emit(op, expr, [x], _reduced(x.shape, dims, keepdim), bound=bound)
    return fn


def _extreme(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.tame(g.operand())
        g.emit(op, f"{x.name}.{op}()", [x], (), bound=x.bound)
    return fn


def _extreme_dim(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.tame(g.operand(min_ndim=1))
        d = g.choice(range(-len(x.shape), len(x.shape)))
        keepdim = g.chance(0.3)
        expr = (f"{x.name}.{op}({d}, keepdim=True)[0]" if keepdim
                else f"{x.name}.{op}(dim={d}).values")
        g.emit(f"{op}_dim", expr, [x], _reduced(x.shape, d, keepdim), bound=x.bound)
    return fn


def _softmax(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.bounded(g.operand(min_ndim=1), 20.0)
        d = g.choice(range(-len(x.shape), len(x.shape)))
        expr = g.choice([f"torch.{op}({x.name}, dim={d})", f"{x.name}.{op}({d})"])
        bound = 1.0 if op == "softmax" else 2 * x.bound + math.log(max(x.shape[d], 1)) + 1
        g.emit(op, expr, [x], x.shape, bound=bound)
    return fn


# ---------------------------------------------------------------------------------- shapes
def _factor(g: Gen, numel: int) -> tuple[int, ...]:
    dims: list[int] = []
    left = numel
    while left > 1:
        d = g.choice([k for k in range(2, left + 1) if left % k == 0])
        dims.append(d)
        left //= d
    for _ in range(g.choice([0, 0, 1])):
        dims.insert(g.choice(range(len(dims) + 1)), 1)
    g.rng.shuffle(dims)
    return tuple(dims)


def op_reshape(g: Gen) -> None:
    x = g.operand()
    shape = _factor(g, x.numel)
    spelled: tuple[int, ...] = shape
    if shape and g.chance(0.3):
        i = g.choice(range(len(shape)))
        spelled = shape[:i] + (-1,) + shape[i + 1:]
    forms = [f"{x.name}.reshape({spelled})", f"torch.reshape({x.name}, {spelled})"]
    if spelled:
        forms.append(f"{x.name}.reshape({', '.join(map(str, spelled))})")
    if x.contiguous:
        forms.append(f"{x.name}.view({spelled})")
        if len(shape) == 1:
            forms.append(f"{x.name}.flatten()")
    g.emit("reshape", g.choice(forms), [x], shape, bound=x.bound, alias_of=x,
           contiguous=x.contiguous, pos=x.pos)


def op_transpose(g: Gen) -> None:
    x = g.operand()
    nd = len(x.shape)
    if nd >= 2:
        d0, d1 = g.rng.sample(range(-nd, nd), 2)
        if d0 % nd == d1 % nd:
            d1 = (d0 + 1) % nd
        shape = list(x.shape)
        shape[d0 % nd], shape[d1 % nd] = shape[d1 % nd], shape[d0 % nd]
        forms = [f"{x.name}.transpose({d0}, {d1})", f"torch.transpose({x.name}, {d0}, {d1})"]
        if nd == 2:
            forms += [f"{x.name}.t()", f"{x.name}.T"]
        g.emit("permute", g.choice(forms), [x], tuple(shape), bound=x.bound, alias_of=x,
               contiguous=False, pos=x.pos)
    else:
        g.emit("permute", f"{x.name}.t()", [x], x.shape, bound=x.bound, alias_of=x,
               contiguous=x.contiguous, pos=x.pos)


def op_permute(g: Gen) -> None:
    x = g.operand(min_ndim=2)
    perm = list(range(len(x.shape)))
    g.rng.shuffle(perm)
    shape = tuple(x.shape[p] for p in perm)
    forms = [f"{x.name}.permute({', '.join(map(str, perm))})",
             f"torch.permute({x.name}, {tuple(perm)})"]
    g.emit("permute", g.choice(forms), [x], shape, bound=x.bound, alias_of=x, contiguous=False,
           pos=x.pos)


def op_squeeze(g: Gen) -> None:
    x = g.operand()
    nd = len(x.shape)
    if nd and g.chance(0.6):
        d = g.choice(range(-nd, nd))
        shape = tuple(s for i, s in enumerate(x.shape) if not (i == d % nd and s == 1))
        expr = g.choice([f"{x.name}.squeeze({d})", f"torch.squeeze({x.name}, {d})"])
    else:
        shape = tuple(s for s in x.shape if s != 1)
        expr = f"{x.name}.squeeze()"
    g.emit("reshape", expr, [x], shape, bound=x.bound, alias_of=x, contiguous=x.contiguous,
           pos=x.pos)


def op_unsqueeze(g: Gen) -> None:
    x = g.operand()
    nd = len(x.shape)
    d = g.choice(range(-nd - 1, nd + 1))
    shape = list(x.shape)
    shape.insert(d % (nd + 1), 1)
    expr = g.choice([f"{x.name}.unsqueeze({d})", f"torch.unsqueeze({x.name}, {d})"])
    g.emit("reshape", expr, [x], tuple(shape), bound=x.bound, alias_of=x,
           contiguous=x.contiguous, pos=x.pos)


def op_expand(g: Gen) -> None:
    x = g.operand(max_numel=8)
    spelled: list[int] = []
    shape: list[int] = []
    for s in x.shape:
        if s == 1:
            n = g.choice([1, 2, 3])
            shape.append(n)
            spelled.append(n)
        else:
            shape.append(s)
            spelled.append(g.choice([s, -1]))
    for _ in range(g.choice([0, 0, 1, 2])):
        n = g.choice([1, 2, 3])
        shape.insert(0, n)
        spelled.insert(0, n)
    if math.prod(shape) > MAX_NUMEL:
        return
    g.emit("expand", f"{x.name}.expand({', '.join(map(str, spelled))})" if spelled
           else f"{x.name}.expand(())", [x], tuple(shape), bound=x.bound, alias_of=x,
           contiguous=False, pos=x.pos)


def op_getitem(g: Gen) -> None:
    x = g.operand(min_ndim=1)
    parts: list[str] = []
    for s in x.shape:
        kind = g.weighted({"int": 1.0, "slice": 1.5, "all": 1.0})
        if kind == "int":
            parts.append(str(g.choice(range(-s, s))))
        elif kind == "slice":
            start = g.choice([None, 0, 1, -1, -2])
            stop = g.choice([None, None, 1, 2, -1])
            step = g.choice([None, None, 1, 2])
            parts.append(":".join("" if v is None else str(v) for v in (start, stop))
                         + ("" if step is None else f":{step}"))
        else:
            parts.append(":")
    while parts and parts[-1] == ":" and g.chance(0.5):
        parts.pop()
    if g.chance(0.2):
        parts.insert(g.choice(range(len(parts) + 1)), "None")
    if parts and g.chance(0.15):
        parts[0] = "..."
        if parts.count("...") > 1:
            return
    key = ", ".join(parts) if parts else "..."
    try:
        shape = eval(f"_a[{key}]", {"_a": np.zeros(x.shape)}).shape  # noqa: S307 - our own text
    except IndexError:
        return
    if 0 in shape:  # empty results are another test's subject
        return
    g.emit("getitem", f"{x.name}[{key}]", [x], tuple(shape), bound=x.bound, alias_of=x,
           contiguous=False, pos=x.pos)


def op_index(g: Gen) -> None:
    x = g.operand(min_ndim=1)
    nd = len(x.shape)
    dim = 0 if nd == 1 or g.chance(0.6) else 1
    n = x.shape[dim]
    idx = [g.choice(range(-n, n)) for _ in range(g.choice([1, 2, 3]))]
    key = f"torch.tensor({idx})" if dim == 0 else f":, torch.tensor({idx})"
    shape = eval(f"_a[{key.replace('torch.tensor', '_np.array')}]",  # noqa: S307
                 {"_a": np.zeros(x.shape), "_np": np}).shape
    g.emit("index", f"{x.name}[{key}]", [x], tuple(shape), bound=x.bound, pos=x.pos)


def op_cat(g: Gen) -> None:
    a = g.operand(min_ndim=1, max_numel=12)
    nd = len(a.shape)
    d = g.choice(range(-nd, nd))
    axis = d % nd
    parts = [a]
    for _ in range(g.choice([1, 1, 2])):
        cands = [v for v in g.vars.values() if len(v.shape) == nd and all(
            v.shape[i] == a.shape[i] for i in range(nd) if i != axis)]
        if cands and g.chance(0.5):
            parts.append(g.pick(cands))  # type: ignore[arg-type]
        else:
            shape = list(a.shape)
            shape[axis] = g.choice([1, 2])
            parts.append(g.leaf(tuple(shape)))
    shape = list(a.shape)
    shape[axis] = sum(p.shape[axis] for p in parts)
    if math.prod(shape) > MAX_NUMEL:
        return
    names = ", ".join(p.name for p in parts)
    g.emit("cat", f"torch.cat([{names}], dim={d})", parts, tuple(shape),
           bound=max(p.bound for p in parts), pos=all(p.pos for p in parts))


def op_stack(g: Gen) -> None:
    a = g.operand(max_numel=8)
    nd = len(a.shape)
    parts = [a]
    for _ in range(g.choice([1, 1, 2])):
        cands = [v for v in g.vars.values() if v.shape == a.shape]
        parts.append(g.pick(cands) if cands and g.chance(0.6) else g.leaf(a.shape))  # type: ignore[arg-type]
    d = g.choice(range(-nd - 1, nd + 1))
    shape = list(a.shape)
    shape.insert(d % (nd + 1), len(parts))
    names = ", ".join(p.name for p in parts)
    g.emit("stack", f"torch.stack([{names}], dim={d})", parts, tuple(shape),
           bound=max(p.bound for p in parts), pos=all(p.pos for p in parts))


# ---------------------------------------------------------------------------------- copies, dtypes
def op_clone(g: Gen) -> None:
    x = g.operand()
    expr = g.choice([f"{x.name}.clone()", f"torch.clone({x.name})"])
    g.emit("clone", expr, [x], x.shape, bound=x.bound, pos=x.pos)


def op_to(g: Gen) -> None:
    x = g.operand()
    if x.dtype == "float64":
        expr = g.choice([f"{x.name}.float()", f"{x.name}.to(torch.float32)"])
        dtype = "float32"
    else:
        expr = g.choice([f"{x.name}.double()", f"{x.name}.to(torch.float64)"])
        dtype = "float64"
    g.emit("to", expr, [x], x.shape, bound=x.bound, pos=x.pos, dtype=dtype)


def op_detach(g: Gen) -> None:
    x = g.operand()
    g.emit("", f"{x.name}.detach()", [x], x.shape, bound=x.bound, pos=x.pos, alias_of=x,
           contiguous=x.contiguous, differentiable=False)


# ---------------------------------------------------------------------------------- nn (nnlib)
# Small spatial inputs (numel <= MAX_NUMEL) through the neural-network functions; float64
# throughout (their PyTorch forms refuse mixed dtypes).  Dropout only with p = 1 (its mask
# would come from each backend's own generator), attention only in 2-D and 3-D (on 4-D input
# PyTorch's CPU kernel has no second derivative).
def _double(g: Gen, x: Var) -> Var:
    if x.dtype == "float64":
        return x
    return g.emit("to", f"{x.name}.double()", [x], x.shape, bound=x.bound, dtype="float64")


def _spatial(g: Gen, dims: int) -> Var:
    """An (N, C, *spatial) operand with ``dims`` spatial dims of size >= 2."""
    cands = [v for v in g.vars.values() if len(v.shape) == dims + 2
             and all(s >= 2 for s in v.shape[2:]) and v.numel <= MAX_NUMEL]
    if cands and g.chance(0.5):
        return _double(g, g.tame(g.pick(cands)))  # type: ignore[arg-type]
    while True:
        shape = ((g.choice([1, 2]), g.choice([1, 2]))
                 + tuple(g.choice([2, 3, 4]) for _ in range(dims)))
        if math.prod(shape) <= MAX_NUMEL:
            return g.leaf(shape)


def _constant(g: Gen, shape: tuple[int, ...], low: float = 0.5, high: float = 2.0) -> str:
    values = [g.number(low, high) for _ in range(math.prod(shape))]
    from .generator import nested

    return f"torch.tensor({nested(values, shape)}, dtype=torch.float64)"


def op_conv(g: Gen) -> None:
    kind = g.weighted({"conv2d": 2.0, "conv1d": 1.0, "conv_transpose2d": 1.0})
    dims = 1 if kind == "conv1d" else 2
    x = _spatial(g, dims)
    n, c, size = x.shape[0], x.shape[1], x.shape[2:]
    oc = g.choice([1, 2])
    kernel = tuple(g.choice([k for k in (1, 2, 3) if k <= s]) for s in size)
    stride, padding = g.choice([1, 1, 2]), g.choice([0, 0, 1])
    if kind == "conv_transpose2d":
        w = g.leaf((c, oc) + kernel)
        out = tuple((s - 1) * stride - 2 * padding + k for s, k in zip(size, kernel))
    else:
        padding = min(padding, min(kernel) - 1) if padding else 0
        w = g.leaf((oc, c) + kernel)
        out = tuple((s + 2 * padding - k) // stride + 1 for s, k in zip(size, kernel))
    shape = (n, oc) + out
    if min(out) < 1 or math.prod(shape) > MAX_NUMEL:
        return
    args, inputs = [x.name, w.name], [x, w]
    if g.chance(0.5):
        b = g.leaf((oc,))
        args.append(b.name)
        inputs.append(b)
    call = f"torch.{kind}({', '.join(args)}, stride={stride}, padding={padding})"
    bias = inputs[2].bound if len(inputs) > 2 else 0.0
    g.emit("convolution", call, inputs, shape,
           bound=x.bound * w.bound * c * math.prod(kernel) + bias)


def op_pool(g: Gen) -> None:
    kind = g.weighted({"max_pool2d": 2.0, "avg_pool2d": 1.5, "adaptive_avg_pool2d": 1.0})
    x = _spatial(g, 2)
    h, w = x.shape[2:]
    if kind == "adaptive_avg_pool2d":
        out = (g.choice(range(1, h + 1)), g.choice(range(1, w + 1)))
        g.emit(kind, f"torch.adaptive_avg_pool2d({x.name}, {out})", [x], x.shape[:2] + out,
               bound=x.bound)
        return
    k = g.choice([k for k in (2, 3) if k <= min(h, w)] or [2])
    stride = g.choice([1, 2, None])
    padding = g.choice([0, 0, 1])
    step = k if stride is None else stride
    out = tuple((s + 2 * padding - k) // step + 1 for s in (h, w))
    if min(out) < 1:
        return
    extra = f", stride={stride}" if stride is not None else ""
    g.emit(kind, f"torch.{kind}({x.name}, {k}{extra}, padding={padding})", [x],
           x.shape[:2] + out, bound=x.bound)


def op_norm(g: Gen) -> None:
    kind = g.weighted({"layer_norm": 2.0, "batch_norm": 1.0, "group_norm": 1.0})
    if kind == "layer_norm":
        # (over 2 or more elements: over one, x - mean is 0 up to rounding, which differs)
        cands = [v for v in g.vars.values() if v.shape and v.shape[-1] >= 2]
        x = _double(g, g.tame(g.pick(cands) if cands and g.chance(0.8)
                              else g.leaf((g.choice([1, 2]), g.choice([2, 3])))))
        d = x.shape[-1]
        if g.chance(0.5):
            w, b = g.leaf((d,)), g.leaf((d,))
            call = f"torch.layer_norm({x.name}, ({d},), {w.name}, {b.name})"
            g.emit(kind, call, [x, w, b], x.shape, bound=math.sqrt(d) * w.bound + b.bound)
        else:
            g.emit(kind, f"torch.layer_norm({x.name}, ({d},))", [x], x.shape,
                   bound=math.sqrt(d))
        return
    x = _spatial(g, 1)
    n, c, length = x.shape
    if kind == "batch_norm":
        if n * length < 2:
            return
        w, b = g.leaf((c,)), g.leaf((c,))
        g.emit(kind, f"torch.batch_norm({x.name}, None, None, {w.name}, {b.name}, True)",
               [x, w, b], x.shape, bound=math.sqrt(n * length) * w.bound + b.bound)
        return
    groups = g.choice([k for k in (1, 2) if c % k == 0])
    g.emit(kind, f"torch.group_norm({x.name}, {groups})", [x], x.shape,
           bound=math.sqrt(c // groups * length))


def op_embedding(g: Gen) -> None:
    rows, dim = g.choice([2, 3, 4]), g.choice([1, 2, 3])
    cands = [v for v in g.vars.values() if v.shape == (rows, dim)]
    w = _double(g, g.tame(g.pick(cands))) if cands and g.chance(0.5) else g.leaf((rows, dim))
    count = g.choice([1, 2, 3, 4])
    idx = [g.choice(range(rows)) for _ in range(count)]
    padding = f", padding_idx={g.choice(range(rows))}" if g.chance(0.3) else ""
    g.emit("embedding", f"torch.embedding(torch.tensor({idx}), {w.name}{padding})", [w],
           (count, dim), bound=w.bound)


def op_dropout(g: Gen) -> None:
    x = g.tame(g.operand())
    g.emit("dropout", f"torch.dropout({x.name}, 1.0)", [x], x.shape, bound=0.0)


def op_pad(g: Gen) -> None:
    x = g.tame(g.operand(min_ndim=2))
    if g.chance(0.6):
        widths = (g.choice([-1, 0, 1, 2]) if x.shape[-1] > 1 else g.choice([0, 1]),
                  g.choice([0, 1]))
        shape = x.shape[:-1] + (x.shape[-1] + sum(widths),)
        if shape[-1] < 1 or math.prod(shape) > MAX_NUMEL:
            return
        g.emit("pad", f"torch.pad({x.name}, {widths}, value={g.number()})", [x], shape,
               bound=max(x.bound, 2.0))
        return
    x = _double(g, x)
    mode = g.choice(["reflect", "replicate", "circular"])
    n = x.shape[-1]
    limit = n - 1 if mode == "reflect" else (n if mode == "circular" else 2)
    if limit < 1:
        return
    widths = (g.choice(range(limit + 1)), g.choice(range(limit + 1)))
    shape = x.shape[:-1] + (n + sum(widths),)
    if math.prod(shape) > MAX_NUMEL or len(x.shape) > 3:
        return
    g.emit("pad", f"torch.pad({x.name}, {widths}, mode={mode!r})", [x], shape, bound=x.bound)


def op_interpolate(g: Gen) -> None:
    dims = g.choice([1, 2])
    x = _spatial(g, dims)
    mode = g.choice(["nearest", "linear" if dims == 1 else "bilinear"])
    out = tuple(g.choice([1, 2, 3, 4, 5]) for _ in range(dims))
    if math.prod(x.shape[:2] + out) > MAX_NUMEL:
        return
    size = out[0] if dims == 1 else out
    corners = ", align_corners=True" if mode != "nearest" and g.chance(0.3) else ""
    g.emit("interpolate", f"torch.interpolate({x.name}, size={size}, mode={mode!r}{corners})",
           [x], x.shape[:2] + out, bound=x.bound)


def op_attention(g: Gen) -> None:
    batch = () if g.chance(0.5) else (g.choice([1, 2]),)
    length, source, e, ev = (g.choice([1, 2, 3]) for _ in range(4))
    q, k, v = (g.leaf(batch + shape) for shape in ((length, e), (source, e), (source, ev)))
    causal = ", is_causal=True" if length == source and g.chance(0.3) else ""
    g.emit("scaled_dot_product_attention",
           f"torch.scaled_dot_product_attention({q.name}, {k.name}, {v.name}{causal})",
           [q, k, v], batch + (length, ev), bound=v.bound)


def op_nll_loss(g: Gen) -> None:
    x = g.pick([v for v in g.vars.values() if len(v.shape) == 2]) if g.chance(0.6) else None
    x = _double(g, g.tame(x or g.leaf((g.choice([1, 2, 3]), g.choice([2, 3])))))
    n, classes = x.shape
    labels = [g.choice(range(classes)) for _ in range(n)]
    reduction = g.choice(["mean", "sum", "none"])
    ignore = f", ignore_index={labels[0]}" if n > 1 and g.chance(0.3) else ""
    g.emit("nll_loss", f"torch.nll_loss({x.name}, torch.tensor({labels}){ignore}, "
           f"reduction={reduction!r})", [x], (n,) if reduction == "none" else (),
           bound=x.bound * (n if reduction == "sum" else 1))


def op_pairwise_loss(g: Gen) -> None:
    kind = g.weighted({"mse_loss": 1.0, "smooth_l1_loss": 1.0, "huber_loss": 1.0,
                       "binary_cross_entropy_with_logits": 1.0})
    x = _double(g, g.bounded(g.operand(), 20.0))
    cands = [v for v in g.vars.values() if v.shape == x.shape and v.name != x.name]
    y = _double(g, g.bounded(g.pick(cands) if cands and g.chance(0.6) else g.leaf(x.shape),
                             20.0))
    reduction = g.choice(["mean", "sum", "none"])
    extra = ""
    if kind == "smooth_l1_loss":
        extra = f", beta={g.choice([0.5, 1.0, 2.0])}"
    elif kind == "huber_loss":
        extra = f", delta={g.choice([0.5, 1.0, 2.0])}"
    elif x.shape and g.chance(0.4):
        extra = f", pos_weight={_constant(g, x.shape[-1:])}"
    per = (x.bound + y.bound) ** 2 if kind == "mse_loss" else (x.bound + 2) * (y.bound + 3)
    g.emit(kind, f"torch.{kind}({x.name}, {y.name}, reduction={reduction!r}{extra})",
           [x, y], x.shape if reduction == "none" else (),
           bound=per * (x.numel if reduction == "sum" else 1))


OPS: dict[str, OpGen] = {
    "neg": OpGen(_unary("neg", lambda b: b, ("-{x}", "torch.neg({x})")), "neg",
                 ("neg", "Tensor.__neg__")),
    "abs": OpGen(_unary("abs", lambda b: b, _forms("abs")), "abs", _needs("abs")),
    "sin": OpGen(_unary("sin", lambda b: 1.0, _forms("sin")), "sin", _needs("sin")),
    "cos": OpGen(_unary("cos", lambda b: 1.0, _forms("cos")), "cos", _needs("cos")),
    "sigmoid": OpGen(_unary("sigmoid", lambda b: 1.0, _forms("sigmoid")), "sigmoid",
                     _needs("sigmoid")),
    "tanh": OpGen(_unary("tanh", lambda b: 1.0, _forms("tanh")), "tanh", _needs("tanh")),
    "relu": OpGen(_unary("relu", lambda b: b, _forms("relu")), "relu", _needs("relu")),
    "sign": OpGen(_unary("sign", lambda b: 1.0, _forms("sign")), "sign", _needs("sign"), 0.3),
    "exp": OpGen(_unary("exp", math.exp, _forms("exp"), "bounded"), "exp", _needs("exp")),
    "log": OpGen(_unary("log", lambda b: max(abs(math.log(0.5)), math.log(max(b, 1.0))),
                        _forms("log"), "positive"), "log", _needs("log")),
    "sqrt": OpGen(_unary("sqrt", math.sqrt, _forms("sqrt"), "positive"), "sqrt",
                  _needs("sqrt")),
    "pow": OpGen(op_pow, "pow", ("pow", "Tensor.pow", "Tensor.__pow__")),
    "rpow": OpGen(op_rpow, "rpow", ("pow", "Tensor.__rpow__"), 0.5),
    "pow_tensor": OpGen(op_pow_tensor, "pow_tensor", ("pow", "Tensor.pow", "Tensor.__pow__"),
                        0.5),
    "clamp": OpGen(op_clamp, "clamp", _needs("clamp")),
    "add": OpGen(_binary("add", "+", "add"), "add",
                 ("add", "Tensor.add", "Tensor.__add__", "Tensor.__radd__"), 2.0),
    "sub": OpGen(_binary("sub", "-", "sub"), "sub",
                 ("sub", "Tensor.sub", "Tensor.__sub__", "Tensor.__rsub__"), 1.5),
    "mul": OpGen(_binary("mul", "*", "mul"), "mul",
                 ("mul", "Tensor.mul", "Tensor.__mul__", "Tensor.__rmul__"), 2.0),
    "div": OpGen(_binary("div", "/", "div"), "div",
                 ("div", "Tensor.div", "Tensor.__truediv__", "Tensor.__rtruediv__")),
    "maximum": OpGen(_select("maximum"), "maximum", ("maximum",), 0.5),
    "minimum": OpGen(_select("minimum"), "minimum", ("minimum",), 0.5),
    "where": OpGen(op_where, "where", ("where", "Tensor.__gt__")),
    "matmul": OpGen(op_matmul, "matmul", ("matmul", "Tensor.matmul", "Tensor.__matmul__"), 1.5),
    "linear": OpGen(op_linear, "linear", ("linear",), 0.7),
    "binary_cross_entropy": OpGen(op_binary_cross_entropy, "binary_cross_entropy",
                                  ("binary_cross_entropy", "sigmoid"), 0.5),
    "cross_entropy": OpGen(op_cross_entropy, "cross_entropy",
                           ("cross_entropy", "tensor", "softmax"), 0.5),
    "sum": OpGen(_reduction("sum"), "sum", _needs("sum"), 1.5),
    "mean": OpGen(_reduction("mean"), "mean", _needs("mean")),
    "max": OpGen(_extreme("max"), "max", ("Tensor.max",), 0.5),
    "min": OpGen(_extreme("min"), "min", ("Tensor.min",), 0.5),
    "max_dim": OpGen(_extreme_dim("max"), "max_dim", ("Tensor.max",), 0.5),
    "min_dim": OpGen(_extreme_dim("min"), "min_dim", ("Tensor.min",), 0.5),
    "softmax": OpGen(_softmax("softmax"), "softmax", _needs("softmax"), 0.7),
    "log_softmax": OpGen(_softmax("log_softmax"), "log_softmax", _needs("log_softmax"), 0.7),
    "reshape": OpGen(op_reshape, "reshape", ("reshape", "Tensor.reshape", "Tensor.view",
                                             "Tensor.flatten"), view=True),
    "transpose": OpGen(op_transpose, "permute", ("transpose", "Tensor.transpose", "Tensor.t",
                                                 "Tensor.T"), view=True),
    "permute": OpGen(op_permute, "permute", ("permute", "Tensor.permute"), 0.5, view=True),
    "squeeze": OpGen(op_squeeze, "reshape", ("squeeze", "Tensor.squeeze"), 0.7, view=True),
    "unsqueeze": OpGen(op_unsqueeze, "reshape", ("unsqueeze", "Tensor.unsqueeze"), 0.7,
                       view=True),
    "expand": OpGen(op_expand, "expand", ("Tensor.expand",), 0.7, view=True),
    "getitem": OpGen(op_getitem, "getitem", ("Tensor.__getitem__",), 1.0, view=True),
    "index": OpGen(op_index, "index", ("tensor", "Tensor.__getitem__"), 0.7),
    "cat": OpGen(op_cat, "cat", ("cat",), 0.7),
    "stack": OpGen(op_stack, "stack", ("stack",), 0.7),
    "clone": OpGen(op_clone, "clone", ("clone", "Tensor.clone"), 0.5),
    "to": OpGen(op_to, "to", ("float32", "Tensor.float", "Tensor.double", "Tensor.to"), 0.4),
    "detach": OpGen(op_detach, "", ("Tensor.detach",), 0.5, view=True),
    # nnlib
    "convolution": OpGen(op_conv, "convolution",
                         ("conv1d", "conv2d", "conv_transpose2d", "Tensor.double"), 0.4),
    "pooling": OpGen(op_pool, "max_pool2d",
                     ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "Tensor.double"), 0.4),
    "normalization": OpGen(op_norm, "layer_norm",
                           ("layer_norm", "batch_norm", "group_norm", "Tensor.double"), 0.4),
    "embedding": OpGen(op_embedding, "embedding", ("embedding", "tensor", "Tensor.double"), 0.2),
    "dropout": OpGen(op_dropout, "dropout", ("dropout",), 0.1),
    "pad": OpGen(op_pad, "pad", ("pad", "Tensor.double"), 0.2),
    "interpolate": OpGen(op_interpolate, "interpolate", ("interpolate", "Tensor.double"), 0.2),
    "attention": OpGen(op_attention, "scaled_dot_product_attention",
                       ("scaled_dot_product_attention",), 0.2),
    "nll_loss": OpGen(op_nll_loss, "nll_loss", ("nll_loss", "tensor", "Tensor.double"), 0.2),
    "pairwise_loss": OpGen(op_pairwise_loss, "mse_loss",
                           ("mse_loss", "smooth_l1_loss", "huber_loss",
                            "binary_cross_entropy_with_logits", "tensor", "Tensor.double"), 0.4),
}


# ---------------------------------------------------------------------------------- ops (issue 12)
# Ops whose outcome on ties is PyTorch's implementation detail (sort, topk, kthvalue and
# median along a dim route the gradient to whichever tied element they return) are left out:
# their gradient node ("gather") is fuzzed through gather itself.
def _activation(op: str, bound: Callable[[float], float], args: tuple[str, ...] = ("",)
                ) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.bounded(g.operand(), 20.0)
        extra = g.choice(args)
        g.emit(_REGISTRY.get(op, op), f"torch.{op}({x.name}{extra})", [x], x.shape,
               bound=bound(x.bound))
    return fn


_REGISTRY = {"selu": "elu"}


def op_rounding(g: Gen) -> None:
    x = g.tame(g.operand())
    op = g.choice(["floor", "ceil", "round", "trunc"])
    g.emit(op, g.choice([f"torch.{op}({x.name})", f"{x.name}.{op}()"]), [x], x.shape,
           bound=x.bound + 1.0)


def op_atan2(g: Gen) -> None:
    a = g.tame(g.operand())
    b = g.partner(a, allow_scalar=False)
    assert isinstance(b, Var)
    b = g.positive(g.tame(b))  # away from the origin and the branch cut
    g.emit("atan2", g.choice([f"torch.atan2({a.name}, {b.name})", f"{a.name}.atan2({b.name})"]),
           [a, b], broadcast(a.shape, b.shape) or a.shape, bound=math.pi)


def _modulo(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        a = g.tame(g.operand())
        b: Var | float = g.partner(a)
        if isinstance(b, Var):
            b = g.positive(g.bounded(b, 30.0))
        bound = _bound(b) if op == "remainder" else a.bound
        shape = broadcast(a.shape, _shape(b)) or a.shape
        g.emit(op, g.choice([f"torch.{op}({a.name}, {src(b)})", f"{a.name}.{op}({src(b)})"]),
               [a, b], shape, bound=bound)
    return fn


def _clamp_side(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        a = g.tame(g.operand())
        b: Var | float = g.partner(a)
        if isinstance(b, Var):
            b = g.tame(b)
        shape = broadcast(a.shape, _shape(b)) or a.shape
        g.emit(op, g.choice([f"torch.{op}({a.name}, {src(b)})", f"{a.name}.{op}({src(b)})"]),
               [a, b], shape, bound=max(a.bound, _bound(b)))
    return fn


def op_lerp(g: Gen) -> None:
    a = g.tame(g.operand())
    cands = [v for v in g.vars.values() if v.shape == a.shape and v.name != a.name
             and v.dtype == a.dtype]
    b = g.tame(g.pick(cands)) if cands and g.chance(0.6) else g.leaf(a.shape)
    if b.dtype != a.dtype:
        return
    w = g.choice([0.25, 0.5, 0.75, -0.5, 1.5])
    g.emit("lerp", f"torch.lerp({a.name}, {b.name}, {w})", [a, b], a.shape,
           bound=2.5 * max(a.bound, b.bound))


def _dim(g: Gen, ndim: int) -> int:
    return g.choice(range(-ndim, ndim)) if ndim else g.choice([0, -1])


def _spread(g: Gen, x: Var, pos: bool = False) -> Var:
    """``x`` plus distinct multiples of 0.37: no ties, no constant slices (the points where
    std's and the inf-norm's gradients are PyTorch's conventions, not derivatives)."""
    return g.emit("add", f"{x.name} + torch.arange({x.numel}, dtype=torch.float64)"
                  f".reshape({x.shape}) * 0.37", [x], x.shape, bound=x.bound + 0.37 * x.numel,
                  pos=pos, dtype="float64")


def op_moments(g: Gen) -> None:
    x = g.bounded(g.operand(min_ndim=1), 30.0)
    if x.numel < 2:
        return
    op = g.choice(["var", "std"])
    if op == "std":
        x = _spread(g, x)
    if g.chance(0.4):
        expr = g.choice([f"{x.name}.{op}()", f"torch.{op}({x.name}, correction=0)"])
        shape: tuple[int, ...] = ()
    else:
        d = _dim(g, len(x.shape))
        if x.shape[d] < 2:
            return
        keep = g.chance(0.3)
        expr = f"{x.name}.{op}({d}, keepdim={keep})"
        shape = _reduced(x.shape, d, keep)
    g.emit(op, expr, [x], shape, bound=x.bound * x.bound * x.numel + 1)


def op_logsumexp(g: Gen) -> None:
    x = g.bounded(g.operand(min_ndim=1), 20.0)
    d = _dim(g, len(x.shape))
    keep = g.chance(0.3)
    g.emit("logsumexp", g.choice([f"torch.logsumexp({x.name}, {d}, keepdim={keep})",
                                  f"{x.name}.logsumexp({d}, keepdim={keep})"]),
           [x], _reduced(x.shape, d, keep), bound=x.bound + math.log(max(x.numel, 1)) + 1)


def _amax(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.tame(g.operand())
        if x.numel == 0:
            return
        if g.chance(0.4) or not x.shape:
            g.emit(op, f"{x.name}.{op}()", [x], (), bound=x.bound)
            return
        d = _dim(g, len(x.shape))
        keep = g.chance(0.3)
        g.emit(op, f"torch.{op}({x.name}, {d}, keepdim={keep})", [x],
               _reduced(x.shape, d, keep), bound=x.bound)
    return fn


def op_prod(g: Gen) -> None:
    x = g.bounded(g.operand(max_numel=8), 2.0)
    if g.chance(0.4) or not x.shape:
        g.emit("prod", g.choice([f"{x.name}.prod()", f"torch.prod({x.name})"]), [x], (),
               bound=x.bound ** max(x.numel, 1) + 1)
        return
    d = _dim(g, len(x.shape))
    keep = g.chance(0.3)
    g.emit("prod", f"{x.name}.prod({d}, keepdim={keep})", [x], _reduced(x.shape, d, keep),
           bound=x.bound ** x.shape[d] + 1)


def op_median(g: Gen) -> None:
    x = g.tame(g.operand())
    if x.numel == 0:
        return
    g.emit("median", g.choice([f"{x.name}.median()", f"torch.median({x.name})"]), [x], (),
           bound=x.bound)


def _scan(op: str) -> Callable[[Gen], None]:
    def fn(g: Gen) -> None:
        x = g.bounded(g.operand(max_numel=12), 2.0 if op == "cumprod" else MAX_BOUND)
        d = _dim(g, len(x.shape))
        n = x.shape[d] if x.shape else 1
        bound = x.bound * n if op == "cumsum" else max(x.bound, 1.0) ** n
        g.emit(op, g.choice([f"torch.{op}({x.name}, {d})", f"{x.name}.{op}(dim={d})"]), [x],
               x.shape, bound=bound)
    return fn


def op_flip(g: Gen) -> None:
    x = g.operand(min_ndim=1)
    dims = tuple(sorted(g.rng.sample(range(len(x.shape)), g.choice(range(1, len(x.shape) + 1)))))
    g.emit("flip", g.choice([f"torch.flip({x.name}, {dims})", f"{x.name}.flip({dims})"]), [x],
           x.shape, bound=x.bound, pos=x.pos)


def op_roll(g: Gen) -> None:
    x = g.operand()
    if g.chance(0.4) or not x.shape:
        expr = f"torch.roll({x.name}, {g.choice([1, -1, 2])})"
    else:
        d = _dim(g, len(x.shape))
        expr = f"{x.name}.roll({g.choice([1, -1, 2])}, {d})"
    g.emit("roll", expr, [x], x.shape, bound=x.bound, pos=x.pos)


def op_repeat(g: Gen) -> None:
    x = g.operand(max_numel=6)
    reps = [g.choice([1, 1, 2]) for _ in x.shape]
    if g.chance(0.3):
        reps.insert(0, 2)
    shape = tuple(r * s for r, s in zip(reps, (1,) * (len(reps) - len(x.shape)) + x.shape))
    if math.prod(shape) > MAX_NUMEL or not reps:
        return
    expr = (f"{x.name}.repeat({', '.join(map(str, reps))})" if g.chance(0.6)
            else f"torch.tile({x.name}, {tuple(reps)})")
    g.emit("repeat", expr, [x], shape, bound=x.bound, pos=x.pos)


def op_split(g: Gen) -> None:
    x = g.operand(min_ndim=1)
    d = g.choice(range(len(x.shape)))
    n = x.shape[d]
    kind = g.choice(["split", "chunk", "unbind"])
    if kind == "unbind":
        i = g.choice(range(n))
        expr, shape = f"{x.name}.unbind({d})[{i}]", x.shape[:d] + x.shape[d + 1:]
    else:
        size = g.choice(range(1, n + 1))
        pieces = [min(size, n - s) for s in range(0, n, size)]
        i = g.choice(range(len(pieces)))
        expr = (f"{x.name}.split({size}, {d})[{i}]" if kind == "split"
                else f"torch.chunk({x.name}, {len(pieces)}, {d})[{i}]")
        if kind == "chunk":  # chunk's piece size is ceil(n / chunks): may differ from size
            step = max(-(-n // len(pieces)), 1)
            pieces = [min(step, n - s) for s in range(0, n, step)]
            if i >= len(pieces):
                return
        shape = x.shape[:d] + (pieces[i],) + x.shape[d + 1:]
    g.emit("split", expr, [x], shape, bound=x.bound, alias_of=x, contiguous=False, pos=x.pos)


def op_movedim(g: Gen) -> None:
    x = g.operand(min_ndim=2)
    nd = len(x.shape)
    s, t = g.choice(range(nd)), g.choice(range(nd))
    if g.chance(0.5):
        order = [d for d in range(nd) if d != s]
        order.insert(t, s)
        expr = f"torch.movedim({x.name}, {s}, {t})"
    else:
        order = list(range(nd))
        order[s], order[t] = order[t], order[s]
        expr = f"{x.name}.swapaxes({s}, {t})"
    g.emit("permute", expr, [x], tuple(x.shape[o] for o in order), bound=x.bound, alias_of=x,
           contiguous=False, pos=x.pos)


def op_matrix_part(g: Gen) -> None:
    x = g.operand(min_ndim=2)
    op = g.choice(["tril", "triu", "trace"])
    k = g.choice([0, 0, 1, -1])
    if op in ("tril", "triu"):
        g.emit(op, f"torch.{op}({x.name}, {k})", [x], x.shape, bound=x.bound)
        return
    if op == "trace":
        if len(x.shape) != 2:
            return
        g.emit("trace", f"torch.trace({x.name})", [x], (), bound=x.bound * min(x.shape))


def op_diagonal(g: Gen) -> None:
    x = g.operand(min_ndim=2)
    k = g.choice([0, 0, 1, -1])
    n, m = x.shape[0], x.shape[1]
    length = max(min(n, m - k), 0) if k >= 0 else max(min(n + k, m), 0)
    if not length:
        return
    g.emit("diagonal", f"{x.name}.diagonal({k})", [x], x.shape[2:] + (length,), bound=x.bound,
           alias_of=x, contiguous=False, pos=x.pos)


def op_diag_embed(g: Gen) -> None:
    x = g.operand(min_ndim=1, max_numel=6)
    n = x.shape[-1]
    if math.prod(x.shape) * n > MAX_NUMEL:
        return
    g.emit("diag_embed", f"torch.diag_embed({x.name})", [x], x.shape + (n,), bound=x.bound)


def op_vector_norm(g: Gen) -> None:
    x = g.bounded(g.operand(), 30.0)
    order = g.choice([2, 2, 1, 3, "float('inf')"])
    if order in (1, "float('inf')"):  # kinks at 0 and ties: away from both
        x = g.positive(x)
    if order == "float('inf')" and x.numel > 1:
        x = _spread(g, x, pos=True)
    if x.shape and g.chance(0.5):
        d = _dim(g, len(x.shape))
        g.emit("vector_norm", f"torch.linalg.vector_norm({x.name}, {order}, {d})", [x],
               _reduced(x.shape, d, False), bound=x.bound * x.numel)
        return
    g.emit("vector_norm", g.choice([f"torch.linalg.vector_norm({x.name}, {order})",
                                    f"{x.name}.norm()" if order == 2 else
                                    f"torch.linalg.vector_norm({x.name}, {order})"]),
           [x], (), bound=x.bound * x.numel)


def op_addmm(g: Gen) -> None:
    a = g.tame(g.operand(min_ndim=2))
    if len(a.shape) != 2 or a.dtype != "float64":
        return
    n, k = a.shape
    p = g.choice([1, 2, 3])
    b = g.leaf((k, p))
    c = g.leaf(g.choice([(n, p), (p,), (1, p)]))
    g.emit("baddbmm", f"torch.addmm({c.name}, {a.name}, {b.name}, alpha={g.choice([1, 0.5])})",
           [c, a, b], (n, p), bound=c.bound + a.bound * b.bound * k)


def _index_literal(g: Gen, shape: tuple[int, ...], size: int, distinct_along: int | None = None
                   ) -> str:
    if distinct_along is None:
        values = [g.choice(range(size)) for _ in range(math.prod(shape))]
        return nested(values, shape)
    # distinct along the axis: elements that differ only there never hit one position
    d = distinct_along
    values = [0] * math.prod(shape)
    stride = math.prod(shape[d + 1:])
    for outer in range(math.prod(shape[:d])):
        for inner in range(stride):
            picks = g.rng.sample(range(size), shape[d])
            for k, v in enumerate(picks):
                values[(outer * shape[d] + k) * stride + inner] = v
    return nested(values, shape)


def op_gather(g: Gen) -> None:
    x = g.operand(min_ndim=1)
    nd = len(x.shape)
    d = g.choice(range(nd))
    ishape = tuple(g.choice(range(1, s + 1)) if i != d else g.choice([1, 2, 3])
                   for i, s in enumerate(x.shape))
    literal = _index_literal(g, ishape, x.shape[d])
    g.emit("gather", g.choice([f"torch.gather({x.name}, {d}, torch.tensor({literal}))",
                               f"{x.name}.gather({d}, torch.tensor({literal}))"]),
           [x], ishape, bound=x.bound, pos=x.pos)


def op_scatter_add(g: Gen) -> None:
    x = g.tame(g.operand(min_ndim=1))
    nd = len(x.shape)
    d = g.choice(range(nd))
    src = g.leaf(tuple(g.choice(range(1, s + 1)) for s in x.shape))
    literal = _index_literal(g, src.shape, x.shape[d])
    g.emit("scatter_add", f"{x.name}.scatter_add({d}, torch.tensor({literal}), {src.name})",
           [x, src], x.shape, bound=x.bound + src.bound * src.numel)


def op_scatter(g: Gen) -> None:
    x = g.tame(g.operand(min_ndim=1))
    nd = len(x.shape)
    d = g.choice(range(nd))
    ishape = tuple(g.choice(range(1, s + 1)) for s in x.shape)
    literal = _index_literal(g, ishape, x.shape[d], distinct_along=d)
    if g.chance(0.4):
        g.emit("scatter", f"{x.name}.scatter({d}, torch.tensor({literal}), 0.5)", [x], x.shape,
               bound=max(x.bound, 0.5))
        return
    src = g.leaf(ishape)
    g.emit("scatter", f"torch.scatter({x.name}, {d}, torch.tensor({literal}), {src.name})",
           [x, src], x.shape, bound=max(x.bound, src.bound))


def op_masked_fill(g: Gen) -> None:
    x = g.tame(g.operand())
    c = g.partner(x, allow_scalar=False)
    assert isinstance(c, Var)
    if broadcast(x.shape, c.shape) != x.shape:
        c = x
    g.emit("masked_fill", f"{x.name}.masked_fill({c.name} > 0, {g.scalar()})", [x], x.shape,
           bound=max(x.bound, 3.0), uses=[c])


ISSUE_12 = {
    "log1p": OpGen(_unary("log1p", lambda b: math.log1p(b), _forms("log1p"), "positive"),
                   "log1p", _needs("log1p"), 0.3),
    "expm1": OpGen(_unary("expm1", math.exp, _forms("expm1"), "bounded"), "expm1",
                   _needs("expm1"), 0.3),
    "rsqrt": OpGen(_unary("rsqrt", lambda b: 1.5, _forms("rsqrt"), "positive"), "rsqrt",
                   _needs("rsqrt"), 0.3),
    "reciprocal": OpGen(_unary("reciprocal", lambda b: 2.0, _forms("reciprocal"), "positive"),
                        "reciprocal", _needs("reciprocal"), 0.3),
    "erf": OpGen(_unary("erf", lambda b: 1.0, _forms("erf")), "erf", _needs("erf"), 0.3),
    "square": OpGen(_unary("pow", lambda b: b * b, _forms("square"), "bounded"), "pow",
                    _needs("square"), 0.2),
    "rounding": OpGen(op_rounding, "floor", ("floor", "ceil", "round", "trunc", "Tensor.floor",
                                             "Tensor.ceil", "Tensor.round", "Tensor.trunc"), 0.6),
    "atan2": OpGen(op_atan2, "atan2", ("atan2", "Tensor.atan2"), 0.3),
    "remainder": OpGen(_modulo("remainder"), "remainder", _needs("remainder"), 0.2),
    "fmod": OpGen(_modulo("fmod"), "fmod", _needs("fmod"), 0.2),
    "clamp_min": OpGen(_clamp_side("clamp_min"), "clamp_min", _needs("clamp_min"), 0.2),
    "clamp_max": OpGen(_clamp_side("clamp_max"), "clamp_max", _needs("clamp_max"), 0.2),
    "lerp": OpGen(op_lerp, "lerp", ("lerp",), 0.2),
    "softplus": OpGen(_activation("softplus", lambda b: b + 1.0, ("", ", 2.0, 1.0")),
                      "softplus", ("softplus",), 0.2),
    "gelu": OpGen(_activation("gelu", lambda b: b, ("", ", approximate='tanh'")), "gelu",
                  ("gelu",), 0.2),
    "leaky_relu": OpGen(_activation("leaky_relu", lambda b: b, ("", ", 0.2")), "leaky_relu",
                        ("leaky_relu",), 0.2),
    "elu": OpGen(_activation("elu", lambda b: b + 1.0), "elu", ("elu",), 0.2),
    "selu": OpGen(_activation("selu", lambda b: 1.1 * b + 2.0), "elu", ("selu",), 0.1),
    "silu": OpGen(_activation("silu", lambda b: b), "silu", ("silu",), 0.2),
    "mish": OpGen(_activation("mish", lambda b: b), "mish", ("mish",), 0.2),
    "hardtanh": OpGen(_activation("hardtanh", lambda b: 1.0), "hardtanh", ("hardtanh",), 0.2),
    "logsigmoid": OpGen(_activation("logsigmoid", lambda b: b + 1.0), "logsigmoid",
                        ("logsigmoid",), 0.2),
    "moments": OpGen(op_moments, "var", ("var", "std", "Tensor.var", "Tensor.std", "arange",
                                         "Tensor.reshape"), 0.3),
    "logsumexp": OpGen(op_logsumexp, "logsumexp", _needs("logsumexp"), 0.2),
    "amax": OpGen(_amax("amax"), "amax", _needs("amax"), 0.2),
    "amin": OpGen(_amax("amin"), "amin", _needs("amin"), 0.2),
    "prod": OpGen(op_prod, "prod", _needs("prod"), 0.2),
    "median": OpGen(op_median, "median", _needs("median"), 0.2),
    "cumsum": OpGen(_scan("cumsum"), "cumsum", _needs("cumsum"), 0.2),
    "cumprod": OpGen(_scan("cumprod"), "cumprod", _needs("cumprod"), 0.2),
    "flip": OpGen(op_flip, "flip", _needs("flip"), 0.2),
    "roll": OpGen(op_roll, "roll", _needs("roll"), 0.2),
    "repeat": OpGen(op_repeat, "repeat", ("Tensor.repeat", "tile"), 0.2),
    "split": OpGen(op_split, "split", ("Tensor.split", "chunk", "Tensor.unbind"), 0.3,
                   view=True),
    "movedim": OpGen(op_movedim, "permute", ("movedim", "Tensor.swapaxes"), 0.2, view=True),
    "matrix_part": OpGen(op_matrix_part, "tril", ("tril", "triu", "trace"), 0.3),
    "diagonal": OpGen(op_diagonal, "diagonal", ("Tensor.diagonal",), 0.2, view=True),
    "diag_embed": OpGen(op_diag_embed, "diag_embed", ("diag_embed",), 0.3),
    "vector_norm": OpGen(op_vector_norm, "vector_norm", ("linalg.vector_norm", "Tensor.norm",
                                                         "arange", "Tensor.reshape"), 0.3),
    "addmm": OpGen(op_addmm, "baddbmm", ("addmm",), 0.2),
    "gather": OpGen(op_gather, "gather", ("gather", "Tensor.gather", "tensor"), 0.2),
    "scatter_add": OpGen(op_scatter_add, "scatter_add", ("Tensor.scatter_add", "tensor"), 0.2),
    "scatter": OpGen(op_scatter, "scatter", ("scatter", "Tensor.scatter", "tensor"), 0.2),
    "masked_fill": OpGen(op_masked_fill, "masked_fill", ("Tensor.masked_fill", "Tensor.__gt__"),
                         0.2),
}
OPS.update(ISSUE_12)

#: registry ops no program uses, and why (their conformance op cases check them: OPS-1 to 3).
#: A new entry in `OPS` changes the program of every seed, so the campaign's pinned seeds
#: (tests/test_fuzz_machinery.py) would have to be found again.  A generator for these (each op
#: of ``x @ x.mT / m + torch.eye(n)``: eigenvalues in [1, 2]) ran once, outside the table:
#: seeds 0-399 agreed with PyTorch on numpy, every one of the five ops used.
NOT_FUZZED = {
    op: "square-matrix ops need well-conditioned inputs (x x^T / m + I); added after the "
        "campaign's seeds were pinned"
    for op in ("linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve", "linalg_cholesky")
} | {
    op: "decompositions return vectors unique only up to sign, which LAPACK builds choose "
        "differently; added after the campaign's seeds were pinned"
    for op in ("linalg_qr", "linalg_eigh", "linalg_svd")
} | {
    "scatter_reduce": "added after the campaign's seeds were pinned (it would change them)",
}

"""The generator's statements beyond plain ops: in-place updates, retain_grad, no_grad sections,
backward (scalar, weighted, several outputs, ``inputs=``, ``create_graph``), autograd.grad
(with ``create_graph`` and a second-order step), repeated backward with and without
``retain_graph``, and the misuse the contract defines an outcome for (in-place on a leaf that
requires grad, backward of a tensor that does not require grad)."""

from __future__ import annotations

import math

from .generator import Gen, Var, broadcast, nested
from .program import Stmt


def step(g: Gen) -> None:
    """One random step: usually an op, sometimes one of the other statements."""
    if g.last_backward is not None and g.chance(0.25):
        _repeat_backward(g)
        return
    table = {"op": 10.0, "leaf": 0.6, "retain_grad": 0.8, "no_grad": 0.7, "backward": 1.6,
             "grad": 1.2, "zero_grad": 0.3, "grad_attr": 0.3}
    if "inplace" in g.caps:
        table.update(inplace=1.6, leaf_inplace=0.5)
    kind = g.weighted(table)
    if kind == "op":
        op(g)
    elif kind == "leaf":
        g.leaf(g.shape())
    elif kind == "no_grad":
        g.no_grad = g.rng.randint(1, 3)
    else:
        {"retain_grad": retain_grad, "backward": backward, "grad": grad,
         "zero_grad": zero_grad, "grad_attr": grad_attr, "inplace": inplace,
         "leaf_inplace": leaf_inplace}[kind](g)


def finish(g: Gen) -> None:
    """Most programs end with a backward of their latest tensor that requires grad."""
    g.no_grad = 0
    if g.chance(0.85):
        cands = [v for v in g.vars.values() if v.rg]
        if cands:
            _backward_of(g, [cands[-1]], retain=g.chance(0.2), create=False)


def op(g: Gen) -> None:
    names = [n for n, spec in g.ops.items() if not (g.no_grad and spec.view)]
    spec = g.ops[g.weighted({n: g.ops[n].weight for n in names})]
    spec.fn(g)


def _wrap(g: Gen, code: str, tags: set[str]) -> str:
    """Put a statement inside the current no_grad section, if any."""
    if g.no_grad > 0:
        g.no_grad -= 1
        tags.add("no_grad")
        return f"with torch.no_grad(): {code}"
    return code


def _literal(g: Gen, shape: tuple[int, ...]) -> str:
    values = [g.number() for _ in range(math.prod(shape))]
    return f"torch.tensor({nested(values, shape)}, dtype=torch.float64)"


# ------------------------------------------------------------------------------ marking tensors
def retain_grad(g: Gen) -> None:
    cands = [v for v in g.vars.values() if v.rg]
    v = g.pick([c for c in cands if not c.leaf] or cands)
    if v is not None:
        g.stmts.append(Stmt("retain_grad", f"{v.name}.retain_grad()", (), (v.name,)))


# ------------------------------------------------------------------------------ in-place updates
def _fits(g: Gen, target: Var) -> Var | float:
    """An operand that broadcasts *into* ``target``'s shape (in place cannot grow it)."""
    cands = [v for v in g.vars.values() if v.name != target.name
             and broadcast(target.shape, v.shape) == target.shape]
    if cands and g.chance(0.6):
        return g.tame(g.pick(cands))  # type: ignore[arg-type]
    if g.chance(0.3):
        return g.scalar()
    k = g.choice(range(len(target.shape) + 1))
    shape = tuple(s if g.chance(0.7) else 1 for s in target.shape[len(target.shape) - k:])
    return g.leaf(shape)


def _inplace_code(g: Gen, t: Var) -> tuple[str, str, list[Var], float] | None:
    """``(code, registry op, operands, new bound)`` of a random in-place update of ``t``."""
    kind = g.weighted({"add_": 2, "sub_": 1, "mul_": 2, "div_": 1, "zero_": 0.5, "fill_": 0.5,
                       "copy_": 0.7, "clamp_": 0.5, "exp_": 0.4, "sigmoid_": 0.4, "relu_": 0.4,
                       "pow_": 0.4, "setitem": 1.5 if "inplace_views" in g.caps and t.shape else 0})
    n = t.name
    if kind in ("add_", "sub_", "mul_", "div_", "copy_"):
        x = _fits(g, t)
        if kind == "div_" and isinstance(x, Var):
            x = g.positive(x)
        xs = x.name if isinstance(x, Var) else repr(x)
        bx = x.bound if isinstance(x, Var) else abs(x)
        symbol = {"add_": "+=", "sub_": "-=", "mul_": "*=", "div_": "/="}.get(kind)
        code = f"{n} {symbol} {xs}" if symbol and g.chance(0.3) else f"{n}.{kind}({xs})"
        bound = {"add_": t.bound + bx, "sub_": t.bound + bx, "mul_": t.bound * bx,
                 "div_": t.bound / (0.5 if isinstance(x, Var) else abs(x)), "copy_": bx}[kind]
        reg = "fill" if kind == "copy_" else kind[:-1]
        return code, reg, [x] if isinstance(x, Var) else [], bound
    if kind == "zero_":
        return f"{n}.zero_()", "fill", [], 0.0
    if kind == "fill_":
        c = g.scalar()
        return f"{n}.fill_({c})", "fill", [], abs(c)
    if kind == "clamp_":
        return f"{n}.clamp_(-0.5, 1.0)", "clamp", [], min(t.bound, 1.0)
    if kind == "exp_":
        if t.bound > 3:
            return None
        return f"{n}.exp_()", "exp", [], math.exp(t.bound)
    if kind == "pow_":
        if t.bound > 30:
            return None
        return f"{n}.pow_(2)", "pow", [], t.bound ** 2
    if kind in ("sigmoid_", "relu_"):
        return f"{n}.{kind}()", kind[:-1], [], 1.0 if kind == "sigmoid_" else t.bound
    # indexed assignment: t[key] = value
    nd = len(t.shape)
    d = g.choice(range(nd))
    parts = [":"] * d + [str(g.choice(range(-t.shape[d], t.shape[d])))
                         if g.chance(0.6) else g.choice(["1:", ":1", "::2"])]
    key = ", ".join(parts)
    import numpy as np

    region = np.zeros(t.shape)[eval(f"np.s_[{key}]", {"np": np})].shape  # noqa: S307
    if 0 in region:
        return None
    if g.chance(0.3):
        c = g.scalar()
        return f"{n}[{key}] = {c}", "setitem", [], max(t.bound, abs(c))
    cands = [v for v in g.vars.values() if v.name != n and broadcast(region, v.shape) == region]
    v = g.tame(g.pick(cands)) if cands and g.chance(0.5) else g.leaf(
        tuple(s if g.chance(0.7) else 1 for s in region[len(region) - g.choice(
            range(len(region) + 1)):]))
    return f"{n}[{key}] = {v.name}", "setitem", [v], max(t.bound, v.bound)


def inplace(g: Gen) -> None:
    """An in-place update of a tensor that is not a leaf requiring grad, and aliases nothing
    (views share storage in ways PyTorch leaves open, e.g. whether reshape copies)."""
    cands = [v for v in g.vars.values() if not v.frozen and not (v.leaf and v.rg)
             and len(g.groups[v.group]) == 1 and v.rg is not None]
    t = g.pick(cands)
    if t is None:
        return
    made = _inplace_code(g, t)
    if made is None:
        return
    code, reg, operands, bound = made
    tags = {"unaliased"}  # the target shares storage with nothing (compare.py relies on it)
    code = _wrap(g, code, tags)
    g.stmts.append(Stmt("inplace", code, (), (t.name, *(v.name for v in operands)), op=reg,
                        tags=frozenset(tags)))
    t.bound, t.pos = min(bound, 1e300), False
    if "no_grad" in tags or not (t.rg or any(v.rg for v in operands)):
        return
    if any(v.rg is None for v in operands):
        t.rg = None if not t.rg else True
    else:
        t.rg = True
    node = g.new_node()
    t.leaf, t.node = False, node
    t.deps = frozenset({node}).union(t.deps, *(v.deps for v in operands))


def leaf_inplace(g: Gen) -> None:
    """An in-place update of a leaf that requires grad: it must raise (INPLACE-1) and change
    nothing, or, inside no_grad, update the leaf (INPLACE-2: the optimizer pattern)."""
    cands = [v for v in g.vars.values() if v.leaf and v.rg and len(g.groups[v.group]) == 1]
    t = g.pick(cands)
    if t is None:
        return
    made = _inplace_code(g, t)
    if made is None:
        return
    code, reg, operands, bound = made
    tags: set[str] = set()
    if g.chance(0.4) and not g.no_grad:
        code = f"with torch.no_grad(): {code}"
        tags.add("no_grad")
    else:
        code = _wrap(g, code, tags)
    if "no_grad" in tags:
        t.bound, t.pos = min(bound, 1e300), False
        tags.add("leaf_update")  # the optimizer pattern (compare.py relies on the tag)
    else:
        tags.add("leaf_inplace")
    g.stmts.append(Stmt("inplace", code, (), (t.name, *(v.name for v in operands)), op=reg,
                        tags=frozenset(tags)))


# ------------------------------------------------------------------------------ backward
def _reached(g: Gen, outputs: list[Var]) -> None:
    deps = frozenset().union(*(o.deps for o in outputs))
    for v in g.vars.values():
        if v.leaf and v.rg and v.node in deps:
            g.has_grad.add(v.name)


def _backward_of(g: Gen, outputs: list[Var], *, retain: bool, create: bool,
                 tags: set[str] | None = None) -> None:
    tags = set() if tags is None else tags
    extra = f"retain_graph={retain}"
    if create:
        extra += ", create_graph=True"
        tags.add("create_graph")
    if "backward_inputs" in g.caps and g.chance(0.1):
        deps = frozenset().union(*(o.deps for o in outputs))
        leaves = [v for v in g.vars.values() if v.leaf and v.rg and v.node in deps]
        if leaves:
            chosen = g.rng.sample(leaves, g.choice(range(1, len(leaves) + 1)))
            extra += f", inputs=[{', '.join(v.name for v in chosen)}]"
    if len(outputs) == 1:
        o = outputs[0]
        if o.numel == 1 and g.chance(0.8):
            code = f"{o.name}.backward({extra})"
        elif g.chance(0.6):
            code = f"{o.name}.backward({_literal(g, o.shape)}, {extra})"
        else:
            code = f"{o.name}.sum().backward({extra})"
    else:
        grads = ", ".join("None" if o.numel == 1 and g.chance(0.5) else _literal(g, o.shape)
                          for o in outputs)
        names = ", ".join(o.name for o in outputs)
        code = f"torch.autograd.backward([{names}], [{grads}], {extra})"
    code = _wrap(g, code, tags)
    g.stmts.append(Stmt("backward", code, (), tuple(o.name for o in outputs), retain=retain,
                        tags=frozenset(tags)))
    g.last_backward = len(g.stmts) - 1
    _reached(g, outputs)


def _one_or_two(g: Gen, cands: list, p_two: float) -> list:
    """One output picked from ``cands`` and, with probability ``p_two``, a second one."""
    first = g.pick(cands)
    if first is None:
        return []
    outputs = [first]
    if g.chance(p_two):
        other = g.pick([v for v in cands if v.name != first.name])
        if other is not None:
            outputs.append(other)
    return outputs


def backward(g: Gen) -> None:
    cands = [v for v in g.vars.values() if v.rg is not False]
    if not cands or g.chance(0.03):  # BWD-4: backward of a tensor that does not require grad
        cands = list(g.vars.values())
    outputs = _one_or_two(g, cands, 0.2)
    if not outputs:
        return
    create = "create_graph" in g.caps and g.chance(0.15)
    _backward_of(g, outputs, retain=g.chance(0.35), create=create)


def _repeat_backward(g: Gen) -> None:
    """The last backward again: accumulates if its graph was retained, else may raise
    (RETAIN-1, or RETAIN-3 where nothing freed is needed)."""
    assert g.last_backward is not None
    prev = g.stmts[g.last_backward]
    g.last_backward = None
    if prev.kind == "backward" and "no_grad" not in prev.tags:
        g.stmts.append(prev.with_retain(g.chance(0.4)) if prev.retain is not None else prev)


def grad(g: Gen) -> None:
    cands = [v for v in g.vars.values() if v.rg is not False]
    outputs = _one_or_two(g, cands, 0.15)
    if not outputs:
        return
    deps = frozenset().union(*(o.deps for o in outputs))
    reachable = [v for v in g.vars.values() if v.rg and v.node in deps]
    unreachable = [v for v in g.vars.values() if v.rg and v.node not in deps]
    inputs: list[Var] = []
    if reachable:
        inputs = g.rng.sample(reachable, min(len(reachable), g.choice([1, 1, 2, 3])))
    if unreachable and (not inputs or g.chance(0.15)):
        inputs.append(g.pick(unreachable))  # type: ignore[arg-type]
    if not inputs:
        return
    unused = any(v.node not in deps for v in inputs)
    allow_unused = unused or g.chance(0.3)
    create = "create_graph" in g.caps and g.chance(0.4)
    retain = g.chance(0.3)
    if len(outputs) == 1:
        o = outputs[0]
        target = o.name
        go = "" if o.numel == 1 and g.chance(0.7) else f", grad_outputs={_literal(g, o.shape)}"
    else:
        target = "[" + ", ".join(o.name for o in outputs) + "]"
        go = ", grad_outputs=[" + ", ".join(_literal(g, o.shape) for o in outputs) + "]"
    names = [g.fresh() for _ in inputs]
    lhs = f"({names[0]},)" if len(names) == 1 else ", ".join(names)
    opts = f"retain_graph={retain}"
    tags = {"create_graph"} if create else set()
    if create:
        opts += ", create_graph=True"
    if allow_unused:
        opts += ", allow_unused=True"
    ins = ", ".join(v.name for v in inputs)
    code = _wrap(g, f"{lhs} = torch.autograd.grad({target}, [{ins}]{go}, {opts})", tags)
    g.stmts.append(Stmt("grad", code, tuple(names), (*(o.name for o in outputs),
                                                    *(v.name for v in inputs)),
                        retain=retain, tags=frozenset(tags)))
    made = []
    for name, v in zip(names, inputs):
        if v.node not in deps:
            continue  # None: allow_unused, never used again
        node = g.new_node()
        r = Var(name, v.shape, None if create else False, not create, 100.0, dtype=v.dtype,
                node=node, deps=frozenset({node}) | deps if create else frozenset(),
                contiguous=False)  # a gradient may be a broadcast view: no .view() on it
        g._bind(r)
        r.frozen = True
        made.append(r)
    if create and made and g.chance(0.7):
        _second_order(g, made, deps)


def _second_order(g: Gen, grads: list[Var], deps: frozenset[int]) -> None:
    """A loss built from create_graph gradients, differentiated again (HIGHER-1, HIGHER-5)."""
    a = g.choice(grads)
    b = g.choice(grads)
    if broadcast(a.shape, b.shape) is None:
        b = a
    s = g.emit("mul", f"({a.name} * {b.name}).sum()", [a, b], (), bound=1e4)
    leaves = [v for v in g.vars.values() if v.leaf and v.rg and v.node in deps]
    if leaves and g.chance(0.6):
        chosen = g.rng.sample(leaves, min(len(leaves), g.choice([1, 2])))
        names = [g.fresh() for _ in chosen]
        lhs = f"({names[0]},)" if len(names) == 1 else ", ".join(names)
        ins = ", ".join(v.name for v in chosen)
        g.stmts.append(Stmt(
            "grad", f"{lhs} = torch.autograd.grad({s.name}, [{ins}], retain_graph=False, "
                    "allow_unused=True)", tuple(names), (s.name, *(v.name for v in chosen)),
            retain=False, tags=frozenset({"second_order"})))
        return
    _backward_of(g, [s], retain=False, create=False, tags={"second_order"})


def zero_grad(g: Gen) -> None:
    if not g.has_grad:
        return
    name = g.choice(sorted(g.has_grad))
    if name not in g.vars:
        return
    # PyTorch's double backward can leave a lazy zero tensor as .grad, which refuses zero_()
    # (a PyTorch quirk, not a contract question): zero in place only before any create_graph
    lazy = any("create_graph" in s.tags for s in g.stmts)
    code = f"{name}.grad = None" if lazy or g.chance(0.6) else f"{name}.grad.zero_()"
    g.stmts.append(Stmt("inplace", code, (), (name,)))
    if code.endswith("None"):
        g.has_grad.discard(name)


def grad_attr(g: Gen) -> None:
    """A leaf's ``.grad`` used as a tensor (differentiable after backward(create_graph=True);
    a later plain backward adds into it in place and it keeps its graph: ACC-6)."""
    names = sorted(n for n in g.has_grad if n in g.vars)
    if not names:
        return
    leaf = g.vars[g.choice(names)]
    v = g.emit("clone", f"{leaf.name}.grad.clone()", [], leaf.shape, bound=100.0, uses=[leaf],
               dtype=leaf.dtype)
    v.rg, v.leaf, v.frozen = None, False, True
    v.deps = frozenset({v.node}) | leaf.deps

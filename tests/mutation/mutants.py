"""Planted bugs in gradspec's engine: the conformance suite's power, measured.

Each `Mutant` is one small, plausible bug: one exact piece of source replaced by another (the
piece must occur exactly once, so a mutant cannot silently stop applying when the engine
changes: ``tests/test_mutants.py`` checks it).  ``breaks`` names the clause(s) whose rule the
bug violates: the suite is only as strong as its power to fail a test *of that clause* (not
only the fuzzer's chunks, which fail OPS-3 for anything).  ``python tests/mutation/run.py``
runs the suite against each mutant (docs/fuzzing.md, "Mutation run", has the latest score).

The first three are the bugs issue 16 names: they once passed every test of their own clause.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str  # repository path
    old: str  # the exact text replaced; occurs once in ``file``
    new: str
    breaks: tuple[str, ...]  # the clauses a correct suite fails
    why: str


E = "backends/engine/"

MUTANTS: tuple[Mutant, ...] = (
    # -- the three issue 16 names ------------------------------------------------------------
    Mutant("unary-records-in-no-grad", E + "apply.py",
           "    if t._requires_grad and STATE.enabled:\n        node._next = (_edge(t),)",
           "    if t._requires_grad:\n        node._next = (_edge(t),)",
           ("NOGRAD-1",), "a one-input op records a graph inside no_grad"),
    Mutant("create-graph-accumulation-overwrites", E + "autograd.py",
           "        t._grad = clone(g) if t._grad is None else t._grad + g\n    finally:\n"
           "        STATE.enabled = prev\n\n\ndef _post_accumulate(",
           "        t._grad = clone(g)\n    finally:\n        STATE.enabled = prev\n\n\n"
           "def _post_accumulate(",
           ("ACC-6", "HIGHER-2"), "create_graph accumulation replaces .grad instead of adding"),
    Mutant("relu-wrong-mask", E + "ops/unary.py",
           "    return keep(g, out != 0, inplace)\n",
           "    return keep(g, out >= 0, inplace)\n",
           ("OPS-1", "OPS-3"), "ReLU's gradient passes where its output is 0 (a negative input)"),
    # -- accumulation and release (ACC, RETAIN) -----------------------------------------------
    Mutant("accumulation-out-of-place", E + "autograd.py",
           "            cur._data += g\n",
           "            t._grad = T._wrap(cur._data + g)\n            return\n",
           ("ACC-5", "ACC-6"), "a plain backward replaces .grad instead of adding into it"),
    Mutant("accumulation-no-version-bump", E + "autograd.py",
           "        cur._bump()\n        return\n",
           "        return\n",
           ("ACC-6",), "in-place accumulation leaves .grad's version counter"),
    Mutant("first-grad-aliases-callers-gradient", E + "autograd.py",
           "            t._grad = T._wrap(dense if owned or dense is not g else T._eng.copy(g))\n",
           "            t._grad = T._wrap(dense)\n",
           ("ACC-5",), "a leaf's first .grad is the very array the caller or another leaf holds"),
    Mutant("retained-grad-in-place", E + "autograd.py",
           "        t._grad = T._wrap(T._eng.copy(g) if cur is None else cur._data + g)\n",
           "        if cur is not None:\n            cur._data += g\n            return\n"
           "        t._grad = T._wrap(T._eng.copy(g))\n",
           ("ACC-5",), "a retained non-leaf .grad is updated in place"),
    Mutant("graph-never-freed", E + "autograd.py",
           "                if not retain_graph:\n                    node._release()\n",
           "",
           ("RETAIN-1",), "backward without retain_graph frees nothing"),
    Mutant("kept-data-not-freed", E + "node.py",
           "        if keeps:\n            self._saved = FREED\n",
           "        if False:\n            self._saved = FREED\n",
           ("RETAIN-4",), "where's condition and index arrays survive a backward"),
    Mutant("retain-graph-default-false", E + "autograd.py",
           "    if retain_graph is None:\n        retain_graph = create_graph\n",
           "    if retain_graph is None:\n        retain_graph = False\n",
           ("RETAIN-2",), "retain_graph does not default to create_graph"),
    # -- versions and in-place (VERSION, INPLACE) ---------------------------------------------
    Mutant("saved-version-not-checked", E + "node.py",
           "                if now != entry.version:\n                    raise _modified(self, "
           "t._data.shape, entry.version, now, t,\n"
           "                                    t._eng.dtype_name(t._data.dtype))\n",
           "",
           ("VERSION-2",), "a saved input modified in place is used silently"),
    Mutant("inplace-no-version-bump", E + "tensor.py",
           "    def _bump(self) -> None:\n        self._counter().value += 1\n",
           "    def _bump(self) -> None:\n        self._counter()\n",
           ("VERSION-1", "VERSION-2"), "recorded in-place ops do not move the version counter"),
    Mutant("leaf-guard-removed", E + "tensor.py",
           "        if self._grad_fn is None and self._requires_grad and not through_view:\n"
           "            raise LeafInPlaceError(",
           "        if False:\n            raise LeafInPlaceError(",
           ("INPLACE-1",), "in-place ops on leaves that require grad are allowed"),
    Mutant("detach-own-version-counter", E + "tensor.py",
           "        t = type(self)._wrap(self._data)\n        t._vc = self._counter()\n",
           "        t = type(self)._wrap(self._data)\n",
           ("VERSION-1", "DETACH-4"), "detach() does not share its base's version counter"),
    # -- backward and grad (BWD, AGRAD, GRADT) ------------------------------------------------
    Mutant("implicit-gradient-for-any-shape", E + "autograd.py",
           "        if t.numel() != 1:\n            raise NonScalarBackwardError(",
           "        if t.numel() == 0:\n            raise NonScalarBackwardError(",
           ("BWD-2",), "a non-scalar output gets an implicit gradient of ones"),
    Mutant("gradient-shape-not-checked", E + "autograd.py",
           "    if tuple(g.shape) != tuple(t.shape):\n        raise GradientShapeError(",
           "    if len(g.shape) > len(t.shape):\n        raise GradientShapeError(",
           ("BWD-3",), "a gradient that broadcasts to the output's shape is accepted"),
    Mutant("fan-out-overwrites", E + "autograd.py",
           "                        buffers[e] = prev + gi\n",
           "                        buffers[e] = gi\n",
           ("BWD-5",), "a node used twice keeps only the last path's gradient"),
    Mutant("grad-accumulates", E + "autograd.py",
           "                results[j] = _as_input(inputs[j], g, raw)  # type: ignore[index]\n",
           "                results[j] = _as_input(inputs[j], g, raw)  # type: ignore[index]\n"
           "                _accumulate(inputs[j], g, raw)  # type: ignore[index]\n",
           ("AGRAD-1",), "autograd.grad also accumulates into .grad"),
    Mutant("unused-input-gives-none", E + "autograd.py",
           "            elif not allow_unused:\n",
           "            elif False:\n",
           ("AGRAD-2",), "an unused input gives None without allow_unused"),
    Mutant("inputs-ignored", E + "autograd.py",
           "                    if gi is None or (capture is not None and ek not in capture):\n",
           "                    if gi is None:\n",
           ("BWD-7",), "backward(inputs=...) accumulates into other leaves too"),
    # -- hooks and retain_grad (HOOK, RETAINGRAD) ---------------------------------------------
    Mutant("hook-result-ignored", E + "autograd.py",
           "            cur = out\n    return cur._data if raw else cur\n",
           "    return cur._data if raw else cur\n",
           ("HOOK-1", "HOOK-2"), "a hook's returned tensor does not replace the gradient"),
    Mutant("retain-before-hooks", E + "autograd.py",
           "                if x.hooks:\n                    g = _call_hooks(x.hooks, g, raw, T)\n"
           "                    own = False  # a hook may have kept it\n"
           "                if x.retain is not None:\n                    owner = x.retain()\n"
           "                    if owner is not None:\n"
           "                        retained.append((owner, g))\n"
           "                        own = False\n",
           "                if x.retain is not None:\n                    owner = x.retain()\n"
           "                    if owner is not None:\n"
           "                        retained.append((owner, g))\n"
           "                        own = False\n"
           "                if x.hooks:\n                    g = _call_hooks(x.hooks, g, raw, T)\n"
           "                    own = False  # a hook may have kept it\n",
           ("HOOK-4",), "retain_grad stores the gradient before the hooks changed it"),
    # -- higher order (HIGHER) ----------------------------------------------------------------
    Mutant("create-graph-runs-raw", E + "autograd.py",
           "    raw = not create_graph\n",
           "    raw = True\n",
           ("HIGHER-1", "HIGHER-2", "OPS-2"), "create_graph=True returns constant gradients"),
    # -- grad mode (NOGRAD) -------------------------------------------------------------------
    Mutant("binary-records-in-no-grad", E + "apply.py",
           "    if STATE.enabled and ((ta and x._requires_grad) or (tb and y._requires_grad)):\n",
           "    if (ta and x._requires_grad) or (tb and y._requires_grad):\n",
           ("NOGRAD-1",), "two-input ops record a graph inside no_grad"),
    Mutant("grad-mode-shared-across-threads", E + "grad_mode.py",
           "class _State(threading.local):\n",
           "class _State:\n",
           ("NOGRAD-3",), "grad mode is one switch for every thread"),
    # -- shapes, dtypes, layouts (SHAPE) ------------------------------------------------------
    Mutant("broadcast-not-reduced", E + "autograd.py",
           "                    if tuple(gi.shape) != shape:\n                        gi = F.sum_to("
           "gi, shape)\n",
           "",
           ("SHAPE-1",), "gradients of broadcast inputs keep the broadcast shape"),
    Mutant("grad-returned-in-computed-dtype", E + "autograd.py",
           "    if raw:\n        if g.dtype != t._data.dtype:\n            g = T._xp.astype(g, "
           "t._data.dtype)\n        return T._wrap(g)\n",
           "    if raw:\n        return T._wrap(g)\n",
           ("SHAPE-3",), "autograd.grad returns a float32 input's gradient in float64"),
    Mutant("cat-keeps-input-layout", E + "ops/join.py",
           "        return eng.c_order(xp.concat(arrays, axis=axis))\n",
           "        return xp.concat(arrays, axis=axis)\n",
           ("SHAPE-4",), "cat of transposed inputs is not contiguous (seed 64845)"),
    Mutant("contiguous-returns-self", E + "ops/cast.py",
           "    if eng.c_order(a._data) is a._data:\n        return a\n",
           "    if True:\n        return a\n",
           ("SHAPE-4",), "contiguous() never copies"),
    # -- op gradients and kinks (OPS, NONDIFF) ------------------------------------------------
    Mutant("mul-gradient-swapped", E + "ops/arith.py",
           "        return (g * b if ga is not None else None,\n                g * a if gb is not "
           "None else None)\n",
           "        return (g * a if ga is not None else None,\n                g * b if gb is not "
           "None else None)\n",
           ("OPS-1", "OPS-3"), "mul sends each input its own value instead of the other's"),
    Mutant("max-ties-not-split", E + "ops/reduce.py",
           "    return F.where(hit, g / F.sum(mask), F.zeros_like(mask))\n",
           "    return F.where(hit, g, F.zeros_like(mask))\n",
           ("NONDIFF-1",), "max()/min() give the full gradient to every tied element"),
    Mutant("clamp-bound-excluded", E + "ops/unary.py",
           "            keep = a >= self.lo\n",
           "            keep = a > self.lo\n",
           ("NONDIFF-1",), "clamp passes no gradient at its lower bound"),
    Mutant("where-leaks-into-unselected", E + "ops/select.py",
           "        return (F.where(self.cond, g, zero) if ga is not None else None,\n",
           "        return (g if ga is not None else None,\n",
           ("NONDIFF-2", "OPS-1"), "where's unselected branch gets the gradient"),
    Mutant("bce-floor-skipped-when-big", E + "ops/loss.py",
           "    if x.size >= BIG and bool(xp.min(x) >= lo):\n",
           "    if x.size >= BIG:\n",
           ("NONDIFF-1",), "BCE's gradient floor is skipped on 65,536 elements or more"),
    Mutant("relu-mask-as-float-product", E + "ops/unary.py",
           "    keep = eng.host.keep\n",
           "    keep = lambda g, mask, inplace: g * mask  # noqa: E731\n",
           ("NONDIFF-1",), "ReLU's backward turns an infinite masked gradient into NaN"),
    Mutant("div-gradient-sign", E + "ops/arith.py",
           "                -g * a / (b * b) if gb is not None else None)\n",
           "                g * a / (b * b) if gb is not None else None)\n",
           ("OPS-1", "OPS-3"), "the divisor's gradient has the wrong sign"),
    Mutant("pow-exponent-off-by-one", E + "ops/arith.py",
           "        return (g * (c * a ** (c - 1)),)\n",
           "        return (g * (c * a ** c),)\n",
           ("OPS-1", "OPS-3"), "d/dx x**c uses x**c instead of x**(c-1)"),
    Mutant("scatter-overwrites-repeats", E + "ops/indexing.py",
           "    if eng.ext.scatter_add is not None:\n        eng.ext.scatter_add(out, flat_pos, "
           "flat_val)\n",
           "    if eng.ext.scatter_add is not None:\n        out[flat_pos] = flat_val\n",
           ("SHAPE-2", "OPS-1"), "repeated indices keep one gradient instead of the sum"),
    # -- issue 16's own fixes, planted back ---------------------------------------------------
    Mutant("pruned-single-output-skips-hooks", E + "autograd.py",
           "             if n not in deps and (needed is None or id(n) in needed or n is single)]\n",
           "             if n not in deps and (needed is None or id(n) in needed)]\n",
           ("BWD-7",), "backward(inputs=...) of one output skips its retain_grad (seed 49257)"),
    Mutant("non-leaf-input-not-retained", E + "autograd.py",
           "            if t._grad_fn is not None:\n                t.retain_grad()\n",
           "            if False:\n                t.retain_grad()\n",
           ("BWD-7", "ACC-5"), "backward(inputs=[non-leaf]) leaves it not retaining its grad"),
    Mutant("softmax-keeps-input-layout", E + "ops/softmax.py",
           "        return eng.c_order(e / xp.sum(e, axis=axis, keepdims=True))",
           "        return e / xp.sum(e, axis=axis, keepdims=True)",
           ("SHAPE-4",), "softmax of a transposed tensor is not contiguous"),
    Mutant("reduction-keeps-input-layout", E + "ops/reduce.py",
           "    if axes and a._data.ndim > 2:\n",
           "    if False:\n",
           ("SHAPE-4",), "a reduction along a dim of a 3-d tensor keeps the input's layout"),
    Mutant("detach-copies", E + "tensor.py",
           "        t = type(self)._wrap(self._data)\n        t._vc = self._counter()\n",
           "        t = type(self)._wrap(self._eng.copy(self._data))\n"
           "        t._vc = self._counter()\n",
           ("DETACH-4",), "detach() copies instead of sharing the data"),
)

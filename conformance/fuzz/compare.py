"""Comparing a backend's trace with PyTorch's, and the allowances for what the spec leaves open.

Values and gradients are compared in float64 with tolerances for two implementations of the
same formula (``RTOL``, ``ATOL`` relative to the array's magnitude; programs with float32
tensors get ``RTOL_F32``); NaN equals NaN, infinities must match.  Shapes, dtypes, flags
(``requires_grad``, ``is_leaf``, whether there is a ``grad_fn``), version-counter moves and
error kinds must match exactly.

Some differences are not bugs: the spec leaves them open, mostly where
``shared/reference/torch-behaviour.md`` marks PyTorch's behaviour [I].  Each is accepted only in
a narrow form.  One is an *equivalence*, judged mismatch by mismatch where a difference first
shows (the same difference seen again later, e.g. at the end, is accepted with it):

``higher-order``    in what a second-order computation (a backward or grad through a derivative
                    made with ``create_graph=True``) returns, ``None``, all zeros,
                    ``NoGradPathError`` and ``UnusedInputError`` are the same answer: which
                    inputs the graph of a derivative reaches depends on how each op's backward
                    is written, and HIGHER-4 leaves it open for piecewise-linear ops other than
                    relu and abs.  So is what follows from it, in a later statement that reads
                    such a result (or a ``.grad`` after such a pass), or what such a statement
                    defines: None, zeros or the error of using None (``AttributeError``,
                    ``TypeError``) on both sides, or a value on one side where the other
                    skipped or failed.  And where a second derivative does not exist (a norm
                    of a zero vector), NaN on one side and 0 on the other, element by element:
                    PyTorch's double-backward formulas divide by the zero they masked in the
                    first derivative, where an engine's may not.

The others are accepted by comparing against a *twin*: the same program changed so that PyTorch
takes the other allowed path at the first differing statement (the backend's run is never
changed):

``retain-3``        a backward through a freed graph raised ``GraphFreedError`` on the backend
                    only (RETAIN-3: an engine may raise on every re-traversal, or only when freed
                    data is needed).  Twin: the statement raises on PyTorch too.  The converse
                    (PyTorch raised, the backend ran) is a finding: where PyTorch's node saved
                    something, RETAIN-1 and RETAIN-4 require the error.
``derivative-graph`` a second-order pass (through a derivative made with ``create_graph=True``)
                    raised ``GraphFreedError`` on PyTorch only (the backend ran, or found an
                    input its derivative's graph does not reach), after an earlier pass freed the
                    forward graph, or a pass raised so after a second-order pass freed the
                    derivative's graph: some of PyTorch's double-backward formulas differentiate
                    through the forward op's own output (``cross_entropy``), so the derivative's
                    graph and the forward graph share nodes, where a formula that recomputes
                    from saved inputs shares none (RETAIN-3).  Twin: the earlier passes (the
                    earlier second-order passes, in the second case) keep their graphs.
``torch-partial``   a backward that raised the same error on both sides, after which PyTorch's
                    gradients differ (there, or later: a zero ``.grad`` PyTorch made in a failed
                    second-order pass shows only when a later pass adds to it): PyTorch
                    accumulates leaf by leaf and may have changed some ``.grad`` before failing,
                    where ERR-1 asks a failing backward to change nothing.  Twin: the statement
                    (or the earlier failed passes) raises without running on PyTorch.
``after-failure``   a backward through a graph an earlier backward failed in raised
                    ``GraphFreedError`` on one side and another error (or none: the backend's
                    failed pass freed nothing) on the other: PyTorch frees the nodes it ran
                    before failing, so what is left of that graph is unspecified.  Twin: the
                    statement raises the backend's error on PyTorch, or (PyTorch alone raised)
                    the earlier failed passes raise without running, as ERR-1 asks of them.
``visit-order``     a backward raised ``GraphFreedError`` on one side and
                    ``SavedTensorModifiedError`` on the other: the graph has both a freed node
                    and a modified saved tensor, and which one a backward meets first depends on
                    the order it visits nodes in.  Twin: the earlier passes keep their graphs
                    (PyTorch met the freed node), or the statement raises the backend's error.
``saved-copy``      a backward raised ``SavedTensorModifiedError`` on the backend only, after an
                    in-place update: PyTorch's own ops sometimes save a copy of an input (e.g.
                    ``matmul`` of a broadcast vector) where an engine may save the tensor itself;
                    VERSION-2 requires the error exactly when the saved tensor was modified.
                    Twin: the statement raises on PyTorch too.
``saved-less``      the converse: a backward raised ``SavedTensorModifiedError`` on PyTorch only,
                    after an in-place update of a tensor that PyTorch's op saved but the
                    backend's op does not need (``2.0 ** x`` saves ``x`` in PyTorch, only its
                    result in gradspec's engine).  Twin: what reads an updated tensor before its
                    update reads ``(t * 1)`` instead, a copy the gradient still flows through, so
                    PyTorch saves the copy; the backend's results must equal that.
``torch-aliased-grads`` a PyTorch bug: leaf gradients that alias one buffer (``stack`` of 0-d
                    leaves then ``sum``: each ``.grad`` is a view of the same expanded scalar)
                    accumulate into each other on the next backward (1 + 1 = 3).  Twin: every
                    ``.grad`` is cloned after each pass; the backend must match that.
``torch-lazy-zeros`` a PyTorch quirk: a double backward can leave a lazy zero tensor as a leaf's
                    ``.grad``, and the next backward that accumulates into it raises ("ZeroTensors
                    are immutable").  Twin: every ``.grad`` is cloned (made real) after each pass.
``internal-view``   a backward raised ``GraphFreedError`` on PyTorch only, after an in-place
                    update of a tensor that one of PyTorch's ops returned as a view of an
                    internal buffer (``matmul`` of broadcast batches): in place through a view
                    rebases the graph through a CopySlices node, which PyTorch always frees
                    (RETAIN-4), where the backend's op returned a tensor of its own.  Twin: that
                    op's result is cloned.
``no-grad-view``    PyTorch refuses an in-place update with grad mode on of a tensor made inside
                    ``no_grad`` when its op happened to return a view (``matmul`` of broadcast
                    batches; INPLACE-6 [I]).  Twin: that op's result is cloned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .program import Program, Stmt
from .runner import Tensor, Trace, run

RTOL = 1e-7
ATOL = 1e-9
RTOL_F32 = 1e-4
ATOL_F32 = 1e-5


@dataclass(frozen=True)
class Mismatch:
    key: str  # "<statement>:<what>"
    got: Any
    want: Any
    why: str

    @property
    def statement(self) -> int | None:
        head = self.key.split(":", 1)[0]
        return int(head) if head.isdigit() else None

    def __str__(self) -> str:
        return f"{self.key}: {self.why}: backend {_short(self.got)} vs torch {_short(self.want)}"


def _short(x: Any) -> str:
    if isinstance(x, Tensor):
        v = np.array2string(x.value, precision=6, threshold=12)
        fn = "yes" if x.has_grad_fn else "None"
        return (f"{v} (shape {tuple(x.value.shape)}, {x.value.dtype}, requires_grad="
                f"{x.requires_grad}, is_leaf={x.is_leaf}, grad_fn={fn})")
    return repr(x)


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype == b.dtype and a.tobytes() == b.tobytes():  # the common case, cheaply
        return True
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        a = a.astype(np.float64)
        b = b.astype(np.float64)
        finite = np.isfinite(b)
        scale = float(np.max(np.abs(b[finite]), initial=1.0))
        return bool(np.allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True)
                    and np.array_equal(np.isinf(a) & (a > 0), np.isinf(b) & (b > 0))
                    and np.array_equal(np.isinf(a) & (a < 0), np.isinf(b) & (b < 0)))
    return bool(np.array_equal(a, b))


def _tensor_diff(got: Tensor, want: Tensor, rtol: float, atol: float) -> str:
    if got.value.shape != want.value.shape:
        return "shape differs"
    if got.value.dtype != want.value.dtype:
        return "dtype differs"
    if not _close(got.value, want.value, rtol, atol):
        return "values differ"
    if got.requires_grad != want.requires_grad:
        return "requires_grad differs"
    if got.is_leaf != want.is_leaf:
        return "is_leaf differs"
    if got.has_grad_fn != want.has_grad_fn:
        return "grad_fn presence differs"
    return ""


def diff(got: Trace, want: Trace, float32: bool = False) -> list[Mismatch]:
    """Every difference between two traces, in program order."""
    rtol, atol = (RTOL_F32, ATOL_F32) if float32 else (RTOL, ATOL)
    out = []
    keys = list(dict.fromkeys([*want.events, *got.events]))
    for key in keys:
        if key not in got.events:
            out.append(Mismatch(key, "<nothing>", want.events[key], "only torch has it"))
            continue
        if key not in want.events:
            out.append(Mismatch(key, got.events[key], "<nothing>", "only the backend has it"))
            continue
        a, b = got.events[key], want.events[key]
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            why = _tensor_diff(a, b, rtol, atol)
            if why:
                out.append(Mismatch(key, a, b, why))
        elif a != b if not (isinstance(a, Tensor) or isinstance(b, Tensor)) else True:
            out.append(Mismatch(key, a, b, "differs"))
    out.sort(key=lambda m: (m.statement if m.statement is not None else 1 << 30))
    return out


# ------------------------------------------------------------------------------ allowances
@dataclass
class Verdict:
    """The outcome of checking one program: remaining mismatches and allowances used."""

    program: Program
    mismatches: list[Mismatch]
    allowances: list[str] = field(default_factory=list)
    reference: Program | None = None  # the twin PyTorch ran, when an allowance made one
    got: Trace | None = None
    want: Trace | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches


_PASSES = ("backward", "grad")


def _nothing(x: Any) -> bool:
    """None, all zeros, absent, or the error of differentiating something without a graph."""
    if x is None or x in ("NoGradPathError", "UnusedInputError", "<nothing>") or x is True:
        # (True: "skipped"; UnusedInputError: grad() of an input the graph does not reach)
        return True
    return isinstance(x, Tensor) and not np.any(x.value)


def _derived(program: Program) -> list[int]:
    """Passes (backward/grad statements) through a derivative made with create_graph=True."""
    made: set[str] = set()
    create_backward = False
    out = []
    for i, s in enumerate(program.stmts):
        reads = made.intersection(s.uses) or "second_order" in s.tags or (
            create_backward and ".grad" in s.code.replace(".grad(", ""))
        if s.kind in _PASSES and reads:
            out.append(i)
        if reads or ("create_graph" in s.tags and s.kind == "grad"):
            made.update(s.defines)
            if reads and s.kind == "inplace":  # ``t.mul_(derivative)``: t now holds it too
                made.update(s.uses[:1])
        if "create_graph" in s.tags and s.kind == "backward":
            create_backward = True
    return out


def _downstream(program: Program, derived: list[int]) -> tuple[set[int], set[str]]:
    """Statements after the first second-order pass that read what such a pass made (its
    results, a ``.grad``, and what statements reading them define, transitively), and the
    names those statements define."""
    made: set[str] = set()
    out: set[int] = set()
    if not derived:
        return out, made
    for i, s in enumerate(program.stmts):
        if i in derived:
            made.update(s.defines)
            if i > derived[0]:  # a later second-order pass may read the first one's results
                out.add(i)
        elif i > derived[0] and (made.intersection(s.uses)
                                 or ".grad" in s.code.replace(".grad(", "")):
            out.add(i)
            made.update(s.defines)
            if s.kind == "inplace":  # ``t.add_(result)``: t now holds it too (or, where one
                made.update(s.uses[:1])  # side skipped, its version did not move)
    return out, made


#: what using None raises (``None.clone()``, ``tanh(None)``), or a grad() whose input the
#: derivative's graph does not reach
_USING_NONE = ("AttributeError", "TypeError", "UnusedInputError", "NoGradPathError")


def _nan_for_zero(a: Any, b: Any) -> bool:
    """Two tensors equal but where one has NaN and the other exactly 0."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.value.shape != b.value.shape:
        return False
    x, y = np.asarray(a.value, dtype=np.float64), np.asarray(b.value, dtype=np.float64)
    differ = ~((x == y) | (np.isnan(x) & np.isnan(y)))
    swapped = (np.isnan(x) & (y == 0)) | (np.isnan(y) & (x == 0))
    return bool(differ.any()) and bool(np.all(swapped[differ]))


def equivalent(program: Program, m: Mismatch, derived: list[int],
               downstream: tuple[set[int], set[str]] = (set(), set())) -> str | None:
    """The equivalence (see the module docstring) that accepts ``m`` where it first shows."""
    where, _, what = m.key.partition(":")
    at = int(where) if where.isdigit() else len(program.stmts)
    name = what.split(".", 1)[0]
    second_order = at in derived or any(name in program.stmts[d].defines for d in derived)
    if second_order and _nan_for_zero(m.got, m.want):
        return "higher-order"
    zero = (0,) if what.endswith("._version") else ()  # a result one side never made
    if (_nothing(m.got) or m.got in zero) and (_nothing(m.want) or m.want in zero):
        if second_order:  # right after a second-order pass, or one of its results
            return "higher-order"
    after, names = downstream
    if at in after or name in names or at == len(program.stmts) and after:
        # what follows from None against zeros: one side skipped or failed what the other
        # computed from them
        if "<nothing>" in (m.got, m.want):
            return "higher-order"
        if (_nothing(m.got) or m.got in _USING_NONE + zero) \
                and (_nothing(m.want) or m.want in _USING_NONE + zero):
            return "higher-order"
        if zero and name in names and isinstance(m.got, int) and isinstance(m.want, int):
            return "higher-order"  # an in-place update one side made and the other skipped
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return (a.value.shape == b.value.shape and a.value.tobytes() == b.value.tobytes()
                and (a.requires_grad, a.is_leaf, a.has_grad_fn)
                == (b.requires_grad, b.is_leaf, b.has_grad_fn))
    return not isinstance(a, Tensor) and not isinstance(b, Tensor) and a == b


def _noop(stmt: Stmt, kind: str) -> Stmt:
    return Stmt("noop", f"pass  # raised {kind}: {stmt.code}", (), (), tags=frozenset({kind}))


def _retain_at(program: Program, indices: list[int]) -> Program:
    stmts = list(program.stmts)
    for j in indices:
        if stmts[j].retain is False:
            stmts[j] = stmts[j].with_retain(True)
    return Program(tuple(stmts), program.seed)


def _retain_before(program: Program, index: int) -> Program:
    stmts = list(program.stmts)
    for j in range(index):
        if stmts[j].retain is False:
            stmts[j] = stmts[j].with_retain(True)
    return Program(tuple(stmts), program.seed)


def _twin(ref: Program, got: Trace, want: Trace, first: Mismatch,
          derived: list[int]) -> tuple[str, Program] | None:
    """A twin of the reference program that takes the allowed path at ``first``, if any."""
    i = first.statement
    if i is None or i >= len(ref.stmts):
        return None
    stmt = ref.stmts[i]
    g_err, w_err = got.errors.get(i), want.errors.get(i)
    if stmt.kind == "inplace" and w_err == "RuntimeError" and g_err is None \
            and "unaliased" in stmt.tags:
        twin = _not_a_view(ref, stmt.uses[0])
        return ("no-grad-view", twin) if twin != ref else None
    if stmt.kind not in _PASSES:
        return None
    if w_err == "RuntimeError" and g_err is None and _UNALIAS not in ref.source:
        return "torch-lazy-zeros", _grads_unaliased(ref)
    if g_err == "GraphFreedError" and w_err is None:
        return "retain-3", ref.replaced(i, _noop(stmt, g_err))
    if w_err == "GraphFreedError" and (g_err is None or (
            i in derived and g_err in ("UnusedInputError", "NoGradPathError"))):
        # through a derivative (whose graph, on PyTorch, may hold the freed forward node and
        # so reach inputs the backend's does not), or after a pass through one freed it
        twin = (_retain_before(ref, i) if i in derived
                else _retain_at(ref, [j for j in derived if j < i]))
        if twin != ref:
            return "derivative-graph", twin
    if w_err == "GraphFreedError" and g_err is None:
        twin = ref
        for j in range(i):  # PyTorch's op may have returned a view: in place, CopySlices
            if ref.stmts[j].kind == "inplace" and "unaliased" in ref.stmts[j].tags:
                twin = _not_a_view(twin, ref.stmts[j].uses[0])
        if twin != ref:
            return "internal-view", twin
    if w_err == "GraphFreedError" and g_err is None:
        failed = [j for j in range(i) if ref.stmts[j].kind in _PASSES
                  and got.errors.get(j) and want.errors.get(j)]
        if failed:  # PyTorch freed nodes of a pass that then failed; ERR-1: it changes nothing
            twin = ref
            for j in failed:
                twin = twin.replaced(j, _noop(ref.stmts[j], got.errors[j]))
            return "after-failure", twin
    if g_err is not None and g_err == w_err:
        return "torch-partial", ref.replaced(i, _noop(stmt, g_err))
    failed_before = any(got.errors.get(j) and want.errors.get(j)
                        and ref.stmts[j].kind in (*_PASSES, "noop") for j in range(i))
    if {g_err, w_err} == {"GraphFreedError", "SavedTensorModifiedError"}:
        if w_err == "GraphFreedError":
            twin = _retain_before(ref, i)
            if twin != ref:
                return "visit-order", twin
        elif any(ref.stmts[j].kind in (*_PASSES, "noop") for j in range(i)):
            return "visit-order", ref.replaced(i, _noop(stmt, g_err))
    if "GraphFreedError" in (g_err, w_err) and None not in (g_err, w_err) and failed_before:
        return "after-failure", ref.replaced(i, _noop(stmt, g_err))
    if g_err == "SavedTensorModifiedError" and w_err is None and any(
            s.kind == "inplace" for s in ref.stmts[:i]):
        return "saved-copy", ref.replaced(i, _noop(stmt, g_err))
    if w_err == "SavedTensorModifiedError" and g_err is None:
        twin = _on_copies(ref, i)
        if twin != ref:
            return "saved-less", twin
    if first.key.endswith(".grad"):
        # a .grad PyTorch changed in a pass that then failed (on both sides), seen only now
        # (an equivalence accepted it where it first showed): ERR-1 asks it to change nothing
        twin = ref
        for j in range(i):
            if (ref.stmts[j].kind in _PASSES and got.errors.get(j)
                    and got.errors.get(j) == want.errors.get(j)):
                twin = twin.replaced(j, _noop(ref.stmts[j], got.errors[j]))
        if twin != ref:
            return "torch-partial", twin
    if first.why == "values differ" and first.key.endswith(".grad") and _UNALIAS not in ref.source:
        return "torch-aliased-grads", _grads_unaliased(ref)
    return None


def _on_copies(program: Program, index: int) -> Program:
    """``program`` where what was computed before an in-place update keeps the old values: the
    statements before the update read ``(t * 1)`` instead of ``t``, a copy through which the
    gradient still flows, so an op saves the copy (which nothing modifies) rather than ``t``."""
    stmts = list(program.stmts)
    for j in range(index):
        s = stmts[j]
        if s.kind != "inplace" or not {"unaliased", "leaf_update"} & s.tags:
            continue
        name = s.uses[0]
        # uses of the tensor's value only: `(t * 1).grad` would read a non-leaf's .grad (None)
        word = re.compile(rf"\b{name}\b(?!\.grad\b)")
        for k in range(j):
            t = stmts[k]
            if name not in t.uses or t.kind not in ("op", "inplace") or (
                    t.kind == "inplace" and t.uses[0] == name):
                continue
            lhs, eq, rhs = t.code.partition(" = ") if t.kind == "op" else ("", "", t.code)
            stmts[k] = replace(t, code=f"{lhs}{eq}{word.sub(f'({name} * 1)', rhs)}")
    return Program(tuple(stmts), program.seed)


def _not_a_view(program: Program, name: str) -> Program:
    """``program`` where the op that made ``name`` returns a copy (``(...).clone()``)."""
    stmts = list(program.stmts)
    for k, t in enumerate(stmts):
        if t.kind == "op" and t.defines == (name,) and ".clone()" not in t.code:
            lhs, _, rhs = t.code.partition(" = ")
            stmts[k] = replace(t, code=f"{lhs} = ({rhs}).clone()")
    return Program(tuple(stmts), program.seed)


_UNALIAS = ("for _t in [v for v in list(globals().values()) if isinstance(v, torch.Tensor)]:\n"
            "    if _t.is_leaf and _t.grad is not None and not _t.grad.requires_grad:\n"
            "        _t.grad = _t.grad.detach().clone()")


def _grads_unaliased(program: Program) -> Program:
    """``program`` where every leaf's ``.grad`` gets storage of its own after each pass."""
    return Program(tuple(replace(s, code=f"{s.code}\n{_UNALIAS}") if s.kind in _PASSES else s
                         for s in program.stmts), program.seed)


def check(program: Program, backend: Any, reference: Any, got: Trace | None = None,
          want: Trace | None = None) -> Verdict:
    """Run ``program`` on ``backend`` and ``reference`` (PyTorch) and judge the difference."""
    float32 = "float32" in program.source or ".float()" in program.source
    got = run(program, backend) if got is None else got
    want = run(program, reference) if want is None else want
    ref = program
    used: list[str] = []
    derived = _derived(program)
    downstream = _downstream(program, derived)
    for _ in range(16):
        mismatches = []
        accepted: dict[str, tuple[Any, Any, str]] = {}  # quantity -> the difference accepted
        for m in diff(got, want, float32):
            what = m.key.partition(":")[2]
            why = equivalent(program, m, derived, downstream)
            carried = accepted.get(what)
            if why is None and carried and _same(m.got, carried[0]) and _same(m.want, carried[1]):
                why = carried[2]  # the same difference, still there later on
            if why is None:
                mismatches.append(m)
                continue
            accepted[what] = (m.got, m.want, why)
            if why not in used:
                used.append(why)
        twin = ref if ref is not program else None
        if not mismatches:
            return Verdict(program, [], used, twin, got, want)
        made = _twin(ref, got, want, mismatches[0], derived)
        if made is None:
            return Verdict(program, mismatches, used, twin, got, want)
        name, ref = made
        used.append(name)
        want = run(ref, reference)
    return Verdict(program, mismatches, used, ref, got, want)

"""Shrinking a failing program to a minimal one that still fails the same way.

Greedy delta debugging over statements: try dropping chunks of statements (halves, quarters,
..., single statements; a dropped statement takes every statement that reads its variables with
it), keep any drop after which the program still fails with a mismatch of the same kind, repeat
until nothing can be dropped.  Then cut: a computed tensor becomes a leaf holding PyTorch's value
for it, kept when that lets the ops that computed it go.  Then simplify what is left:
``retain_graph=True`` to ``False``, no ``inputs=``, no_grad sections to plain statements, leaf
values to round numbers, each kept only if the failure stays.
"""

from __future__ import annotations

import re
from typing import Any

from .compare import Mismatch, Verdict, check
from .program import Program, Stmt

MAX_CHECKS = 2000


def signature(m: Mismatch) -> tuple[str, str]:
    """What makes two mismatches "the same failure": the kind of difference and of thing."""
    what = m.key.split(":", 1)[1] if ":" in m.key else m.key
    thing = "grad" if what.endswith(".grad") else what.rsplit(".", 1)[-1] if "." in what else (
        "error" if what == "error" else "tensor")
    return m.why, thing


def shrink(program: Program, backend: Any, reference: Any,
           verdict: Verdict | None = None) -> Verdict:
    """The smallest failing variant of ``program`` found (its verdict), or the original's."""
    verdict = verdict or check(program, backend, reference)
    if verdict.ok:
        return verdict
    wanted = {signature(m) for m in verdict.mismatches}
    budget = [MAX_CHECKS]

    def fails(p: Program) -> Verdict | None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        try:
            v = check(p, backend, reference)
        except Exception:  # noqa: BLE001 - a variant the harness cannot run is not smaller
            return None
        if not v.ok and wanted.intersection(signature(m) for m in v.mismatches):
            return v
        return None

    best = verdict
    changed = True
    while changed and budget[0] > 0:
        changed = False
        n = len(best.program)
        chunk = max(1, n // 2)
        while chunk >= 1:
            i = 0
            while i < len(best.program):
                cand = best.program.without(range(i, min(i + chunk, len(best.program))))
                v = fails(cand) if len(cand) < len(best.program) else None
                if v is not None:
                    best, changed = v, True
                else:
                    i += chunk
            chunk //= 2
        for i in range(len(best.program)):  # a computed tensor becomes a leaf of its value
            new = _cut(best.program.stmts[i], i, best)
            if new is not None:
                v = fails(best.program.replaced(i, new))
                if v is not None and len(v.program.without(_unused(v.program))) < len(best.program):
                    best, changed = v, True
        for simplify in (_no_retain, _no_inputs, _no_no_grad, _round_values):
            for i in range(len(best.program)):
                new = simplify(best.program.stmts[i])
                if new is not None and new != best.program.stmts[i]:
                    v = fails(best.program.replaced(i, new))
                    if v is not None:
                        best, changed = v, True
    return best


def _unused(program: Program) -> list[int]:
    """Statements that only bind variables nothing reads."""
    read = {u for s in program.stmts for u in s.uses}
    return [i for i, s in enumerate(program.stmts)
            if s.kind in ("leaf", "op") and s.defines and not read.intersection(s.defines)]


def _cut(s: Stmt, i: int, verdict: Verdict) -> Stmt | None:
    """``s``'s result as a leaf holding the value PyTorch computed for it."""
    if s.kind != "op" or len(s.defines) != 1 or verdict.want is None:
        return None
    name = s.defines[0]
    seen = verdict.want.events.get(f"{i}:{name}")
    if seen is None or not hasattr(seen, "value") or seen.value.dtype.kind != "f":
        return None
    from .generator import nested

    values = [float(f"{x:.6g}") for x in seen.value.reshape(-1).tolist()]
    literal = nested(values, tuple(seen.value.shape))
    code = (f"{name} = torch.tensor({literal}, dtype=torch.{seen.value.dtype}, "
            f"requires_grad={seen.requires_grad})")
    return Stmt("leaf", code, s.defines)


def _halves(m: re.Match[str]) -> str:
    """A number rounded to a multiple of 0.5."""
    return repr(round(float(m.group()) * 2) / 2)


def _no_inputs(s: Stmt) -> Stmt | None:
    code = re.sub(r", inputs=\[[^\]]*\]", "", s.code)
    return Stmt(s.kind, code, s.defines, s.uses, s.op, s.retain, s.tags) if code != s.code else None


def _no_retain(s: Stmt) -> Stmt | None:
    return s.with_retain(False) if s.retain else None


def _no_no_grad(s: Stmt) -> Stmt | None:
    prefix = "with torch.no_grad(): "
    if not s.code.startswith(prefix):
        return None
    return Stmt(s.kind, s.code[len(prefix):], s.defines, s.uses, s.op, s.retain,
                s.tags - {"no_grad"})


_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+")


def _round_values(s: Stmt) -> Stmt | None:
    if s.kind != "leaf":
        return None
    code = _NUMBER.sub(_halves, s.code)
    return Stmt(s.kind, code, s.defines, s.uses, s.op, s.retain, s.tags) if code != s.code else None

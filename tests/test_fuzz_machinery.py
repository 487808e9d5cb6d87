"""Tests of the differential fuzzer itself (gradspec.conformance.fuzz).

The generator must be deterministic and cover the op registry; the comparison must accept what
the spec leaves open and nothing else; a deliberately broken backend must be caught, shrunk,
and printed as a script that shows the same disagreement.  PyTorch is the fuzzer's reference:
tests that need it skip without it.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import gradspec
from gradspec.backends.engine import REGISTRY
from gradspec.conformance.fuzz import Program, Stmt, check, fuzz, generate, run, shrink
from gradspec.conformance.fuzz.session import ops_for, program_for


@pytest.fixture(scope="module")
def torch_backend():
    ok, why = gradspec.plugins.availability("torch")
    if not ok:
        pytest.skip(f"PyTorch is the fuzzer's reference and is not available: {why}")
    return gradspec.load_backend("torch")


def _stmt(code: str, defines: str = "", tags: tuple[str, ...] = ()) -> Stmt:
    """A hand-written statement binding the space-separated ``defines``."""
    bound = tuple(defines.split())
    uses = tuple(sorted(set(re.findall(r"\bt\d+\b", code)) - set(bound)))
    kind = ("backward" if ".backward(" in code else "grad" if "autograd.grad" in code
            else "op")
    retain = None if "retain_graph=" not in code else "retain_graph=True" in code
    return Stmt(kind, code, bound, uses, retain=retain, tags=frozenset(tags))


def _program(*stmts: Stmt) -> Program:
    return Program(tuple(stmts))


# ------------------------------------------------------------------------------ the generator
def test_the_generator_is_deterministic_per_seed():
    for seed in (0, 1, 17, 12345):
        assert generate(seed) == generate(seed)
    sources = {generate(seed).source for seed in range(20)}
    assert len(sources) == 20


def test_programs_cover_every_public_op_of_the_engine_registry():
    from gradspec.conformance.fuzz.ops import NOT_FUZZED

    public = {op for op, cls in REGISTRY.items() if cls.public}
    seen: set[str] = set()
    for seed in range(300):
        seen |= generate(seed).ops()
    assert public - seen == set(NOT_FUZZED), "ops no program of seeds 0-299 uses"
    assert set(NOT_FUZZED) <= public, "NOT_FUZZED names an op the registry does not have"


def test_programs_use_the_statements_the_issue_asks_for():
    codes = "\n".join(generate(seed).source for seed in range(300))
    for needle in ("retain_grad()", ".detach()", "torch.no_grad()", "create_graph=True",
                   "retain_graph=True", "autograd.grad(", "allow_unused=True", "inputs=[",
                   "torch.autograd.backward([", "_(", "] = ", "torch.tensor(0.", "[[["):
        assert needle in codes, needle
    kinds = {s.kind for seed in range(300) for s in generate(seed).stmts}
    assert kinds == {"leaf", "op", "inplace", "retain_grad", "backward", "grad"}
    tags = {t for seed in range(300) for s in generate(seed).stmts for t in s.tags}
    assert {"leaf_inplace", "no_grad", "second_order", "create_graph"} <= tags


def test_a_backend_lacking_an_op_gets_programs_without_it(torch_backend):
    class WithoutSin:
        def __init__(self, b):
            self._b = b

        def __getattr__(self, name):
            if name == "sin":
                raise AttributeError(name)
            return getattr(self._b, name)

    assert "sin" in ops_for(torch_backend)
    assert "sin" not in ops_for(WithoutSin(torch_backend))
    assert all("sin" not in p.ops() for p in (program_for(WithoutSin(torch_backend), s)
                                               for s in range(100)))


def test_program_without_drops_the_statements_that_read_what_it_drops():
    p = _program(_stmt("t0 = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)", "t0"),
                 _stmt("t1 = t0 * 2", "t1"), _stmt("t2 = t1.exp()", "t2"),
                 _stmt("t3 = t0 + 1", "t3"))
    assert [s.code for s in p.without([1]).stmts] == [p.stmts[0].code, p.stmts[3].code]


# ------------------------------------------------------------------------------ the comparison
LEAF = _stmt("t0 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)", "t0")


def test_every_program_runs_on_torch_without_harness_errors(torch_backend):
    for seed in range(200):
        trace = run(generate(seed), torch_backend)
        odd = {k for k in trace.errors.values() if k in ("SyntaxError", "NameError")}
        assert not odd, f"seed {seed}: {odd}"


def test_torch_agrees_with_itself(torch_backend):
    for seed in range(100):
        assert check(generate(seed), torch_backend, torch_backend).ok


def test_a_stricter_retraversal_is_accepted(torch_backend):
    # RETAIN-3: sum() saves nothing; torch re-traverses, an engine may raise GraphFreedError
    p = _program(LEAF, _stmt("t1 = t0.sum()", "t1"), _stmt("t1.backward(retain_graph=False)"),
                 _stmt("t1.backward(retain_graph=False)"))
    raising = p.replaced(3, Stmt("backward", "raise __import__('gradspec').GraphFreedError('x')",
                                 uses=("t1",), retain=False))
    verdict = check(p, torch_backend, torch_backend, got=run(raising, torch_backend))
    assert verdict.ok and verdict.allowances == ["retain-3"]


def test_a_lenient_retraversal_is_a_finding(torch_backend):
    # torch raises (mul saved its inputs): RETAIN-1 requires the error of every backend
    p = _program(LEAF, _stmt("t1 = (t0 * t0).sum()", "t1"),
                 _stmt("t1.backward(retain_graph=False)"), _stmt("t1.backward(retain_graph=False)"))
    kept = p.replaced(2, p.stmts[2].with_retain(True))
    verdict = check(p, torch_backend, torch_backend, got=run(kept, torch_backend))
    assert not verdict.ok and verdict.mismatches[0].key == "3:error"


def test_a_freed_forward_node_in_a_derivatives_graph_is_accepted(torch_backend):
    # seed 2611: torch's double backward of cross_entropy runs back through the freed forward
    # node; a backend whose formula recomputes from the saved input need not raise
    p = _program(_stmt("t0 = torch.tensor([[-0.5, 0.25]], dtype=torch.float64, "
                       "requires_grad=True)", "t0"),
                 _stmt("t1 = torch.cross_entropy(t0, torch.tensor([0]))", "t1"),
                 _stmt("(t2,) = torch.autograd.grad(t1, [t0], retain_graph=False, "
                       "create_graph=True)", "t2", ("create_graph",)),
                 _stmt("t3 = (t2 * t2).sum()", "t3"),
                 _stmt("(t4,) = torch.autograd.grad(t3, [t0], retain_graph=False)", "t4"))
    want = run(p, torch_backend)
    assert want.errors == {4: "GraphFreedError"}
    kept = p.replaced(2, p.stmts[2].with_retain(True))
    verdict = check(p, torch_backend, torch_backend, got=run(kept, torch_backend))
    assert verdict.ok and "derivative-graph" in verdict.allowances
    # seed 24523: the other way round, a first-order pass after the second-order one freed
    # the derivative's graph (which, on PyTorch, holds the forward node)
    q = _program(*p.stmts[:2], p.stmts[2].with_retain(True), p.stmts[3], p.stmts[4],
                 _stmt("t1.backward(retain_graph=False)"))
    assert run(q, torch_backend).errors == {5: "GraphFreedError"}
    kept = q.replaced(4, q.stmts[4].with_retain(True))
    verdict = check(q, torch_backend, torch_backend, got=run(kept, torch_backend))
    assert verdict.ok and "derivative-graph" in verdict.allowances
    # not in a first-order pass: there the same difference is a finding
    first = _program(*p.stmts[:2], _stmt("t1.backward(retain_graph=False)"),
                     _stmt("t1.backward(retain_graph=False)"))
    lenient = first.replaced(2, first.stmts[2].with_retain(True))
    assert not check(first, torch_backend, torch_backend, got=run(lenient, torch_backend)).ok


def test_what_pytorch_freed_in_a_failed_pass_is_not_the_reference(torch_backend):
    # seed 20399: a pass fails on both sides (log_softmax's saved output was modified), PyTorch
    # having run and freed the sigmoid's node first; a backend whose failed pass freed nothing
    # (ERR-1) runs that node again in the next pass
    p = _program(_stmt("t1 = torch.tensor([[0.5], [-1.5]], dtype=torch.float64, "
                       "requires_grad=True)", "t1"),
                 _stmt("t2 = torch.log_softmax(t1, dim=0)", "t2"),
                 _stmt("t4 = torch.sigmoid(t1) + 0.5", "t4"),
                 _stmt("t2.add_(torch.ones(2, 1, dtype=torch.float64))"),
                 _stmt("torch.autograd.backward([t4, t2], [torch.ones(2, 1, dtype=torch.float64),"
                       " torch.ones(2, 1, dtype=torch.float64)], retain_graph=False)"),
                 _stmt("t4.sum().backward(retain_graph=False)"))
    want = run(p, torch_backend)
    assert want.errors == {4: "SavedTensorModifiedError", 5: "GraphFreedError"}
    refused = p.replaced(4, Stmt("backward", "raise __import__('gradspec')."
                                 "SavedTensorModifiedError('nothing ran')", uses=("t2", "t4"),
                                 retain=False))
    verdict = check(p, torch_backend, torch_backend, got=run(refused, torch_backend))
    assert verdict.ok and "after-failure" in verdict.allowances
    # without the failed pass before it, PyTorch alone raising is a finding
    plain = p.replaced(4, _stmt("t4.sum().backward(retain_graph=False)"))
    lenient = plain.replaced(4, plain.stmts[4].with_retain(True))
    assert not check(plain, torch_backend, torch_backend, got=run(lenient, torch_backend)).ok


def test_none_for_zeros_is_accepted_only_in_second_order_results(torch_backend):
    second = _program(
        LEAF,
        _stmt("(t1,) = torch.autograd.grad((t0 * 3).sum(), [t0], create_graph=True, "
              "retain_graph=False)", "t1", tags=("create_graph",)),
        _stmt("t2 = (t1 * t1).sum()", "t2"),
        _stmt("(t3,) = torch.autograd.grad(t2, [t0], retain_graph=False, allow_unused=True)",
              "t3", tags=("second_order",)))
    zeros = second.replaced(3, _stmt("t3 = torch.zeros(2, dtype=torch.float64)", "t3"))
    verdict = check(second, torch_backend, torch_backend, got=run(zeros, torch_backend))
    assert verdict.ok and "higher-order" in verdict.allowances
    first = _program(
        LEAF, _stmt("t1 = torch.tensor([5.0], dtype=torch.float64, requires_grad=True)", "t1"),
        _stmt("t2, t3 = torch.autograd.grad((t0 * 3).sum(), [t0, t1], retain_graph=False, "
              "allow_unused=True)", "t2 t3"))
    zeros = first.replaced(2, _stmt("t2, t3 = torch.full((2,), 3.0, dtype=torch.float64), "
                                    "torch.zeros(1, dtype=torch.float64)", "t2 t3"))
    verdict = check(first, torch_backend, torch_backend, got=run(zeros, torch_backend))
    assert [m.key for m in verdict.mismatches][:1] == ["2:t3"]  # AGRAD-2: None, not zeros


@pytest.mark.parametrize("seed, allowance", [
    (61583, "higher-order"),   # conv2d's double backward: None on PyTorch, zeros here; PyTorch's
    (194073, "higher-order"),  # program then fails (None * None) or skips what this one computes
    (148061, "higher-order"),  # t6.grad None -> .clone() raises AttributeError on PyTorch only
    (115538, "higher-order"),  # batch_norm weight: UnusedInputError on PyTorch, a value here
    (141558, "higher-order"),  # the norm of a zero vector twice differentiated: NaN against 0
    (43582, "derivative-graph"),  # t.mul_(derivative), then a pass through PyTorch's freed node
])
def test_the_campaigns_second_order_findings_are_documented_allowances(torch_backend, seed,
                                                                       allowance):
    numpy_backend = gradspec.load_backend("numpy")
    verdict = check(generate(seed), numpy_backend, torch_backend)
    assert verdict.ok, [str(m) for m in verdict.mismatches]
    assert allowance in verdict.allowances


def _second_order_of_t0() -> tuple[Stmt, ...]:
    """``t0``; ``t1``, its derivative with a graph; ``t2``, a second-order pass through it."""
    return (LEAF,
            _stmt("(t1,) = torch.autograd.grad((t0 * t0).sum(), [t0], create_graph=True)", "t1",
                  tags=("create_graph",)),
            _stmt("(t2,) = torch.autograd.grad((t1 * t1).sum(), [t0], allow_unused=True)", "t2",
                  tags=("second_order",)))


def test_what_follows_a_second_order_result_is_excused_only_there():
    from gradspec.conformance.fuzz.compare import Mismatch, Tensor, _derived, _downstream, \
        equivalent

    second = _program(
        *_second_order_of_t0(),
        _stmt("t3 = torch.tanh(t2) + 1.5", "t3"),
        _stmt("t4 = t0 * 2", "t4"))
    derived = _derived(second)
    down = _downstream(second, derived)
    value = Tensor(np.array([1.5, 1.5]), False, True, False)
    nan = Tensor(np.array([np.nan, 2.0]), False, True, False)
    for key, got, want, ok in [
            ("3:t3", value, "<nothing>", True),       # computed from zeros; PyTorch skipped
            ("3:error", "<nothing>", "TypeError", True),  # tanh(None) on PyTorch
            ("4:t4", value, "<nothing>", False),      # reads no second-order result
            ("2:t2", nan, Tensor(np.array([0.0, 2.0]), False, True, False), True),
            ("2:t2", nan, Tensor(np.array([1.0, 2.0]), False, True, False), False),
            ("1:t1", nan, Tensor(np.array([0.0, 2.0]), False, True, False), False)]:
        why = equivalent(second, Mismatch(key, got, want, "differs"), derived, down)
        assert (why == "higher-order") is ok, (key, got, want)


def test_an_in_place_update_by_a_second_order_result_is_excused_in_its_version():
    # the backend adds its zeros into t0 where PyTorch, holding None, skipped (or failed) the
    # update: t0's version counter moved on one side only; t4's did not take such a result
    from gradspec.conformance.fuzz.compare import Mismatch, _derived, _downstream, equivalent

    program = _program(
        *_second_order_of_t0(),
        _stmt("t4 = t0 * 2", "t4"),
        Stmt("inplace", "with torch.no_grad(): t4.mul_(3.0)", (), ("t4",)),
        Stmt("inplace", "with torch.no_grad(): t0.add_(t2)", (), ("t0", "t2")))
    derived = _derived(program)
    down = _downstream(program, derived)
    for key, ok in [("end:t0._version", True), ("end:t4._version", False)]:
        why = equivalent(program, Mismatch(key, 1, 0, "differs"), derived, down)
        assert (why == "higher-order") is ok, key


def test_pytorchs_aliased_leaf_gradients_are_not_the_reference(torch_backend):
    # PyTorch gives 3 for the second accumulation below (the two .grad share one buffer)
    p = _program(_stmt("t0 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)", "t0"),
                 _stmt("t1 = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)", "t1"),
                 _stmt("t2 = torch.stack([t0, t1], dim=0)", "t2"),
                 _stmt("t2.sum().backward(retain_graph=False)"),
                 _stmt("t2.sum().backward(retain_graph=False)"))
    right = check(p, gradspec.load_backend("numpy"), torch_backend)
    assert right.ok and right.allowances == ["torch-aliased-grads"]
    # a backend answering PyTorch's buggy 3 (here: the second pass weighted by 2) is wrong
    buggy = p.replaced(4, _stmt("t2.sum().backward(torch.tensor(2.0, dtype=torch.float64), "
                                "retain_graph=False)"))
    assert not check(p, torch_backend, torch_backend, got=run(buggy, torch_backend)).ok


def test_a_leaf_updated_under_no_grad_that_torch_saved(torch_backend):
    # 0.5 ** t saves t in PyTorch (it raises after the update), only the result in the engine
    p = _program(_stmt("t1 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)", "t1"),
                 _stmt("t2 = torch.pow(0.5, t1)", "t2"),
                 Stmt("inplace", "with torch.no_grad(): t1.clamp_(-0.5, 0.25)", (), ("t1",),
                      tags=frozenset({"no_grad", "leaf_update"})),
                 _stmt("t2.backward(retain_graph=False)"))
    verdict = check(p, gradspec.load_backend("numpy"), torch_backend)
    assert verdict.ok and "saved-less" in verdict.allowances
    # a backend that differentiated at the updated value would be wrong: d/dt 0.5**t at 0.25
    wrong = p.replaced(3, _stmt("t1.grad = torch.tensor(0.5 ** 0.25 * -0.6931471805599453, "
                                "dtype=torch.float64)"))
    assert not check(p, torch_backend, torch_backend, got=run(wrong, torch_backend)).ok


def test_the_saved_less_twin_still_reads_the_leafs_gradient(torch_backend):
    # seed 29266: the twin reads (t1 * 1) for t1's value, but t1.grad must stay t1.grad (a
    # copy is not a leaf: its .grad is None)
    p = _program(_stmt("t1 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)",
                       "t1"),
                 _stmt("t2 = torch.pow(2.0, t1)", "t2"),
                 _stmt("t2.backward(torch.ones(2, dtype=torch.float64), retain_graph=True)"),
                 _stmt("t3 = t1.grad.clone()", "t3"),
                 Stmt("inplace", "with torch.no_grad(): t1.add_(t3)", (), ("t1", "t3"),
                      tags=frozenset({"no_grad", "leaf_update"})),
                 _stmt("t2.backward(torch.ones(2, dtype=torch.float64))"))
    verdict = check(p, gradspec.load_backend("numpy"), torch_backend)
    assert verdict.ok and "saved-less" in verdict.allowances, verdict


def test_pytorchs_lazy_zero_gradients_are_not_the_reference(torch_backend):
    # abs's double backward leaves a lazy zero .grad in PyTorch; the next backward raises there
    p = _program(_stmt("t0 = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)", "t0"),
                 _stmt("t1 = t0.abs()", "t1"),
                 _stmt("(t2,) = torch.autograd.grad(t1, [t0], retain_graph=False, "
                       "create_graph=True)", "t2", tags=("create_graph",)),
                 _stmt("(t2 * t2).sum().backward(retain_graph=False)", tags=("second_order",)),
                 _stmt("t3 = t0 * 3", "t3"),
                 _stmt("t3.backward(retain_graph=False)"))
    numpy = gradspec.load_backend("numpy")
    right = check(p, numpy, torch_backend)
    assert right.ok and "torch-lazy-zeros" in right.allowances
    wrong = p.replaced(5, _stmt("t3.backward(torch.tensor(2.0, dtype=torch.float64), "
                                "retain_graph=False)"))
    assert not check(p, numpy, torch_backend, got=run(wrong, numpy)).ok


def test_an_in_place_update_of_a_no_grad_view(torch_backend):
    # PyTorch's batched matmul returns a view; updating it in grad mode raises there only
    p = _program(_stmt("t0 = torch.tensor([[0.5]], dtype=torch.float64, requires_grad=True)", "t0"),
                 _stmt("t1 = torch.tensor([[[-1.5, 2.0]], [[1.0, -1.0]]], dtype=torch.float64, "
                       "requires_grad=True)", "t1"),
                 _stmt("with torch.no_grad(): t2 = t0 @ t1", "t2"),
                 Stmt("inplace", "t2.mul_(t1)", (), ("t2", "t1"), tags=frozenset({"unaliased"})),
                 _stmt("t2.sum().backward(retain_graph=False)"))
    numpy = gradspec.load_backend("numpy")
    right = check(p, numpy, torch_backend)
    assert right.ok and right.allowances == ["no-grad-view"]
    wrong = p.replaced(3, Stmt("inplace", "t2.mul_(t1 * 2)", (), ("t2", "t1")))
    assert not check(p, numpy, torch_backend, got=run(wrong, numpy)).ok


def test_values_are_compared_with_float64_tolerances(torch_backend):
    p = _program(LEAF, _stmt("t1 = t0 * 3", "t1"))
    near = p.replaced(1, _stmt("t1 = t0 * (3 + 1e-12)", "t1"))
    far = p.replaced(1, _stmt("t1 = t0 * (3 + 1e-5)", "t1"))
    assert check(p, torch_backend, torch_backend, got=run(near, torch_backend)).ok
    verdict = check(p, torch_backend, torch_backend, got=run(far, torch_backend))
    assert [m.why for m in verdict.mismatches][:1] == ["values differ"]


# ------------------------------------------------------------------------------ a broken backend
class _Sabotaged:
    """The torch backend with exp's gradient off by half (the function form only)."""

    name = "sabotaged-torch"

    def __init__(self, torch_backend):
        import torch

        class BadExp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y * 1.5

        self._b = torch_backend
        self.exp = BadExp.apply

    def __getattr__(self, name):
        return getattr(self._b, name)


def test_a_broken_gradient_is_caught_shrunk_and_printed(torch_backend):
    bad = _Sabotaged(torch_backend)
    findings = list(fuzz(bad, range(300), torch_backend, cache={}))
    assert findings, "exp's gradient was off by half and 300 programs did not notice"
    first = findings[0]
    assert len(first.verdict.program) < len(first.original)
    # leaf, guard, exp's consumer, backward; one more where a backward also takes an
    # unrelated leaf (the shrinker drops statements, not a backward call's arguments)
    assert len(first.verdict.program) <= 5
    assert "torch.exp(" in first.verdict.program.source
    assert any(m.why == "values differ" for m in first.verdict.mismatches)

    namespace: dict = {}
    exec(compile(first.code, "<reproducer>", "exec"), namespace)  # noqa: S102
    seen_bad = namespace["program"](bad)
    seen_ref = namespace["program"](torch_backend)
    differing = [k for k in seen_bad if seen_bad[k] != seen_ref.get(k)]
    assert differing and differing[0] in {m.key for m in first.verdict.mismatches}


def test_the_shrinker_keeps_a_failure_of_the_same_kind(torch_backend):
    bad = _Sabotaged(torch_backend)
    for seed in range(300):
        program = program_for(bad, seed)
        verdict = check(program, bad, torch_backend)
        if not verdict.ok:
            break
    else:
        pytest.fail("no failing program to shrink")
    small = shrink(program, bad, torch_backend, verdict)
    assert not small.ok and len(small.program) <= len(program)
    again = check(small.program, bad, torch_backend).mismatches
    # compared by key and reason: observed values hold arrays, whose == is elementwise
    assert [(m.key, m.why) for m in again] == [(m.key, m.why) for m in small.mismatches]


# ------------------------------------------------------------------------------ the command
def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradspec.conformance.fuzz", *args],
                          capture_output=True, text=True, timeout=300)


def test_the_command_has_help():
    out = _cli("--help")
    assert out.returncode == 0 and "--count" in out.stdout and "--backend" in out.stdout


def test_the_command_reports_a_bad_backend_in_one_line():
    out = _cli("--backend", "no-such-backend", "--count", "1")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "no backend named" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_command_runs_a_seed_range(torch_backend):
    out = _cli("--backend", "numpy", "--count", "30", "--start", "100")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "numpy: 30 programs (seeds 100..129)" in out.stdout and "0 finding(s)" in out.stdout

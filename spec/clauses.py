'''The clause catalogue: what "autograd" means, one numbered rule at a time.

Each clause has a stable ID (``LEAF-1``, ``RETAIN-2``, ...; IDs are never reused or renumbered),
a normative rule (RFC 2119 words: MUST, SHOULD, MAY), and either no capability (mandatory for
every backend) or the name of the capability it is tied to (see ``protocol.CAPABILITIES``).
Every conformance test names the clauses it checks with ``@pytest.mark.clause(...)``; the docs'
spec pages are generated from this module.

``example`` is a minimal program written against a backend bound to the name ``torch``
(``torch = gradspec.load_backend("numpy")``).  Examples are executed by gradspec's own tests on
every backend, so they stay true.  Every rule was observed on PyTorch 2.13.0, the reference.
'''

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    """One numbered rule of the contract (rendered as a section of the spec pages)."""

    id: str
    """The stable ID, ``FAMILY-N`` (``LEAF-1``); never reused or renumbered."""
    title: str
    """The rule in a few words (the spec pages' headings)."""
    rule: str
    """The normative text, with RFC 2119 words (MUST, SHOULD, MAY)."""
    rationale: str
    """Why the rule exists: what a user would lose without it."""
    example: str
    """A minimal program against a backend bound to ``torch``, run on every backend by the suite."""
    level: str = "MUST"
    """``"MUST"``, ``"SHOULD"`` or ``"MAY"``: the strongest word of the rule."""
    capability: str | None = None
    """The capability the clause is tied to (a key of ``protocol.CAPABILITIES``), or None for a
    clause every backend is judged on."""

    @property
    def family(self) -> str:
        """The ID's prefix (``LEAF`` for ``LEAF-1``): the spec page the clause is on."""
        return self.id.rsplit("-", 1)[0]

    @property
    def number(self) -> int:
        """The ID's number (``1`` for ``LEAF-1``): clauses are listed in this order."""
        return int(self.id.rsplit("-", 1)[1])

    @property
    def mandatory(self) -> bool:
        """True when every backend is judged on the clause (it has no capability)."""
        return self.capability is None


FAMILIES: dict[str, str] = {  # the order of the spec pages
    "LEAF": "Leaves and requires_grad",
    "GRAPH": "grad_fn and the graph",
    "BWD": "backward() basics",
    "ACC": "Gradient accumulation",
    "RETAIN": "Freeing and retaining the graph",
    "GRADT": "Weighting non-scalar outputs",
    "AGRAD": "autograd.grad",
    "RETAINGRAD": "Gradients of non-leaf tensors",
    "HIGHER": "create_graph and higher order",
    "INPLACE": "In-place operations",
    "VERSION": "Version counters on saved tensors",
    "NOGRAD": "Grad mode",
    "DETACH": "detach and leaving autograd",
    "HOOK": "Tensor hooks",
    "SHAPE": "Shapes and dtypes of gradients",
    "NONDIFF": "Non-differentiable points",
    "OPS": "Per-op gradient checks",
    "SEED": "The tutorials' worked examples",
    "ERR": "Error kinds",
    "WORKLOAD": "The tutorials' workloads, trained with gradspec.nn and gradspec.optim",
}
"""Each family's ID prefix and its subject, in the order the spec pages list them."""


def _c(id: str, title: str, rule: str, rationale: str, example: str, level: str = "MUST",
       capability: str | None = None) -> Clause:
    return Clause(id, title, rule.strip(), rationale.strip(), example.strip("\n"), level, capability)


CLAUSES: tuple[Clause, ...] = (
    # ---------------------------------------------------------------------------- LEAF
    _c("LEAF-1", "User-created tensors are leaves",
       """A tensor created by the user (a factory, ``tensor``, ``from_numpy``) MUST be a leaf:
       ``is_leaf`` is True, ``grad_fn`` and ``grad`` are None, and ``requires_grad`` defaults to False.
       ``requires_grad=True`` at construction, or ``requires_grad_()`` (which returns the tensor
       itself), MUST keep it a leaf.""",
       "Leaves are where gradients are stored; everything else is computed from them.",
       """
x = torch.tensor(2.0, requires_grad=True)
assert x.is_leaf and x.grad_fn is None and x.grad is None
c = torch.zeros(3)
assert c.is_leaf and not c.requires_grad
assert c.requires_grad_() is c and c.is_leaf and c.requires_grad
"""),
    _c("LEAF-2", "Results of untracked inputs are leaves",
       """An op whose inputs all have ``requires_grad=False`` MUST return a tensor with
       ``requires_grad=False``, ``grad_fn=None`` and ``is_leaf=True``.""",
       "Every tensor that does not require grad is a leaf by convention.",
       """
c = torch.tensor(3.0)
z = c * 2
assert z.is_leaf and not z.requires_grad and z.grad_fn is None
"""),
    _c("LEAF-3", "requires_grad propagates",
       """In grad mode, an op's output MUST require grad if and only if at least one of its
       differentiable inputs requires grad; such an output MUST be a non-leaf with a grad_fn.""",
       "This is what makes intermediate results part of the graph without any annotation.",
       """
x = torch.tensor(2.0, requires_grad=True)
y = x * torch.tensor(3.0)
assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
"""),
    _c("LEAF-4", "Non-differentiable outputs never require grad",
       """Ops whose result is boolean or integer (comparisons ``ge gt le lt eq ne``, their operators)
       MUST return tensors with ``requires_grad=False`` and ``grad_fn=None``, even when an input
       requires grad.""",
       "There is no gradient through a comparison; marking it would make backward fail later.",
       """
x = torch.tensor([1.0, -1.0], requires_grad=True)
m = x.ge(0)
assert not m.requires_grad and m.grad_fn is None
assert not (x > 0).requires_grad
"""),
    _c("LEAF-5", "Only floating tensors can require grad",
       """Asking an integer or boolean tensor to require grad (at construction, with
       ``requires_grad_()``, or by setting ``requires_grad``) MUST raise ``RequiresGradDtypeError``.""",
       "Gradients are real numbers; an integer tensor cannot hold them.",
       """
expect_error(RequiresGradDtypeError, lambda: torch.tensor([1, 2], requires_grad=True))
expect_error(RequiresGradDtypeError, lambda: torch.tensor([1, 2]).requires_grad_())
"""),
    _c("LEAF-6", "requires_grad is only settable on leaves",
       """Setting ``requires_grad=False`` on a non-leaf (attribute or ``requires_grad_(False)``) MUST
       raise ``NonLeafRequiresGradError``.  Turning a leaf's flag off after a graph was built MUST
       leave backward working, with that leaf's ``grad`` left None.""",
       "A non-leaf's flag is derived from its inputs; use ``detach()`` to stop tracking instead.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
expect_error(NonLeafRequiresGradError, lambda: y.requires_grad_(False))
"""),
    # ---------------------------------------------------------------------------- GRAPH
    _c("GRAPH-1", "next_functions describes the graph",
       """A non-leaf's ``grad_fn.next_functions`` MUST hold one ``(node, index)`` pair per
       differentiable input, in input order: the input's grad_fn for a non-leaf; an
       ``AccumulateGrad`` node whose ``variable`` is the leaf for a leaf that requires grad; and
       ``None`` for an input that does not require grad, a Python number operand included.  The
       leaf's node's ``name()`` contains ``AccumulateGrad``.""",
       "The graph is inspectable: tools draw it, tutorials teach with it.",
       """
w = torch.tensor([1.0], requires_grad=True)
a = w + 1
(acc, _), (const, _) = a.grad_fn.next_functions
assert acc.variable is w and const is None
"""),
    _c("GRAPH-2", "grad_fn names follow PyTorch's",
       """``grad_fn.name()`` SHOULD return a name that, stripped of ``Backward`` and a trailing number,
       is PyTorch's op name (``Add``, ``Mul``, ``Pow``, ``Sum``, ``Mm``, ...) for the catalogued ops.""",
       "Users read these names in reprs and graphs; PyTorch's are the ones they know.",
       """
x = torch.tensor([1.0], requires_grad=True)
assert op_name((x * 2).grad_fn) == "Mul" and op_name((x + 2).grad_fn) == "Add"
""", level="SHOULD"),
    _c("GRAPH-3", "The graph is built as the program runs",
       """Ops MUST compute their values eagerly and record the graph of the operations actually
       executed (define-by-run): Python control flow decides which nodes exist.""",
       "Dynamic graphs are what users expect from PyTorch.",
       """
x = torch.tensor(3.0, requires_grad=True)
y = x * x if x.item() > 0 else x + x
assert y.item() == 9.0 and op_name(y.grad_fn) == "Mul"
"""),
    # ---------------------------------------------------------------------------- BWD
    _c("BWD-1", "Implicit gradient for one-element outputs",
       """``backward()`` without ``gradient`` on a tensor with exactly one element (shape ``()``,
       ``(1,)``, ``(1, 1)``, ...) MUST use a gradient of 1.  ``backward()`` on a leaf that requires grad
       MUST give it a gradient of 1.""",
       "Losses are scalars; requiring a gradient argument for them would be noise.",
       """
z = torch.tensor([2.0], requires_grad=True)
(z * 3).backward()
assert z.grad.tolist() == [3.0]
"""),
    _c("BWD-2", "Non-scalar outputs need a gradient",
       """``backward()`` (or ``autograd.grad``) on an output with more than one element and no
       gradient MUST raise ``NonScalarBackwardError``.""",
       "An implicit sum would hide a missing reduction (PyTorch refuses it too).",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
expect_error(NonScalarBackwardError, lambda: (x * 2).backward())
"""),
    _c("BWD-3", "A gradient must have its output's shape",
       """A ``gradient`` passed to ``backward`` MUST have exactly the output's shape (no broadcasting,
       not even ``()`` against ``(1,)``); otherwise ``GradientShapeError``.  The gradient's dtype MAY
       differ; the leaf's ``grad`` MUST have the leaf's dtype.""",
       "Silently broadcasting a wrong-shaped weight gives wrong gradients.",
       """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
expect_error(GradientShapeError, lambda: y.backward(torch.ones(2)))
y.backward(torch.tensor([1.0, 0.1, 0.01]))
assert close(x.grad, [2.0, 0.2, 0.02])
"""),
    _c("BWD-4", "Backward needs a tensor that requires grad",
       """``backward()`` on a tensor that does not require grad (a plain tensor, a detached one, or a
       result of untracked inputs) MUST raise ``NoGradPathError``.""",
       "There is no graph to walk; failing loudly points at the missing requires_grad.",
       """
expect_error(NoGradPathError, lambda: torch.tensor(1.0).backward())
"""),
    _c("BWD-5", "The chain rule sums over paths",
       """Gradient contributions of every path from the output to a tensor MUST be summed.  Leaves
       not reached by the graph MUST keep ``grad`` None (not zeros).""",
       "This is the chain rule; None versus zero tells 'unused' from 'zero gradient'.",
       """
x = torch.tensor(3.0, requires_grad=True)
u = torch.tensor(1.0, requires_grad=True)
(x * x + x).backward()
assert x.grad.item() == 7.0 and u.grad is None
"""),
    _c("BWD-6", "Backward runs inside no_grad",
       """A graph built in grad mode MUST be differentiable by ``backward()`` called inside
       ``no_grad()``, with the usual gradients.""",
       "Grad mode governs recording new ops, not walking an existing graph.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * 2).sum()
with torch.no_grad():
    y.backward()
assert x.grad.tolist() == [2.0, 2.0]
"""),
    _c("BWD-7", "backward(inputs=...) restricts accumulation",
       """``backward(inputs=[...])`` MUST accumulate only into the listed tensors; a non-leaf listed
       gets its ``grad`` populated, and retains its grad from then on (as after ``retain_grad()``).
       Hooks of tensors that lead only to unlisted tensors MUST NOT run, except those of a single
       output itself: its hooks and ``retain_grad`` run as in a full backward.  An empty
       ``inputs`` MUST raise ``EmptyInputsError``.""",
       "Lets a program update one part of a model without touching the others' gradients.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
u = torch.tensor([3.0, 4.0], requires_grad=True)
(x * u).sum().backward(inputs=[x])
assert x.grad.tolist() == [3.0, 4.0] and u.grad is None
""", capability="backward_inputs"),
    _c("BWD-8", "Deep graphs backpropagate",
       """Backward through a chain of 10,000 ops MUST succeed without exhausting Python's recursion
       limit.""",
       "Recursive graph walks fail on long unrolled loops (micrograd's well-known limit).",
       """
x = torch.tensor(1.0, requires_grad=True)
y = x
for _ in range(10000):
    y = y + 1
y.backward()
assert x.grad.item() == 1.0
"""),
    # ---------------------------------------------------------------------------- ACC
    _c("ACC-1", "backward adds into grad",
       """Each backward MUST add its gradient into every reached leaf's ``grad``, across calls and
       across different graphs.  (Fresh graph each time, ``y=(w+x)*(w+1)`` at w=1, x=2:
       ``w.grad`` is 5, 10, 15, 20.)""",
       "Accumulation lets several losses or micro-batches contribute; zero it yourself.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
seen = []
for _ in range(4):
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward()
    seen.append(w.grad.item())
assert seen == [5.0, 10.0, 15.0, 20.0]
"""),
    _c("ACC-2", "What a gradient looks like",
       """``grad`` MUST be None until the first backward that reaches the leaf; then a tensor of the
       leaf's shape and dtype with ``requires_grad=False``, ``is_leaf=True`` and no grad_fn (without
       ``create_graph``).""",
       "A gradient is data, not part of the graph, unless higher order is requested.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
assert x.grad is None
(x * x).sum().backward()
g = x.grad
assert tuple(g.shape) == (2,) and g.dtype == x.dtype and not g.requires_grad and g.is_leaf
"""),
    _c("ACC-3", "Zeroing gradients",
       """Setting ``grad = None`` and ``grad.zero_()`` MUST both reset accumulation; ``grad`` MUST be
       assignable a tensor of the leaf's shape.""",
       "Training loops zero gradients between steps.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * 3).sum().backward()
x.grad.zero_()
(x * 3).sum().backward()
assert x.grad.tolist() == [3.0, 3.0]
x.grad = None
(x * 3).sum().backward()
assert x.grad.tolist() == [3.0, 3.0]
"""),
    _c("ACC-4", "Assigned gradients are validated",
       """Assigning ``grad`` a tensor whose shape differs from the leaf's SHOULD raise
       ``GradientShapeError``.""",
       "A wrong-shaped gradient would fail later, far from the mistake.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
def assign():
    x.grad = torch.zeros(3)
expect_error(GradientShapeError, assign)
""", level="SHOULD"),
    _c("ACC-5", "Accumulation without create_graph is in place",
       """A backward without ``create_graph`` that reaches a leaf whose ``grad`` is already a tensor
       MUST add into that tensor in place: ``grad`` stays the same object, so a reference taken
       earlier, or a tensor the user assigned to ``grad``, sees the sum.  A leaf's first gradient
       MUST be a tensor of its own, never the ``gradient`` the caller passed.  The ``grad`` of a
       non-leaf that retains its gradient MUST instead be replaced by a new tensor holding the
       sum (the one read before keeps its value).""",
       """Optimizers, gradient clipping and logging hold ``.grad`` tensors across backward passes
       and must see what was accumulated; PyTorch's AccumulateGrad adds in place whenever grad
       mode is off during backward (its test_accumulate_grad), and its retain_grad hook adds out
       of place.""",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([1.0, 1.0])
x.backward(v)
g = x.grad
assert g is not v
(x * 3).sum().backward()
assert x.grad is g and g.tolist() == [4.0, 4.0] and v.tolist() == [1.0, 1.0]
y = x * 2
y.retain_grad()
y.sum().backward(retain_graph=True)
first = y.grad
y.sum().backward()
assert y.grad is not first and first.tolist() == [1.0, 1.0] and y.grad.tolist() == [2.0, 2.0]
"""),
    _c("ACC-6", "Accumulation around create_graph",
       """With ``create_graph=True``, accumulation MUST be out of place: ``grad`` becomes a new
       tensor, the sum, differentiable with respect to what either term depends on; the tensor
       read before keeps its value, and two passes with ``create_graph=True`` add (``x**3`` at 2:
       12, then 24).  A later backward without ``create_graph`` into a ``grad`` that carries
       such a graph MUST follow ACC-5: ``grad`` stays the same object, keeps its grad_fn and
       holds the sum (``x = -1``: ``(x**3).backward(create_graph=True); g = x.grad;
       g.backward()`` leaves ``g is x.grad`` and ``g == -3``).  Where the backend has version
       counters, that in-place addition MUST move ``grad``'s counter, so a graph that saved it
       raises ``SavedTensorModifiedError`` (VERSION-2).""",
       """PyTorch decides by grad mode during backward: on (create_graph) it adds out of place,
       off it adds in place, whatever ``grad`` carries (observed on 2.13.0); second-order
       training steps see the same numbers everywhere.""",
       """
import warnings
warnings.filterwarnings("ignore", "Using backward.. with create_graph")  # PyTorch: a ref cycle
x = torch.tensor([-1.0], requires_grad=True)
(x ** 3).backward(create_graph=True)
g = x.grad
assert g.tolist() == [3.0] and g.requires_grad
g.backward()
assert x.grad is g and g.tolist() == [-3.0] and g.grad_fn is not None
w = torch.tensor(2.0, requires_grad=True)
(w ** 3).backward(create_graph=True)
first = w.grad
(w ** 3).backward(create_graph=True)
assert w.grad is not first and first.item() == 12.0 and w.grad.item() == 24.0
""", capability="create_graph"),
    # ---------------------------------------------------------------------------- RETAIN
    _c("RETAIN-1", "The graph is freed after backward",
       """After ``backward()`` or ``autograd.grad()`` without ``retain_graph``, the saved tensors of
       the traversed graph MUST be freed, and a later traversal that needs them MUST raise
       ``GraphFreedError`` (a second backward, a second grad, or the backward of another output
       sharing the freed part).""",
       "Freeing saved tensors is what keeps training memory flat.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward()
expect_error(GraphFreedError, lambda: y.backward())
"""),
    _c("RETAIN-2", "retain_graph keeps the graph",
       """With ``retain_graph=True`` the graph MUST survive: repeated backward works and accumulates.
       A later call without it frees the graph.  ``retain_graph`` MUST default to the value of
       ``create_graph``.""",
       "Several backward passes through one graph need it (e.g. Jacobians row by row).",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward(retain_graph=True)
y.backward()
assert w.grad.item() == 10.0 and x.grad.item() == 4.0
expect_error(GraphFreedError, lambda: y.backward())
"""),
    _c("RETAIN-3", "Re-traversing nodes that saved nothing",
       """A second backward through a freed graph whose nodes saved no tensors (``t.sum()``,
       ``t + t``) MAY succeed (accumulating again) or raise ``GraphFreedError``; it MUST NOT
       produce any other result.  Likewise a backward through a derivative made with
       ``create_graph=True`` after its forward graph was freed, and a backward through the
       forward graph after one through the derivative freed that: whether the two graphs share
       nodes depends on how each backward formula is written (PyTorch's for ``cross_entropy``
       differentiates through the forward op's own output).""",
       "PyTorch raises lazily, only when freed data is needed; an engine may be stricter.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sum()
y.backward()
try:
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]
except Exception as exc:
    assert torch.classify_error(exc) is GraphFreedError
""", level="MAY"),
    _c("RETAIN-4", "Nodes that saved non-differentiable data are freed too",
       """The freeing of RETAIN-1 MUST cover every node that saved data for backward, also when
       that data is not differentiated: ``where``'s condition, the index tensor or mask of
       ``x[idx]``, the positions ``max(dim)`` chose, and indexed assignment's node.  A second
       backward through such a node without ``retain_graph`` MUST raise ``GraphFreedError``.
       Only nodes that keep no more than sizes, dims and slices fall under RETAIN-3.""",
       """PyTorch frees every saved variable, a where condition included (observed on 2.13.0);
       an engine that kept them would run programs PyTorch rejects, and hold their memory.""",
       """
x = torch.tensor(-0.9, requires_grad=True)
t = torch.where(torch.tensor(True), x, torch.tensor(0.0))
t.backward()
expect_error(GraphFreedError, lambda: t.backward())
y = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
z = y[torch.tensor([0, 2])].sum()
z.backward()
expect_error(GraphFreedError, lambda: z.backward())
"""),
    # ---------------------------------------------------------------------------- GRADT
    _c("GRADT-1", "gradient weights a non-scalar output",
       """``y.backward(v)`` MUST compute the vector-Jacobian product vᵀJ and accumulate it.""",
       "The weights combine several outputs into one backward pass.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x); b = torch.add(w, 1)
loss = torch.cat([torch.mul(a, b), torch.add(a, b)], dim=0)
loss.backward(gradient=torch.tensor([1.0, 2.0]))
assert w.grad.item() == 9.0 and x.grad.item() == 4.0
"""),
    _c("GRADT-2", "autograd.backward with grad_tensors",
       """``autograd.backward([y0, y1], grad_tensors=[g0, g1])`` MUST equal the weighted sum of the
       outputs' vector-Jacobian products; a ``None`` entry (or omitted ``grad_tensors``) MUST mean 1
       for a one-element output.""",
       "Several losses, each with its weight, in one pass.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x); b = torch.add(w, 1)
torch.autograd.backward([torch.mul(a, b), torch.add(a, b)], grad_tensors=[torch.tensor([1.0]), torch.tensor([2.0])])
assert w.grad.item() == 9.0 and x.grad.item() == 4.0
"""),
    _c("GRADT-3", "One gradient per output",
       """Passing fewer ``grad_tensors`` (or ``grad_outputs``) than outputs MUST raise
       ``GradientCountError``.""",
       "A missing weight is a bug, never an implicit 1.",
       """
x = torch.tensor([1.0], requires_grad=True)
ys = [x * 2, x * 3]
expect_error(GradientCountError, lambda: torch.autograd.backward(ys, grad_tensors=[torch.tensor([1.0])]))
"""),
    _c("GRADT-4", "grad_outputs are differentiable",
       """With ``create_graph=True``, the result of ``autograd.grad`` MUST be differentiable with
       respect to ``grad_outputs`` that require grad.""",
       "Needed for double-backward tricks (Hessian-vector products through vjp).",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([1.0, 1.0], requires_grad=True)
(g,) = torch.autograd.grad(x ** 2, x, grad_outputs=v, create_graph=True)
(dv,) = torch.autograd.grad(g.sum(), v)
assert dv.tolist() == [2.0, 4.0]
""", capability="create_graph"),
    # ---------------------------------------------------------------------------- AGRAD
    _c("AGRAD-1", "autograd.grad returns, it does not accumulate",
       """``autograd.grad(outputs, inputs)`` MUST return a tuple with one gradient per input (also
       for a single input), summed over all outputs, and MUST NOT accumulate into any leaf's
       ``grad``.  Inputs MAY be non-leaves.  (Whether tensors that retain their gradient get it
       filled is unspecified; PyTorch fills them.)""",
       "The functional form is for computing gradients as values (penalties, meta-learning).",
       """
x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)
y1 = x1 * x2; y2 = x1 + x2
g = torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2])
assert isinstance(g, tuple) and [t.item() for t in g] == [3.0, 2.0] and x1.grad is None
"""),
    _c("AGRAD-2", "Unused inputs",
       """An input not reachable from the outputs MUST raise ``UnusedInputError``, unless
       ``allow_unused=True``, in which case its slot MUST be None.""",
       "Usually an unused input is a bug in the model; say so unless told otherwise.",
       """
x = torch.tensor(1.0, requires_grad=True)
u = torch.tensor(1.0, requires_grad=True)
expect_error(UnusedInputError, lambda: torch.autograd.grad(x * 2, [x, u]))
gx, gu = torch.autograd.grad(x * 2, [x, u], allow_unused=True)
assert gx.item() == 2.0 and gu is None
"""),
    _c("AGRAD-3", "autograd.grad argument checks",
       """An input that does not require grad, or an output that does not require grad, MUST raise
       ``NoGradPathError``; empty ``inputs`` MUST raise ``EmptyInputsError``.""",
       "Each is a mistake in the call, reported where it is made.",
       """
x = torch.tensor(1.0, requires_grad=True)
expect_error(NoGradPathError, lambda: torch.autograd.grad(x * 2, [torch.tensor(1.0)]))
expect_error(EmptyInputsError, lambda: torch.autograd.grad(x * 2, []))
"""),
    _c("AGRAD-4", "grad_outputs weight the outputs",
       """``grad_outputs`` MUST weight each output as ``gradient`` does in backward, with the same
       shape rule (``GradientShapeError``); for a non-scalar output it is required
       (``NonScalarBackwardError``).""",
       "Same semantics as backward, so users learn it once.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
(g,) = torch.autograd.grad(x * 3, x, grad_outputs=torch.tensor([1.0, 10.0]))
assert g.tolist() == [3.0, 30.0]
expect_error(NonScalarBackwardError, lambda: torch.autograd.grad(x * 3, x))
"""),
    # ---------------------------------------------------------------------------- RETAINGRAD
    _c("RETAINGRAD-1", "Non-leaf tensors keep no gradient",
       """Backward MUST NOT populate ``grad`` of a non-leaf that did not ask to retain it: reading it
       gives None.""",
       "Intermediate gradients are freed to save memory.",
       """
import warnings
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.sum().backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # PyTorch (and gradspec) warn on this read
    assert y.grad is None and not y.retains_grad
"""),
    _c("RETAINGRAD-2", "retain_grad keeps a non-leaf's gradient",
       """After ``y.retain_grad()`` on a non-leaf, ``y.retains_grad`` MUST be True and backward MUST
       populate ``y.grad``, accumulating like a leaf.  On a leaf it is a no-op; on a tensor that does
       not require grad it MUST raise ``NoGradPathError``.""",
       "Lets users look at intermediate gradients while debugging.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x); a.retain_grad()
b = torch.add(w, 1)
torch.mul(a, b).backward()
assert a.grad.item() == 2.0 and a.retains_grad and not b.retains_grad
"""),
    _c("RETAINGRAD-3", "retain_grad follows in-place updates",
       """If a tensor that retains its gradient is then modified in place, its ``grad`` SHOULD be the
       gradient with respect to its latest version.""",
       "The tensor the user holds is the modified one.",
       """
x = torch.tensor([1.0], requires_grad=True)
a = x * 1
a.retain_grad()
a.mul_(2)
a.sum().backward()
assert a.grad.tolist() == [1.0] and x.grad.tolist() == [2.0]
""", level="SHOULD", capability="inplace"),
    # ---------------------------------------------------------------------------- HIGHER
    _c("HIGHER-1", "create_graph makes gradients differentiable",
       """With ``create_graph=True`` a returned or accumulated gradient that depends differentiably on
       tensors requiring grad MUST itself require grad and have a grad_fn, so it can be
       differentiated again (``x**3`` at 3: 27, 18, 6).""",
       "Higher-order derivatives (Hessians, gradient penalties) are built this way.",
       """
x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)
(g1,) = torch.autograd.grad(y, x, create_graph=True)
assert g1.tolist() == [6.0] and g1.requires_grad
(g2,) = torch.autograd.grad(g1, x)
assert g2.tolist() == [2.0]
""", capability="create_graph"),
    _c("HIGHER-2", "backward(create_graph=True) accumulates a differentiable grad",
       """``y.backward(create_graph=True)`` MUST leave ``x.grad`` differentiable; a later
       ``x.grad.backward()`` MUST add the second derivative into the same ``grad`` (``x**3`` at 2:
       12 + 12 = 24).""",
       "Documented PyTorch behaviour that gradient-penalty code relies on.",
       """
import warnings
warnings.filterwarnings("ignore", "Using backward.. with create_graph")  # PyTorch: a ref cycle
x = torch.tensor(2.0, requires_grad=True)
(x ** 3).backward(create_graph=True)
assert x.grad.item() == 12.0 and x.grad.requires_grad
x.grad.backward()
assert x.grad.item() == 24.0
""", capability="backward_create_graph"),
    _c("HIGHER-3", "Without create_graph gradients are constants",
       """Without ``create_graph`` a gradient MUST have ``requires_grad=False`` and no grad_fn;
       differentiating it MUST raise ``NoGradPathError``.""",
       "Not building the derivative's graph is what makes first-order training cheap.",
       """
x = torch.tensor(2.0, requires_grad=True)
(g,) = torch.autograd.grad(x ** 3, x)
assert not g.requires_grad and g.grad_fn is None
expect_error(NoGradPathError, lambda: torch.autograd.grad(g, x))
"""),
    _c("HIGHER-4", "Derivatives independent of the inputs are constants",
       """With ``create_graph=True``, a gradient that does not depend on any tensor requiring grad
       (the derivative of a linear function) MUST have ``requires_grad=False``, so differentiating
       it again raises ``NoGradPathError``.  ``relu`` and ``abs`` SHOULD keep a graph (their second
       derivative is zero, not an error), as in PyTorch; for other piecewise-linear ops it is
       unspecified.""",
       "PyTorch's behaviour (pytorch/pytorch#32304), kept so programs behave the same everywhere.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
(g,) = torch.autograd.grad((x * 3).sum(), x, create_graph=True)
assert not g.requires_grad
expect_error(NoGradPathError, lambda: torch.autograd.grad(g.sum(), x))
""", capability="create_graph"),
    _c("HIGHER-5", "Gradient penalty",
       """A gradient computed with ``create_graph=True`` MUST be usable inside a new loss whose
       backward reaches the original leaves (``w=[1,2], inp=[3,4]``: ``w.grad == [648, 4096]``).""",
       "The WGAN-GP pattern; it exercises second-order gradients of products and powers.",
       """
w = torch.tensor([1.0, 2.0], requires_grad=True)
inp = torch.tensor([3.0, 4.0])
(gw,) = torch.autograd.grad(((w * inp) ** 2).sum(), w, create_graph=True)
assert gw.tolist() == [18.0, 64.0]
(gw ** 2).sum().backward()
assert w.grad.tolist() == [648.0, 4096.0]
""", capability="create_graph"),
    # ---------------------------------------------------------------------------- INPLACE
    _c("INPLACE-1", "No in-place ops on leaves that require grad",
       """In grad mode, an in-place op (``add_``, ``+=``, ``zero_``, ``copy_``, indexed assignment, or
       any in-place op on a view of the leaf) on a leaf that requires grad MUST raise
       ``LeafInPlaceError`` before changing anything: value, version and grad stay as they were.""",
       "The leaf's value is what its gradient is defined at; changing it would corrupt the graph.",
       """
w = torch.tensor([1.0], requires_grad=True)
expect_error(LeafInPlaceError, lambda: w.add_(1))
assert w.tolist() == [1.0] and w._version == 0
""", capability="inplace"),
    _c("INPLACE-2", "In-place on leaves under no_grad",
       """Under ``no_grad()`` in-place ops on a leaf that requires grad MUST be allowed; the tensor
       MUST stay a leaf that requires grad, and its version MUST increase.""",
       "This is how optimizers update parameters (``w -= lr * w.grad``).",
       """
w = torch.tensor([1.0], requires_grad=True)
with torch.no_grad():
    w -= 0.5
assert w.tolist() == [0.5] and w.is_leaf and w.requires_grad and w._version == 1
""", capability="inplace"),
    _c("INPLACE-3", "In-place on non-leaves keeps gradients right",
       """In-place ops on non-leaf tensors MUST be allowed; the tensor's grad_fn becomes the in-place
       op's node and gradients MUST be correct.  An in-place op whose argument requires grad MUST
       turn a tensor that did not require grad into a non-leaf that does.""",
       "Memory-saving in-place updates are common in models.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 1
y.add_(1)
y.mul_(3)
y.sum().backward()
assert x.grad.tolist() == [3.0, 3.0] and y._version == 2
""", capability="inplace"),
    _c("INPLACE-4", "Indexed assignment",
       """``y[idx] = v`` on a non-leaf MUST give the overwritten elements zero gradient towards ``y``'s
       old value and route their gradient to ``v`` when ``v`` requires grad; assigning a value that
       requires grad into a tensor that did not require grad makes it a non-leaf.""",
       "The tutorials build Jacobians by assigning into a zeros tensor.",
       """
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
y = x * 2
y[0, 0] = 100.0
y.sum().backward()
assert x.grad.tolist() == [[0.0, 2.0], [2.0, 2.0]]
""", capability="inplace_views"),
    _c("INPLACE-5", "In-place through a view",
       """An in-place op on a view of a non-leaf MUST update the base's value and graph, so gradients
       through the base are correct.""",
       "Views share memory with their base; the graph must say so too.",
       """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
v = y[:2]
v.mul_(10)
assert y.tolist() == [20.0, 40.0, 6.0]
y.sum().backward()
assert x.grad.tolist() == [20.0, 20.0, 2.0]
""", capability="inplace_views"),
    # ---------------------------------------------------------------------------- VERSION
    _c("VERSION-1", "Version counters",
       """Every tensor MUST have a version counter ``_version`` that starts at 0 and increases by
       exactly one with each in-place op (indexed assignment included); views and ``detach()``
       results MUST share their base's counter.""",
       "The counter is how backward knows a saved tensor changed.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 1
d = y.detach()
d.add_(1)
assert y._version == 1 and d._version == 1
""", capability="version_counters"),
    _c("VERSION-2", "Modified saved tensors are detected",
       """If a tensor saved for backward is modified in place afterwards, the backward that needs it
       MUST raise ``SavedTensorModifiedError``; a node that saved nothing (``a + 3``) MUST NOT.""",
       "Otherwise the gradient is computed from the wrong values, silently.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
z = y * y
y.add_(1)
expect_error(SavedTensorModifiedError, lambda: z.sum().backward())
""", capability="version_counters"),
    # ---------------------------------------------------------------------------- NOGRAD
    _c("NOGRAD-1", "no_grad records nothing",
       """Inside ``no_grad()`` ops MUST record nothing (results do not require grad and are leaves);
       ``is_grad_enabled()`` MUST be False inside and restored on exit (also when the block
       raises); ``enable_grad()`` nested inside MUST re-enable recording.  ``@no_grad()`` MUST
       work as a decorator; the bare form ``@no_grad`` SHOULD.""",
       "Evaluation and parameter updates must not build graphs.",
       """
x = torch.tensor([1.0], requires_grad=True)
with torch.no_grad():
    y = x * 2
    assert not torch.is_grad_enabled()
    with torch.enable_grad():
        z = x * 2
assert not y.requires_grad and y.is_leaf and z.requires_grad and torch.is_grad_enabled()
"""),
    _c("NOGRAD-2", "set_grad_enabled",
       """``set_grad_enabled(mode)`` MUST work both as a context manager (restoring the previous mode
       on exit) and as a plain call.""",
       "Code toggles grad mode by a flag (train versus eval).",
       """
x = torch.tensor([1.0], requires_grad=True)
with torch.set_grad_enabled(False):
    assert not (x * 2).requires_grad
assert (x * 2).requires_grad
torch.set_grad_enabled(False)
assert not torch.is_grad_enabled()
torch.set_grad_enabled(True)
"""),
    _c("NOGRAD-3", "Grad mode is thread-local",
       """Grad mode SHOULD be per thread: a thread started inside ``no_grad()`` sees grad mode
       enabled.""",
       "Data-loading and serving threads must not disable training's recording.",
       """
import threading
seen = []
with torch.no_grad():
    t = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
    t.start(); t.join()
assert seen == [True]
""", level="SHOULD"),
    # ---------------------------------------------------------------------------- DETACH
    _c("DETACH-1", "detach",
       """``t.detach()`` MUST return a leaf that does not require grad, with ``t``'s values;
       ``x * x.detach()`` differentiates only the first factor.""",
       "Stopping gradients through part of an expression is a basic tool.",
       """
x = torch.tensor(2.0, requires_grad=True)
d = x.detach()
assert d.is_leaf and not d.requires_grad
(x * x.detach()).backward()
assert x.grad.item() == 2.0
"""),
    _c("DETACH-4", "detach shares data",
       """``t.detach()`` MUST share ``t``'s data and version counter: in-place writes through
       either are visible in both.""",
       "Detaching is cheap and aliasing, as documented by PyTorch; in-place correctness checks see it.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
d = x.detach()
d[0] = 10.0
assert x.tolist() == [10.0, 2.0] and x._version == 1
""", capability="inplace"),
    _c("DETACH-2", "detach_",
       """``t.detach_()`` MUST detach ``t`` in place and return it: ``requires_grad=False``,
       ``is_leaf=True``, ``grad_fn=None``.""",
       "Cuts a long-lived tensor out of an old graph.",
       """
x = torch.tensor([1.0], requires_grad=True)
y = x * 2
assert y.detach_() is y and not y.requires_grad and y.is_leaf and y.grad_fn is None
"""),
    _c("DETACH-3", "Leaving autograd",
       """``item()`` MUST return a Python number (also for tensors that require grad) and raise a
       ``RuntimeError`` for more than one element; ``numpy()`` on a tensor that requires grad MUST raise
       ``DetachRequiredError`` (use ``detach().numpy()``).""",
       "Converting to numpy silently would drop the graph without the user noticing.",
       """
x = torch.tensor([2.0], requires_grad=True)
assert isinstance(x.item(), float) and x.item() == 2.0
expect_error(DetachRequiredError, lambda: x.numpy())
assert x.detach().numpy().tolist() == [2.0]
"""),
    # ---------------------------------------------------------------------------- HOOK
    _c("HOOK-1", "Hooks see and may replace gradients",
       """``t.register_hook(fn)`` MUST call ``fn(grad)`` during backward (and ``autograd.grad``) with
       the gradient with respect to ``t``; a returned tensor MUST replace the gradient (what a leaf
       accumulates, what a non-leaf passes on), None MUST leave it; ``handle.remove()`` MUST
       unregister.""",
       "Gradient clipping, logging and surgery are written as hooks.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x.register_hook(lambda g: g * 10)
(x * 3).sum().backward()
assert x.grad.tolist() == [30.0, 30.0]
h.remove(); x.grad = None
(x * 3).sum().backward()
assert x.grad.tolist() == [3.0, 3.0]
""", capability="hooks"),
    _c("HOOK-2", "Hooks chain in registration order",
       """Several hooks on one tensor MUST run in registration order, each receiving the previous
       one's result.""",
       "Composable hooks need a defined order.",
       """
x = torch.tensor(1.0, requires_grad=True)
x.register_hook(lambda g: g + 1)
x.register_hook(lambda g: g * 10)
(x * 1).backward()
assert x.grad.item() == 20.0
""", capability="hooks"),
    _c("HOOK-3", "A hook sees the total gradient once per pass",
       """A hook MUST be called once per backward pass with the total gradient of that pass (all
       paths summed), not with the accumulated ``grad``.""",
       "Hooks observe what a pass contributes.",
       """
x = torch.tensor(1.0, requires_grad=True)
calls = []
x.register_hook(lambda g: calls.append(g.item()))
(x * 2 + x * 3).backward()
assert calls == [5.0]
""", capability="hooks"),
    _c("HOOK-4", "retain_grad stores the hooked gradient",
       """A retained gradient MUST be the gradient after the tensor's hooks, whatever the order in
       which ``retain_grad`` and ``register_hook`` were called.""",
       "What a tensor's ``grad`` shows is what flowed on.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.retain_grad()
y.register_hook(lambda g: g * 100)
y.sum().backward()
assert y.grad.tolist() == [100.0, 100.0] and x.grad.tolist() == [300.0, 300.0]
""", capability="hooks"),
    _c("HOOK-5", "Hooks need a tensor that requires grad",
       """``register_hook`` on a tensor that does not require grad MUST raise ``NoGradPathError``.""",
       "Such a hook would never be called.",
       """
expect_error(NoGradPathError, lambda: torch.tensor([1.0]).register_hook(lambda g: g))
""", capability="hooks"),
    # ---------------------------------------------------------------------------- SHAPE
    _c("SHAPE-1", "Broadcast gradients are reduced",
       """Gradients MUST be summed back to each input's shape over broadcast dimensions, including
       0-d inputs, size-1 dimensions and empty tensors.""",
       "A gradient has the shape of what it is the gradient of.",
       """
a = torch.ones(2, 3, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = torch.tensor(1.0, requires_grad=True)
(a * b + s).sum().backward()
assert a.grad.tolist() == [[1.0, 2.0, 3.0]] * 2 and b.grad.tolist() == [2.0] * 3 and s.grad.item() == 6.0
"""),
    _c("SHAPE-2", "Gradients flow through views and indexing",
       """Gradients MUST flow through views (``view``, ``reshape``, ``transpose``, slicing) and
       through integer-array and boolean-mask indexing back to the base, with repeated indices
       accumulating.""",
       "Indexing is differentiable like any other op.",
       """
x = torch.arange(6.0).requires_grad_()
(x.view(2, 3)[1] * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
"""),
    _c("SHAPE-3", "Gradients keep their leaf's dtype",
       """In mixed-precision expressions each leaf's gradient MUST have that leaf's dtype; a
       ``gradient`` argument of another floating dtype MUST be accepted.""",
       "float32 parameters must not silently become float64.",
       """
a = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
(a * b).sum().backward()
assert a.grad.dtype == torch.float32 and b.grad.dtype == torch.float64
""", capability="float64"),
    _c("SHAPE-4", "Results PyTorch makes contiguous can be viewed",
       """``view()`` MUST succeed (whenever the sizes allow it) on the result of ``cat``,
       ``stack``, ``contiguous()``, ``softmax``/``log_softmax`` and a reduction along a dim,
       whatever the memory layout of their inputs (a transposed tensor, say): PyTorch gives
       these results contiguous memory.  Gradients MUST flow through such a view as through any
       other.""",
       """``x.t().contiguous().view(-1)`` is the idiom PyTorch users write to flatten a
       transposed tensor; an array library that keeps its inputs' layout (numpy's
       ``concatenate`` does) would make it fail where PyTorch does not.""",
       """
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
flat = x.t().contiguous().view(6)
assert flat.tolist() == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
joined = torch.cat([x.t(), x.t()]).view(12)
(flat.sum() + joined.sum()).backward()
assert x.grad.tolist() == [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
"""),
    # ---------------------------------------------------------------------------- NONDIFF
    _c("NONDIFF-1", "Gradients at non-differentiable points",
       """At non-differentiable points gradients SHOULD follow PyTorch: ``relu'(0) = 0``,
       ``abs'(0) = 0``, ``clamp`` at its boundary passes the gradient, ties in ``max()``/``min()`` and
       ``maximum``/``minimum`` split it evenly, ``max(dim)`` sends it to the index it returns.
       ``relu`` passes nothing where its output is 0 (its input is not positive), even an
       infinite or NaN incoming gradient, and passes the gradient on at a NaN input (PyTorch
       masks where the output is ``<= 0``); ``binary_cross_entropy`` clamps each log at -100 and floors its gradient's
       ``p (1 - p)`` at 1e-12 (``p = 0, y = 1``: loss 100, gradient -1e12).  This holds at every
       size (an engine's faster path for large tensors included).""",
       "Programs should train the same on every backend, including at kinks.",
       """
x = torch.tensor([0.0], requires_grad=True)
torch.relu(x).sum().backward()
assert x.grad.tolist() == [0.0]
t = torch.tensor([1.0, 3.0, 3.0], requires_grad=True)
t.max().backward()
assert t.grad.tolist() == [0.0, 0.5, 0.5]
""", level="SHOULD"),
    _c("NONDIFF-2", "where differentiates both branches",
       """``where(cond, a, b)`` SHOULD pass zero gradient to the unselected branch by multiplication,
       so a NaN or infinite derivative there yields NaN (PyTorch's documented trap).""",
       "Matching PyTorch here keeps fuzzing against it meaningful; the trap is documented.",
       """
x = torch.tensor([-1.0, 4.0], requires_grad=True)
torch.where(x > 0, x.sqrt(), torch.zeros(2)).sum().backward()
g = x.grad.tolist()
assert g[0] != g[0] and g[1] == 0.25
""", level="SHOULD"),
    # ---------------------------------------------------------------------------- OPS
    _c("OPS-1", "First-order gradients are right",
       """For every op in the op catalogue that the backend provides, gradients MUST match central
       finite differences in float64 over shapes that broadcast (0-d and size-1 dimensions
       included).""",
       "A gradient rule is only as good as its check.",
       """
x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
(g,) = torch.autograd.grad(torch.exp(x).sum(), x)
assert close(g, [1.6487212707001282, 4.4816890703380645])
"""),
    _c("OPS-2", "Second-order gradients are right",
       """For every op the backend provides, a first-order gradient returned with a graph
       (``create_graph=True``) MUST have gradients matching finite differences of the first-order
       gradient in float64; a gradient returned without a graph MUST be constant (its finite
       differences zero).""",
       "Higher order is only useful if every op's backward is itself differentiable and right.",
       """
x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
(g,) = torch.autograd.grad(torch.sigmoid(x), x, create_graph=True)
(h,) = torch.autograd.grad(g, x)
s = 1 / (1 + 2.718281828459045 ** -0.5)
assert close(h, s * (1 - s) * (1 - 2 * s))
""", capability="create_graph"),
    _c("OPS-3", "Values and gradients agree with PyTorch",
       """Where PyTorch is installed, every op's values and gradients MUST agree with PyTorch's on the
       same inputs (float64, tight tolerances).""",
       "PyTorch is the reference semantics.",
       """
x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=torch.float64, requires_grad=True)
torch.softmax(x, dim=1).sum().backward()
assert close(x.grad, [[0.0, 0.0], [0.0, 0.0]], atol=1e-12)
"""),
    # ---------------------------------------------------------------------------- SEED
    _c("SEED-1", "The computation-graph lesson",
       """The tutorials' graph ``a = w + x; b = w + 1; y = a * b`` at w=1, x=2 MUST give
       ``w.grad = 5``, ``x.grad = 2``; leaves ``w, x`` and non-leaves ``a, b, y``; only leaves keep
       gradients unless ``retain_grad`` (``a.grad = 2``); grad_fns Add, Add, Mul.""",
       "The first program every learner runs.",
       """
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x); b = torch.add(w, 1); y = torch.mul(a, b)
y.backward()
assert (w.grad.item(), x.grad.item()) == (5.0, 2.0)
assert [t.is_leaf for t in (w, x, a, b, y)] == [True, True, False, False, False]
assert [op_name(t.grad_fn) for t in (a, b, y)] == ["Add", "Add", "Mul"]
"""),
    _c("SEED-2", "The Jacobian lesson",
       """The tutorials' Jacobian, built by assigning ``y[0,0] = x1**2 + 3*x2`` and
       ``y[0,1] = x2**2 + 2*x1`` into a zeros tensor and calling backward once per row with
       ``retain_graph``, MUST be ``[[4, 3], [2, 6]]`` at x = [[2, 3]]; the single call with weights
       ``[[1, 1]]`` MUST give ``[[6, 9]]``.""",
       "Shows non-scalar backward, retain_graph and zeroing together.",
       """
x = torch.tensor([[2.0, 3.0]], requires_grad=True)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
y.backward(torch.tensor([[1.0, 0.0]]), retain_graph=True)
row0 = x.grad.tolist()
x.grad = torch.zeros_like(x.grad)
y.backward(torch.tensor([[0.0, 1.0]]))
assert row0 == [[4.0, 3.0]] and x.grad.tolist() == [[2.0, 6.0]]
""", capability="inplace_views"),
    _c("SEED-3", "The line-fit and quadratic-fit lessons",
       """The tutorials' training loops that update leaves with ``-=`` under ``no_grad`` and zero
       gradients with ``grad.zero_()`` MUST train: the quadratic fit ``y = 3x^2 + 2`` MUST follow
       the hand-written numpy gradient step for step.""",
       "Manual SGD is the pattern every tutorial teaches before optimizers.",
       """
xs = torch.linspace(-1, 1, 5).unsqueeze(1)
w = torch.ones(1, 1, requires_grad=True); b = torch.zeros(1, 1, requires_grad=True)
loss = (0.5 * (xs.pow(2).mm(w) + b - (3 * xs.pow(2) + 2)) ** 2).sum()
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
    w.grad.zero_()
assert close(w, [[1.925]]) and w.grad.tolist() == [[0.0]]
""", capability="inplace"),
    # ---------------------------------------------------------------------------- ERR
    _c("ERR-1", "Errors are RuntimeErrors of a known kind",
       """Every error the contract names MUST be raised as a ``RuntimeError`` whose kind the backend's
       ``classify_error`` reports (gradspec's own backends raise the kind classes themselves), and
       MUST leave the tensors involved unchanged.""",
       "Code written for PyTorch catches RuntimeError; kinds make errors comparable across backends.",
       """
x = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    (x * 2).backward()
except RuntimeError as exc:
    assert torch.classify_error(exc) is NonScalarBackwardError
assert x.grad is None
"""),
    _c("ERR-2", "Anomaly mode finds the failing node",
       """A backend with the ``anomaly`` capability SHOULD offer anomaly mode
       (``autograd.set_detect_anomaly(mode, check_nan=True)``, ``autograd.detect_anomaly()``,
       switched for every loaded backend by ``gradspec.detect_anomaly()``): off by default; on,
       a backward step that returns NaN MUST raise ``AnomalyError`` (unless ``check_nan=False``),
       an error in backward SHOULD say where the failing node was created, and every other
       outcome MUST stay the same.""",
       "Which forward op made the NaN or saved the modified tensor is the question users cannot "
       "answer without it (PyTorch's detect_anomaly; top request in its issue tracker).",
       """
x = torch.tensor([0.0, 1.0], requires_grad=True)
y = (torch.sqrt(x) * 0).sum()   # d sqrt / dx at 0 is inf, and inf * 0 is NaN
y.backward(retain_graph=True)
assert x.grad.tolist()[0] != x.grad.tolist()[0]   # NaN, silently
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # PyTorch warns that anomaly mode is slow
    with torch.autograd.detect_anomaly():
        expect_error(AnomalyError, lambda: y.backward())
""", level="SHOULD", capability="anomaly"),
    # ---------------------------------------------------------------------------- WORKLOAD
    _c("WORKLOAD-1", "The tutorials' logistic regression trains and agrees with PyTorch",
       """The tutorials' logistic regression (two Gaussian classes of 100 points, ``Linear(2, 1)``
       and ``Sigmoid``, ``BCELoss``, SGD with lr 0.01 and momentum 0.9, accuracy checked every 20
       iterations) trained with ``gradspec.nn`` and ``gradspec.optim`` from the same data and
       initial parameters MUST reach an accuracy >= 0.99 within 1000 iterations, and MUST agree
       with the torch backend's run: same iterations, same accuracy, parameters within 1e-4.""",
       "The model every learner trains first; nn and optim use only the protocol, so a backend "
       "that keeps the contract runs it unchanged.",
       """
from gradspec import nn, optim
net = nn.Sequential(nn.Linear(2, 1, backend=torch), nn.Sigmoid())
net.load_state_dict({"0.weight": [[0.1, -0.2]], "0.bias": [0.0]})
x = torch.tensor([[2.0, 2.0], [3.0, 1.0], [-1.0, -2.0], [-2.0, 0.0]])
y = torch.tensor([0.0, 0.0, 1.0, 1.0])
opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for _ in range(20):
    loss = nn.BCELoss()(net(x).squeeze(), y)
    loss.backward(); opt.step(); opt.zero_grad()
assert net[0].weight.grad is None and net[0].weight.is_leaf
assert (net(x).squeeze().ge(0.5).float() == y).sum().item() == 4 and loss.item() < 0.1
"""),
    _c("WORKLOAD-2", "A CNN and a transformer train and follow PyTorch's loss curve",
       """Two models built from ``gradspec.nn``'s layers (the ``cnn`` workload: two convolution
       stages with max pooling and a linear head on noisy 16 x 16 images of four shapes; the
       ``transformer`` workload: embeddings and one block of layer norm, multi-head attention
       and an MLP, learning to reverse sequences), trained with Adam from the same data,
       batches and initial state dict, MUST follow the torch backend's loss curve within float32
       tolerance (relative 1e-3, iteration by iteration) and MUST learn (the loss falls).  A
       backend without an optional op they use (``conv2d``, ``layer_norm``, ...) reports them
       unsupported.""",
       "These are the first models a PyTorch user writes after logistic regression; each layer "
       "is checked against torch.nn on its own elsewhere, this checks them composed and trained.",
       """
from gradspec import nn, optim
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, backend=torch), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(16, 2, backend=torch))
rows = [[[float(i == 1) for j in range(4)] for i in range(4)]]     # a horizontal bar
cols = [[[float(j == 1) for j in range(4)] for i in range(4)]]     # a vertical bar
x, y = torch.tensor([rows, rows, cols, cols]), torch.tensor([0, 0, 1, 1])
opt = optim.Adam(net.parameters(), lr=0.05)
for _ in range(30):
    loss = nn.CrossEntropyLoss()(net(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
assert net[0].weight.grad_fn is None and loss.item() < 0.1
assert (net(x).argmax(dim=1) == y).all()
"""),
)

"""The catalogue: every clause, by family."""

BY_ID: dict[str, Clause] = {c.id: c for c in CLAUSES}
"""Each clause by its ID (`get` says which IDs are close when one is not there)."""


def get(clause_id: str) -> Clause:
    """The clause with this ID; a KeyError that lists close IDs when there is none."""
    try:
        return BY_ID[clause_id]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(clause_id, BY_ID, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise KeyError(f"no clause {clause_id!r} in the catalogue{hint}") from None


def by_family() -> dict[str, list[Clause]]:
    """The clauses of each family (in `FAMILIES` order), each family's by number."""
    out: dict[str, list[Clause]] = {f: [] for f in FAMILIES}
    for c in sorted(CLAUSES, key=lambda c: c.number):
        out[c.family].append(c)
    return out

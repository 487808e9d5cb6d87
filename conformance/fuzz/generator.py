"""The seeded generator of random autograd programs.

``generate(seed)`` builds a :class:`~.program.Program` statement by statement while tracking,
for every variable, what the generator needs to keep the program meaningful: its shape, whether
it requires grad, a bound on its magnitude, whether it is safely positive, which variables alias
its storage, and which autograd nodes it depends on.  With these it

* picks operands whose shapes broadcast (0-d and size-1 dims included) or makes fresh leaves
  that fit;
* inserts *domain guards* (ordinary ops, e.g. ``t * t + 0.5`` before ``log``, ``tanh`` before
  ``exp``) so values stay finite and away from singularities;
* asks for a gradient only where one can exist, and exercises misuse only where the outcome is
  the contract's (an in-place op on a leaf that requires grad must raise; a second backward
  without ``retain_graph`` may).

The same seed and op set always give the same program (Python's ``random.Random``).  Ops come
from :mod:`.ops`; a backend that lacks some of them passes the smaller set and gets programs
without them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Iterable

from .program import Program, Stmt

MAX_NUMEL = 24  # small tensors: programs stay fast, and shrunk reproducers readable
MAX_BOUND = 1e3  # operands beyond this are squashed first
CAPABILITIES = ("inplace", "inplace_views", "create_graph", "backward_inputs")


@dataclass
class Var:
    """What the generator knows about one variable."""

    name: str
    shape: tuple[int, ...]
    rg: bool | None  # requires_grad; None: unknown (a create_graph gradient, HIGHER-4)
    leaf: bool
    bound: float  # |value| <= bound
    pos: bool = False  # every value >= 0.5 (safe for log, sqrt, division)
    dtype: str = "float64"
    node: int = 0  # identity of its current autograd node (in-place ops replace it)
    deps: frozenset[int] = frozenset()  # nodes it depends on (for reachability)
    group: int = 0  # storage group: views and detach() results share their base's
    contiguous: bool = True
    frozen: bool = False  # never a target of in-place ops (gradients, views, aliases)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass
class Gen:
    """Generator state; op functions in :mod:`.ops` build on its helpers."""

    rng: random.Random
    ops: dict[str, Any]
    caps: frozenset[str]
    stmts: list[Stmt] = field(default_factory=list)
    vars: dict[str, Var] = field(default_factory=dict)
    groups: dict[int, set[str]] = field(default_factory=dict)
    no_grad: int = 0  # statements left in the current no_grad section
    counter: int = 0
    nodes: int = 0
    last_backward: int | None = None
    has_grad: set[str] = field(default_factory=set)  # leaves some backward reached

    # ------------------------------------------------------------------------ randomness
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def choice(self, seq: Any) -> Any:
        seq = list(seq)
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, table: dict[str, float]) -> str:
        names = sorted(table)
        total = sum(table[n] for n in names)
        r = self.rng.random() * total
        for n in names:
            r -= table[n]
            if r < 0:
                return n
        return names[-1]

    def number(self, low: float = -2.0, high: float = 2.0) -> float:
        return round(self.rng.uniform(low, high), 4)

    def scalar(self) -> float:
        """A Python-number operand, never 0."""
        return self.choice([-2.5, -1.5, -0.5, 0.5, 1.5, 2.0, 3.0])

    def shape(self) -> tuple[int, ...]:
        """A random shape: 0 to 3 dims of sizes 1 to 3 (0-d and size-1 dims included)."""
        ndim = int(self.weighted({"0": 1.0, "1": 2.0, "2": 2.5, "3": 1.5}))
        return tuple(self.choice([1, 2, 2, 3]) for _ in range(ndim))

    def partner_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with ``shape`` (fewer dims, size-1 dims, or more dims)."""
        for _ in range(20):
            ndim = self.choice(range(4))
            out = []
            for i in range(ndim):
                j = len(shape) - ndim + i
                if j < 0:
                    out.append(self.choice([1, 2]))
                elif shape[j] == 1:
                    out.append(self.choice([1, 1, 2, 3]))
                else:
                    out.append(self.choice([shape[j], shape[j], 1]))
            res = broadcast(shape, tuple(out))
            if res is not None and math.prod(res) <= MAX_NUMEL:
                return tuple(out)
        return ()

    # ------------------------------------------------------------------------ variables
    def fresh(self) -> str:
        name = f"t{self.counter}"
        self.counter += 1
        return name

    def new_node(self) -> int:
        self.nodes += 1
        return self.nodes

    def pick(self, candidates: Iterable[Var]) -> Var | None:
        """A variable, recent ones more likely (programs become chains and DAGs)."""
        cands = list(candidates)
        if not cands:
            return None
        weights = [1.0 + i for i in range(len(cands))]
        r = self.rng.random() * sum(weights)
        for v, w in zip(cands, weights):
            r -= w
            if r < 0:
                return v
        return cands[-1]

    def operand(self, min_ndim: int = 0, max_numel: int = MAX_NUMEL) -> Var:
        """An existing variable (or a fresh leaf) to feed an op."""
        cands = [v for v in self.vars.values() if len(v.shape) >= min_ndim
                 and v.numel <= max_numel]
        if cands and not self.chance(0.12):
            return self.pick(cands)  # type: ignore[return-value]
        shape = self.shape()
        while len(shape) < min_ndim:
            shape = shape + (self.choice([1, 2, 3]),)
        return self.leaf(shape)

    def partner(self, a: Var, allow_scalar: bool = True) -> Var | float:
        """An operand that broadcasts with ``a``: a variable, a fresh leaf or a Python number."""
        if allow_scalar and self.chance(0.15):
            return self.scalar()
        cands = [v for v in self.vars.values() if v.name != a.name
                 and (res := broadcast(a.shape, v.shape)) is not None
                 and math.prod(res) <= MAX_NUMEL]
        if cands and self.chance(0.7):
            return self.pick(cands)  # type: ignore[return-value]
        if self.chance(0.1):
            return a  # the same tensor twice: two paths into one node
        return self.leaf(self.partner_shape(a.shape))

    def leaf(self, shape: tuple[int, ...], rg: bool | None = None) -> Var:
        """A fresh leaf with random values (sometimes all positive, so no guard is needed)."""
        if rg is None:
            rg = self.chance(0.8)
        low, high = (0.5, 2.0) if self.chance(0.15) else (-2.0, 2.0)
        values = [self.number(low, high) for _ in range(math.prod(shape))]
        literal = nested(values, shape)
        name = self.fresh()
        code = f"{name} = torch.tensor({literal}, dtype=torch.float64, requires_grad={rg})"
        node = self.new_node()
        v = Var(name, shape, rg, True, max((abs(x) for x in values), default=0.0),
                pos=all(x >= 0.5 for x in values), node=node,
                deps=frozenset({node}) if rg else frozenset())
        self._bind(v)
        self.stmts.append(Stmt("leaf", code, (name,)))
        return v

    def _bind(self, v: Var, alias_of: Var | None = None) -> None:
        if alias_of is not None:
            v.group = alias_of.group
            self.groups[v.group].add(v.name)
            v.frozen = True
            alias_of.frozen = True
        else:
            v.group = self.new_node()
            self.groups[v.group] = {v.name}
        self.vars[v.name] = v

    def emit(self, op: str, expr: str, inputs: Iterable[Any], shape: tuple[int, ...], *,
             bound: float, pos: bool = False, alias_of: Var | None = None,
             contiguous: bool = True, dtype: str | None = None, uses: Iterable[Var] = (),
             differentiable: bool = True) -> Var:
        """Bind ``expr`` (an op over ``inputs``) to a new variable and track what it is."""
        tensors = [x for x in inputs if isinstance(x, Var)]
        every = {v.name: v for v in [*tensors, *uses]}
        name = self.fresh()
        in_no_grad = self.no_grad > 0
        if in_no_grad or not differentiable:
            rg: bool | None = False
        elif any(v.rg is None for v in tensors):
            rg = None if not any(v.rg for v in tensors) else True
        else:
            rg = any(v.rg for v in tensors)
        node = self.new_node()
        deps: frozenset[int] = frozenset()
        if rg is not False:
            deps = frozenset({node}).union(*(v.deps for v in tensors))
        if dtype is None:
            f32 = tensors and all(v.dtype == "float32" for v in tensors)
            dtype = "float32" if f32 else "float64"
        v = Var(name, shape, rg, rg is False, min(bound, 1e300), pos=pos, dtype=dtype,
                node=node, deps=deps, contiguous=contiguous)
        self._bind(v, alias_of)
        code = f"{name} = {expr}"
        tags = set()
        if in_no_grad:
            code = f"with torch.no_grad(): {code}"
            tags.add("no_grad")
            self.no_grad -= 1
        self.stmts.append(Stmt("op", code, (name,), tuple(every), op=op, tags=frozenset(tags)))
        return v

    # ------------------------------------------------------------------------ domain guards
    def positive(self, v: Var) -> Var:
        """``v`` if every value is >= 0.5, else a guard op that makes it so."""
        if v.pos:
            return v
        v = self.bounded(v, 30.0)
        kind = self.choice(["square", "abs", "sigmoid", "exp"] if v.bound <= 3 else
                           ["square", "abs", "sigmoid"])
        if kind == "square":
            return self.emit("mul", f"{v.name} * {v.name} + 0.5", [v], v.shape,
                             bound=v.bound ** 2 + 0.5, pos=True)
        if kind == "abs":
            return self.emit("abs", f"torch.abs({v.name}) + 0.5", [v], v.shape,
                             bound=v.bound + 0.5, pos=True)
        if kind == "sigmoid":
            return self.emit("sigmoid", f"torch.sigmoid({v.name}) + 0.5", [v], v.shape,
                             bound=1.5, pos=True)
        return self.emit("exp", f"torch.exp({v.name}) + 0.5", [v], v.shape,
                         bound=math.exp(v.bound) + 0.5, pos=True)

    def bounded(self, v: Var, limit: float) -> Var:
        """``v`` if ``|v| <= limit``, else a squashing guard op."""
        if v.bound <= limit:
            return v
        scale = min(limit, 2.0)
        return self.emit("tanh", f"torch.tanh({v.name}) * {scale}", [v], v.shape, bound=scale)

    def tame(self, v: Var) -> Var:
        return self.bounded(v, MAX_BOUND)


def broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast shape of ``a`` and ``b``, or None when they do not broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def nested(values: list[float], shape: tuple[int, ...]) -> str:
    """Python source of a nested list with ``shape`` (a number for 0-d)."""
    if not shape:
        return repr(values[0])
    step = math.prod(shape[1:])
    parts = [nested(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "[" + ", ".join(parts) + "]"


# ---------------------------------------------------------------------------------- programs
def generate(seed: int, ops: Iterable[str] | None = None,
             capabilities: Iterable[str] = CAPABILITIES, size: int | None = None) -> Program:
    """The program of ``seed`` over the op set ``ops`` (default: every op of :mod:`.ops`)."""
    from . import actions
    from .ops import OPS

    table = {name: OPS[name] for name in (sorted(OPS) if ops is None else sorted(ops))}
    g = Gen(random.Random(seed), table, frozenset(capabilities))
    n = size if size is not None else g.rng.randint(4, 18)
    for _ in range(g.rng.randint(1, 3)):
        g.leaf(g.shape(), rg=True if not g.vars else None)
    for _ in range(n):
        actions.step(g)
    actions.finish(g)
    return Program(tuple(g.stmts), seed)

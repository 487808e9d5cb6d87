"""What a fuzzed program is: a list of statements, each one line of Python over a backend
bound to the name ``torch`` and tensor variables ``t0``, ``t1``, ...

The line of source *is* the statement: the runner executes exactly the text the printer prints,
so a printed reproducer cannot drift from what was run.  The other fields say what the runner
observes afterwards and what the shrinker may remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

#: Statement kinds.  ``leaf``/``op`` bind new tensors; ``inplace`` mutates one; ``retain_grad``
#: marks one; ``backward`` accumulates into ``.grad``; ``grad`` binds autograd.grad's results.
KINDS = ("leaf", "op", "inplace", "retain_grad", "backward", "grad")


@dataclass(frozen=True)
class Stmt:
    """One statement.

    ``code`` is the line as run (``with torch.no_grad(): ...`` included); ``defines`` are the
    variables it binds, ``uses`` those it reads; ``op`` is the op-registry name for ``op`` and
    ``inplace`` statements.  ``retain`` is the ``retain_graph`` argument of ``backward``/``grad``
    statements (rendered into ``code``); ``tags`` record facts allowances need (``"create_graph"``,
    ``"second_order"``, ``"no_grad"``, ``"leaf_inplace"``).
    """

    kind: str
    code: str
    defines: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    op: str = ""
    retain: bool | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    def with_retain(self, retain: bool) -> "Stmt":
        """The same backward/grad statement with ``retain_graph`` set to ``retain``."""
        if self.retain is None:
            raise ValueError(f"a {self.kind} statement has no retain_graph argument")
        old, new = f"retain_graph={self.retain}", f"retain_graph={retain}"
        if old not in self.code:
            raise ValueError(f"statement does not spell out {old}: {self.code}")
        return replace(self, code=self.code.replace(old, new), retain=retain)


@dataclass(frozen=True)
class Program:
    """A seeded program: its statements and where it came from."""

    stmts: tuple[Stmt, ...]
    seed: int | None = None

    def __len__(self) -> int:
        return len(self.stmts)

    @property
    def source(self) -> str:
        return "\n".join(s.code for s in self.stmts)

    def ops(self) -> set[str]:
        """The op-registry names the program uses."""
        return {s.op for s in self.stmts if s.op}

    def without(self, drop: Iterable[int]) -> "Program":
        """The program minus statements ``drop`` and every statement that (transitively) reads a
        variable only they bind."""
        drop = set(drop)
        gone: set[str] = set()
        kept = []
        for i, s in enumerate(self.stmts):
            if i in drop or gone.intersection(s.uses):
                gone.update(s.defines)
                continue
            kept.append(s)
        return Program(tuple(kept), self.seed)

    def replaced(self, index: int, stmt: Stmt) -> "Program":
        stmts = list(self.stmts)
        stmts[index] = stmt
        return Program(tuple(stmts), self.seed)

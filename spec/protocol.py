"""The contract: what a backend, its tensors and their grad_fn nodes must provide.

The surface is a subset of PyTorch's, named as PyTorch names it, so that code written for
``torch`` runs with ``torch = gradspec.load_backend("numpy")`` in its place.  These are
``typing.Protocol`` classes checked at run time: ``isinstance(obj, Backend)`` tells whether the
members exist; `missing_members` lists the ones that do not.  What the members must *do* is
the clause catalogue (`gradspec.clauses`), judged by the conformance suite.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Callable, Iterable, Protocol, Sequence, runtime_checkable

CAPABILITIES: dict[str, str] = {
    "create_graph": "autograd.grad(..., create_graph=True) returns gradients that are themselves "
                    "in a graph, so they can be differentiated again (higher order)",
    "backward_create_graph": "Tensor.backward(create_graph=True) and autograd.backward(..., "
                             "create_graph=True) accumulate a differentiable grad (needs "
                             "create_graph)",
    "hooks": "Tensor.register_hook: hooks see and may replace gradients",
    "inplace": "in-place ops (add_, mul_, ...) on tensors in a graph, with the leaf guard: an "
               "in-place op on a leaf that requires grad raises LeafInPlaceError",
    "version_counters": "Tensor._version counts in-place changes, and backward raises "
                        "SavedTensorModifiedError when a tensor it saved was changed (needs "
                        "inplace)",
    "inplace_views": "in-place ops through views and indexed assignment (__setitem__) rebase the "
                     "graph (needs inplace)",
    "backward_inputs": "backward(inputs=...) accumulates only into the given tensors",
    "float64": "float64 tensors (needed by finite-difference gradient checks)",
    "anomaly": "anomaly mode: autograd.set_detect_anomaly(mode, check_nan=True), "
               "autograd.detect_anomaly() and is_anomaly_enabled(); a NaN from a backward step "
               "raises AnomalyError",
}
"""Optional features a backend may declare, each with what it promises.  A clause tied to a
capability is judged only on backends that declare it; a backend without it reports the clause
as ``unsupported``."""

CAPABILITY_NEEDS: dict[str, frozenset[str]] = {
    "backward_create_graph": frozenset({"create_graph"}),
    "version_counters": frozenset({"inplace"}),
    "inplace_views": frozenset({"inplace"}),
}
"""Capabilities that only make sense with others: declaring a key without every capability of
its value is an error ``load_backend`` reports."""


class ApiAbsent(NotImplementedError):
    """Raised by an adapter's member when the wrapped library has no such API at all.

    The conformance suite reports a test that ends in ``ApiAbsent`` as *absent* (the library
    lacks the API), not as failed (the library has it and behaves differently).  Build such
    members with `absent`; never emulate the missing behaviour.
    """


class _Absent:
    """A class member standing for an API the library lacks (see `absent`)."""

    def __init__(self, what: str, is_property: bool) -> None:
        self.what = what
        self.is_property = is_property
        self.__doc__ = f"Absent: {what}"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        if self.is_property:
            raise ApiAbsent(self.what)

        def missing(*args: Any, **kwargs: Any) -> Any:
            raise ApiAbsent(self.what)

        missing.__gradspec_absent__ = self.what  # type: ignore[attr-defined]
        return missing

    def __set__(self, obj: Any, value: Any) -> None:
        raise ApiAbsent(self.what)


def absent(what: str, *, is_property: bool = False) -> Any:
    """A class member for an API the library does not have.

    ``what`` says what is missing, in words (``"MyGrad has no tensor hooks"``).  Calling the
    member (or, with ``is_property=True``, reading or setting it) raises `ApiAbsent`; the
    protocol check of ``load_backend`` counts the member as present, and `absent_members` lists
    it, so the report can show the API as absent::

        class MyTensor:
            register_hook = absent("the library has no tensor hooks")
            _version = absent("the library keeps no version counters", is_property=True)
    """
    return _Absent(what, is_property)


@runtime_checkable
class Node(Protocol):
    """A ``grad_fn``: the backward node that produced a non-leaf tensor.

    A leaf that requires grad is represented in ``next_functions`` by an ``AccumulateGrad``
    node, which also has ``variable`` (the leaf itself).  An adapter may keep its library's
    own node names (``name()``): clause GRAPH-2 (a SHOULD) checks PyTorch's names, and a
    renamed node would hide a real difference, so do not rename.
    """

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(node_or_None, output_index)`` pair per differentiable input, in input order.

        A leaf that requires grad appears as an ``AccumulateGrad`` node whose ``variable`` is the
        leaf; an input that does not require grad (a Python number included) appears as
        ``(None, 0)``.
        """

    def name(self) -> str:
        """The node's name, e.g. ``"MulBackward0"``; ``AccumulateGrad`` for a leaf's node."""

    # ``variable`` exists on AccumulateGrad nodes only (the leaf they accumulate into), so it
    # is not a protocol member: ``node.variable is leaf`` is what GRAPH-1 checks.


@runtime_checkable
class RemovableHandle(Protocol):
    """What ``Tensor.register_hook`` returns."""

    def remove(self) -> None:
        """Unregister the hook; removing twice is harmless."""


@runtime_checkable
class Tensor(Protocol):
    """A tensor that takes part in autograd (PyTorch's names and meanings).

    The conformance suite also calls these PyTorch members when the backend has them, and
    reports a test or an op case that needs one the backend lacks as unsupported: the
    comparisons ``gt lt le eq ne`` (and their operators), ``max``, ``min``, ``abs``, ``sqrt``,
    ``sin``, ``cos``, ``relu``, ``clamp``, ``t()``, ``T``, ``transpose``, ``permute``,
    ``expand``, ``flatten``, ``to``, ``int``/``long``/``bool`` casts, ``mm``, ``matmul``, ``ndim``.
    """

    # -- autograd state ---------------------------------------------------------------------
    requires_grad: bool
    """Whether autograd records ops on this tensor; settable on leaves only (LEAF-5, LEAF-6)."""
    grad: Any
    """The accumulated gradient (a tensor of the same shape and dtype) or None; settable, and
    ``None`` resets it (ACC)."""

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user or by ops on untracked inputs (LEAF-1, LEAF-2)."""
    @property
    def grad_fn(self) -> Node | None:
        """The `Node` that produced this tensor; None for a leaf."""
    @property
    def retains_grad(self) -> bool:
        """True after ``retain_grad()`` on a non-leaf (RETAINGRAD-2)."""
    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's data has seen (shared with its views and
        detached aliases); capability ``version_counters``."""

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Any] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every reachable leaf's ``grad`` (BWD, ACC, RETAIN)."""
    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in ``grad`` during the next backward passes."""
    def detach(self) -> Tensor:
        """A new leaf that shares this tensor's data and does not require grad (DETACH-1)."""
    def detach_(self) -> Tensor:
        """Make this tensor a leaf that does not require grad, in place; returns it (DETACH-2)."""
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf and return the tensor itself."""
    def register_hook(self, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return
        replaces it (capability ``hooks``)."""

    # -- metadata and conversion ------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints (PyTorch's ``torch.Size`` is one)."""
    @property
    def dtype(self) -> Any:
        """The element type, comparable with the backend's ``float32``, ``float64``, ..."""
    @property
    def device(self) -> Any:
        """Where the data lives (anything printable: ``"cpu"``, ``device('cuda:0')``)."""
    def size(self, dim: int | None = None) -> Any:
        """The shape, or its length along ``dim``."""
    def dim(self) -> int:
        """The number of dimensions."""
    def numel(self) -> int:
        """The number of elements."""
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
    def numpy(self) -> Any:
        """A numpy array of the values; raises ``DetachRequiredError`` when the tensor requires
        grad (DETACH-3)."""
    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers."""

    # -- out-of-place ops (a selection; the op catalogue lists the rest) ---------------------
    def __add__(self, other: Any) -> Tensor:
        """``self + other`` (broadcasting; a Python number is a constant)."""
    def __radd__(self, other: Any) -> Tensor:
        """``other + self``."""
    def __sub__(self, other: Any) -> Tensor:
        """``self - other``."""
    def __rsub__(self, other: Any) -> Tensor:
        """``other - self``."""
    def __mul__(self, other: Any) -> Tensor:
        """``self * other``."""
    def __rmul__(self, other: Any) -> Tensor:
        """``other * self``."""
    def __truediv__(self, other: Any) -> Tensor:
        """``self / other``."""
    def __rtruediv__(self, other: Any) -> Tensor:
        """``other / self``."""
    def __pow__(self, other: Any) -> Tensor:
        """``self ** other`` (a number or a tensor exponent)."""
    def __rpow__(self, other: Any) -> Tensor:
        """``other ** self``."""
    def __matmul__(self, other: Any) -> Tensor:
        """``self @ other`` (matrix product, PyTorch's rules for 1-D and batched operands)."""
    def __neg__(self) -> Tensor:
        """``-self``."""
    def __getitem__(self, key: Any) -> Tensor:
        """Indexing: ints, slices, None, Ellipsis, integer and boolean tensors (a view where
        PyTorch makes one)."""
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over all elements, or over ``dim`` (an int or a tuple)."""
    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over all elements, or over ``dim``."""
    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
    def exp(self) -> Tensor:
        """Elementwise e**x."""
    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e**-x)."""
    def view(self, *shape: Any) -> Tensor:
        """A view with another shape (-1 infers one dimension); shares data and version."""
    def reshape(self, *shape: Any) -> Tensor:
        """Another shape: a view where possible, else a copy."""
    def squeeze(self, dim: int | None = None) -> Tensor:
        """Drop dimensions of size 1 (all, or ``dim``)."""
    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
    def ge(self, other: Any) -> Tensor:
        """Elementwise ``self >= other``, a bool tensor that never requires grad (LEAF-4)."""
    def float(self) -> Tensor:
        """A float32 copy (differentiable; ``self`` when it already is float32)."""
    def double(self) -> Tensor:
        """A float64 copy (differentiable)."""
    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradient: identity)."""

    # -- in-place ops -----------------------------------------------------------------------
    def add_(self, other: Any) -> Tensor:
        """``self += other`` in place; returns self (INPLACE)."""
    def sub_(self, other: Any) -> Tensor:
        """``self -= other`` in place; returns self."""
    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place; returns self."""
    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place; returns self."""
    def zero_(self) -> Tensor:
        """Fill with zeros in place; returns self (used on ``x.grad``, ACC-3)."""
    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` in place; returns self."""
    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast) into self, recorded in the graph; returns self."""
    def __setitem__(self, key: Any, value: Any) -> None:
        """Indexed assignment, recorded in the graph (capability ``inplace_views``)."""


@runtime_checkable
class Autograd(Protocol):
    """``backend.autograd``: the functional entry points."""

    def backward(
        self,
        tensors: Any,
        grad_tensors: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Backward from one tensor or a sequence of them, each weighted by its grad_tensor
        (GRADT-2); accumulates into leaves as ``Tensor.backward`` does."""

    def grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        allow_unused: bool = False,
    ) -> tuple[Any, ...]:
        """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple, never
        accumulated into ``.grad`` (AGRAD)."""

    # Optional, capability ``anomaly``: set_detect_anomaly(mode, check_nan=True),
    # detect_anomaly() (a context manager) and is_anomaly_enabled().


@runtime_checkable
class Backend(Protocol):
    """An autograd engine as gradspec sees it: ``torch``-like functions plus identity.

    Beyond these members the suite uses, when present, PyTorch's functions of the same names
    (the op catalogue lists them: ``maximum``, ``minimum``, ``max``, ``min``, ``clamp``,
    ``sin``, ``cos``, ``sign``, ``softmax``, ``log_softmax``, ``transpose``, ``permute``,
    ``reshape``, ``mm``, ``linear``, ``binary_cross_entropy``, ``cross_entropy``, ...) and the
    dtype aliases ``float``, ``double``, ``int``, ``long``.  A case needing one that is missing
    is reported unsupported.
    """

    # -- identity -----------------------------------------------------------------------------
    name: str
    """The backend's name (the entry point's name)."""
    version: str
    """The version of the engine or library judged (for an adapter: the library's)."""
    device: str
    """Where tensors live by default (``"cpu"``, ``"cuda:0"``)."""
    capabilities: frozenset[str]
    """The optional capabilities this backend declares (keys of `CAPABILITIES`)."""

    # -- dtypes -------------------------------------------------------------------------------
    float32: Any
    """The 32-bit float dtype (the default of ``tensor`` for Python floats)."""
    float64: Any
    """The 64-bit float dtype."""
    int64: Any
    """The 64-bit integer dtype (the default for Python ints)."""
    bool: Any
    """The boolean dtype."""
    Tensor: type
    """The tensor class: ``isinstance(t, backend.Tensor)`` is True for the backend's tensors."""

    # -- factories ----------------------------------------------------------------------------
    def tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new leaf from a number, nested lists or a numpy array (data copied)."""
    def zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A leaf of zeros; ``size`` as ints or one tuple."""
    def ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A leaf of ones."""
    def full(self, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A leaf filled with ``fill_value``."""
    def zeros_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros with ``t``'s shape and dtype."""
    def ones_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones with ``t``'s shape and dtype."""
    def randn(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Standard normal samples from the backend's seeded generator."""
    def rand(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Uniform [0, 1) samples."""
    def normal(self, mean: Any, std: Any = 1.0, size: Any = None) -> Tensor:
        """Normal samples: ``mean`` and ``std`` as numbers (with ``size``) or tensors."""
    def linspace(self, start: float, end: float, steps: int, dtype: Any = None) -> Tensor:
        """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    def arange(self, *args: Any, dtype: Any = None) -> Tensor:
        """``arange(end)`` / ``arange(start, end, step)`` as in PyTorch."""
    def from_numpy(self, array: Any) -> Tensor:
        """A leaf over a numpy array (sharing its memory where the library can)."""
    def manual_seed(self, seed: int) -> Any:
        """Seed the backend's generator (``randn``, ``rand``, ``normal``)."""

    # -- ops (functional forms) -----------------------------------------------------------------
    def add(self, a: Any, b: Any) -> Tensor:
        """``a + b``."""
    def sub(self, a: Any, b: Any) -> Tensor:
        """``a - b``."""
    def mul(self, a: Any, b: Any) -> Tensor:
        """``a * b``."""
    def div(self, a: Any, b: Any) -> Tensor:
        """``a / b``."""
    def neg(self, a: Any) -> Tensor:
        """``-a``."""
    def pow(self, a: Any, b: Any) -> Tensor:
        """``a ** b``."""
    def exp(self, a: Any) -> Tensor:
        """Elementwise e**a."""
    def log(self, a: Any) -> Tensor:
        """Elementwise natural logarithm."""
    def sqrt(self, a: Any) -> Tensor:
        """Elementwise square root."""
    def abs(self, a: Any) -> Tensor:
        """Elementwise absolute value (gradient 0 at 0, NONDIFF-1)."""
    def sigmoid(self, a: Any) -> Tensor:
        """Elementwise logistic function."""
    def tanh(self, a: Any) -> Tensor:
        """Elementwise hyperbolic tangent."""
    def relu(self, a: Any) -> Tensor:
        """Elementwise max(a, 0) (gradient 0 at 0)."""
    def sum(self, a: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over all elements or over ``dim``."""
    def mean(self, a: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over all elements or over ``dim``."""
    def matmul(self, a: Any, b: Any) -> Tensor:
        """Matrix product with PyTorch's rules."""
    def cat(self, tensors: Sequence[Any], dim: int = 0) -> Tensor:
        """Concatenate along an existing dimension."""
    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Tensor:
        """Stack along a new dimension."""
    def unsqueeze(self, a: Any, dim: int) -> Tensor:
        """Insert a dimension of size 1."""
    def squeeze(self, a: Any, dim: int | None = None) -> Tensor:
        """Drop dimensions of size 1."""
    def where(self, condition: Any, a: Any, b: Any) -> Tensor:
        """Elementwise choice; both branches are differentiated (NONDIFF-2)."""

    # -- grad mode ----------------------------------------------------------------------------
    def no_grad(self) -> AbstractContextManager[Any]:
        """A context (and decorator) in which ops record nothing (NOGRAD-1)."""
    def enable_grad(self) -> AbstractContextManager[Any]:
        """A context that turns recording back on inside ``no_grad``."""
    def set_grad_enabled(self, mode: bool) -> Any:
        """Set grad mode; usable as a function and as a context manager (NOGRAD-2)."""
    def is_grad_enabled(self) -> bool:
        """Whether ops record a graph now (per thread, NOGRAD-3)."""

    autograd: Autograd
    """The functional entry points (`Autograd`)."""

    # -- gaps torch's namespace does not fill, required of every backend ------------------------
    def classify_error(self, exc: BaseException) -> type | None:
        """The error kind (a class from `gradspec.errors`) of ``exc``, or None."""

    def to_numpy(self, t: Any) -> Any:
        """A host ``numpy.ndarray`` with ``t``'s values (detached; a copy where needed)."""


def protocol_members(proto: type) -> list[str]:
    """The member names a runtime-checkable protocol requires, sorted."""
    members = getattr(proto, "__protocol_attrs__", None)
    if members is None:  # Python < 3.12 keeps them private
        from typing import _get_protocol_attrs  # type: ignore[attr-defined]

        members = _get_protocol_attrs(proto)
    return sorted(members)


def _absent_reason(obj: Any, name: str) -> str | None:
    """What is absent when member ``name`` of ``obj`` was built with `absent`, else None."""
    for klass in type(obj).__mro__:
        if name in vars(klass):
            member = vars(klass)[name]
            return member.what if isinstance(member, _Absent) else None
    member = vars(obj).get(name) if hasattr(obj, "__dict__") else None
    return getattr(member, "__gradspec_absent__", None)


def missing_members(obj: Any, proto: type) -> list[str]:
    """Members of ``proto`` that ``obj`` lacks (empty when it satisfies the protocol).

    A member made with `absent` is not missing: it exists and says the API is absent.
    """
    return [m for m in protocol_members(proto)
            if _absent_reason(obj, m) is None and not hasattr(obj, m)]


def absent_members(obj: Any, proto: type) -> dict[str, str]:
    """Members of ``proto`` that ``obj`` declares absent with `absent`: ``{name: what}``."""
    out = {}
    for m in protocol_members(proto):
        what = _absent_reason(obj, m)
        if what is not None:
            out[m] = what
    return out


def check_capabilities(declared: Iterable[str]) -> list[str]:
    """Names in ``declared`` that are not known capabilities."""
    return sorted(set(declared) - set(CAPABILITIES))


def unmet_needs(declared: Iterable[str]) -> dict[str, list[str]]:
    """Declared capabilities whose prerequisites (`CAPABILITY_NEEDS`) are not declared:
    ``{capability: [missing prerequisites]}``."""
    declared = set(declared)
    return {cap: sorted(CAPABILITY_NEEDS[cap] - declared) for cap in sorted(declared)
            if cap in CAPABILITY_NEEDS and not CAPABILITY_NEEDS[cap] <= declared}

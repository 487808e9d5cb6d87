"""Error kinds of the autograd contract.

Every misuse the contract names has one *kind*: an exception class here, all subclasses of
``RuntimeError`` because that is what PyTorch raises for autograd misuse.  Conformance tests
assert kinds, never message text.  A backend that cannot raise these classes itself (the torch
adapter) classifies its own exceptions into kinds through ``Backend.classify_error``.

Messages are the backend's to write, but a good one says what was wrong and how to fix it.
"""

from __future__ import annotations

SCALAR_TYPE_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                     "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
                     "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                     "complex128": "ComplexDouble"}
"""dtype name -> the word PyTorch's messages name it by (``Long`` for int64, ``Float`` for
float32), so that a refusal reads as PyTorch's."""


def check_class_target(op: str, input_shape: tuple, target_shape: tuple, dtype: str) -> None:
    """Raise PyTorch's error, in its order and words, for a class-index ``target`` (of dtype
    name ``dtype``) that ``op`` (nll_loss, cross_entropy) cannot pair with scores of
    ``input_shape`` (C,), (N, C) or (N, C, d1, ...); return quietly for a valid one."""
    nd = len(input_shape)
    if nd == 1:
        if len(target_shape) > 1 or (target_shape and target_shape[0] != 1):
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target_shape[0] if len(target_shape) == 1 else list(target_shape)}")
    elif nd == 2 and len(target_shape) > 1:
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported ({op}: "
                           f"scores {list(input_shape)} take class indices of shape "
                           f"[{input_shape[0]}], or probabilities of the scores' shape)")
    elif (target_shape[0] if target_shape else 0) != input_shape[0]:
        raise ValueError(f"Expected input batch_size ({input_shape[0]}) to match target "
                         f"batch_size ({target_shape[0] if target_shape else 0}). ({op} takes "
                         f"one class index per row of scores)")
    if dtype not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{SCALAR_TYPE_NAMES.get(dtype, dtype)}: the class indices of {op} "
                           f"must be an int64 tensor (convert with .long())")
    want = (input_shape[0],) + tuple(input_shape[2:])
    if nd > 2 and tuple(target_shape) != want:
        raise RuntimeError(f"Expected target size {list(want)}, got {list(target_shape)}")


class AutogradError(RuntimeError):
    """Base of every error kind.  ``kind`` is a stable identifier used in reports.

    A raised kind shows itself as PyTorch's exception does: ``type(e).__name__`` is
    ``RuntimeError`` and a traceback ends ``RuntimeError: ...``, as a PyTorch program prints
    them.  What it is stays in the class hierarchy and ``kind``: ``except LeafInPlaceError``,
    ``isinstance(e, LeafInPlaceError)`` and ``e.kind`` tell the kinds apart (the instance's
    class is a subclass of the kind, made once per kind, named as PyTorch's)."""

    kind: str = "autograd-error"
    """A stable identifier of the kind (``"graph-freed"``), used in reports."""
    summary: str = "autograd misuse"
    """What the kind is raised for, in a few words (the spec pages' error table)."""

    def __new__(cls, *args: object, **kwargs: object) -> "AutogradError":
        """An instance of the kind's shown class (named as the builtin PyTorch raises)."""
        return super().__new__(_shown_class(cls), *args)

    def __reduce__(self) -> tuple:
        """Pickled as the kind itself: the shown class's name is a builtin's."""
        return _as_kind(self)


_SHOWN: dict[type, type] = {}


def _shown_class(kind: type, name: str | None = None, module: str = "builtins") -> type:
    """The class a raised ``kind`` has: a subclass named as the exception PyTorch raises
    (``name`` in ``module``; by default the kind's first builtin base, ``RuntimeError``, in
    ``builtins``), so tracebacks print what PyTorch's print."""
    if kind in _SHOWN.values():  # already the shown one (unpickling, copying)
        return kind
    shown = _SHOWN.get(kind)
    if shown is None:
        if name is None:
            name = next(c.__name__ for c in kind.__mro__ if c.__module__ == "builtins")
        shown = _SHOWN[kind] = type(name, (kind,), {"__module__": module,
                                                    "__qualname__": name,
                                                    "__doc__": kind.__doc__})
    return shown


def _as_kind(error: BaseException) -> tuple:
    """The pickled form of a raised kind: the kind itself (a shown class's name is not
    importable where it claims to live)."""
    cls = type(error)
    return (cls.__mro__[1] if cls in _SHOWN.values() else cls, error.args)


class GraphFreedError(AutogradError):
    """Backward through a graph whose saved tensors were already freed: a second
    ``backward()`` without ``retain_graph=True`` (RETAIN-1 to RETAIN-3)."""
    kind = "graph-freed"
    summary = "backward through a graph whose saved tensors were already freed"


class LeafInPlaceError(AutogradError):
    """An in-place op on a leaf that requires grad, or on a view of one, in grad mode
    (INPLACE-1)."""
    kind = "leaf-in-place"
    summary = "in-place operation on a leaf (or a view of one) that requires grad"


class SavedTensorModifiedError(AutogradError):
    """A tensor saved for backward was modified in place before the backward that needs
    it (VERSION-2)."""
    kind = "saved-tensor-modified"
    summary = "a tensor saved for backward was modified in place before backward"


class NonScalarBackwardError(AutogradError):
    """``backward()`` or ``autograd.grad`` without a gradient, on an output of more than
    one element (BWD-2, AGRAD-4)."""
    kind = "non-scalar-backward"
    summary = "implicit gradient requested for an output with more than one element"


class UnusedInputError(AutogradError):
    """An input of ``autograd.grad`` is not reachable from the outputs and
    ``allow_unused`` is False (AGRAD-2)."""
    kind = "unused-input"
    summary = "an input of autograd.grad is not reachable from the outputs"


class NoGradPathError(AutogradError):
    """A gradient was asked of a tensor that does not require grad, or has no
    ``grad_fn`` to differentiate (BWD-4, AGRAD-3, HIGHER-3)."""
    kind = "no-grad-path"
    summary = "a tensor that does not require grad was used where a gradient is needed"


class RequiresGradDtypeError(AutogradError):
    """An integer or boolean tensor was asked to require grad: only floating point
    tensors can (LEAF-5)."""
    kind = "requires-grad-dtype"
    summary = "only floating point tensors can require gradients"


class GradientShapeError(AutogradError):
    """A supplied gradient's shape does not match its output's, or a ``.grad``
    assigned does not match its tensor (BWD-3, ACC-4)."""
    kind = "gradient-shape"
    summary = "a supplied gradient does not match the shape of its output or tensor"


class NonLeafRequiresGradError(AutogradError):
    """``requires_grad`` was changed on a tensor that is not a leaf (LEAF-6)."""
    kind = "non-leaf-requires-grad"
    summary = "requires_grad changed on a tensor that is not a leaf"


class GradientCountError(AutogradError):
    """The number of gradients given does not match the number of outputs (GRADT-3)."""
    kind = "gradient-count"
    summary = "the number of gradients does not match the number of outputs"


class EmptyInputsError(AutogradError):
    """An empty ``inputs`` sequence was given to ``backward`` or ``autograd.grad``
    (BWD-7, AGRAD-3)."""
    kind = "empty-inputs"
    summary = "an empty `inputs` sequence was given to backward or grad"


class DetachRequiredError(AutogradError):
    """A tensor that requires grad was converted out of autograd (``numpy()``);
    call ``detach()`` first (DETACH-3)."""
    kind = "detach-required"
    summary = "a tensor that requires grad was converted out of autograd (use detach())"


class AnomalyError(AutogradError):
    """Anomaly mode found a NaN in a gradient computed by a backward step (ERR-2)."""
    kind = "anomaly"
    summary = "anomaly detection found NaN in a gradient computed by backward"


ERROR_KINDS: tuple[type[AutogradError], ...] = (
    GraphFreedError,
    LeafInPlaceError,
    SavedTensorModifiedError,
    NonScalarBackwardError,
    UnusedInputError,
    NoGradPathError,
    RequiresGradDtypeError,
    GradientShapeError,
    NonLeafRequiresGradError,
    GradientCountError,
    EmptyInputsError,
    DetachRequiredError,
    AnomalyError,
)
"""Every concrete error kind, in the order the spec pages list them."""

KIND_BY_NAME: dict[str, type[AutogradError]] = {cls.kind: cls for cls in ERROR_KINDS}
"""Each error kind's class by its ``kind`` identifier."""


def classify(exc: BaseException) -> type[AutogradError] | None:
    """The kind of ``exc`` when it is one of ours (its most specific kind), else None."""
    for cls in type(exc).__mro__:
        if cls in KIND_BY_NAME.values():
            return cls  # type: ignore[return-value]
    return None


class BackendError(Exception):
    """Base of errors from the plugin registry (finding and loading backends)."""


class UnknownBackendError(BackendError, LookupError):
    """No installed backend has this name (also a ``LookupError``); the message lists
    the installed ones."""


class DuplicateBackendError(BackendError):
    """Two plugins registered the same backend name."""


class BackendUnavailableError(BackendError):
    """The backend is installed but cannot run here (its array library or device is
    missing); the message says why."""


class InvalidBackendError(BackendError, TypeError):
    """A plugin broke the plugin contract: no hook implementations, a failing import,
    or an object that does not satisfy the protocol (also a ``TypeError``)."""


class BackendMismatchError(RuntimeError):
    """Tensors of two backends met (a module's parameters and its input): as PyTorch's "Expected
    all tensors to be on the same device", a ``RuntimeError``."""


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (a singular matrix, one that is not
    positive-definite, a decomposition that did not converge): ``torch.linalg.LinAlgError``,
    a RuntimeError as in PyTorch, so ``except torch.linalg.LinAlgError`` (the jitter-and-retry
    loop of Gaussian-process code) and ``except RuntimeError`` both catch it.  Raised, it shows
    as PyTorch's does: ``torch._C._LinAlgError`` in a traceback and ``type(e).__name__``."""

    def __new__(cls, *args: object, **kwargs: object) -> "LinAlgError":
        """An instance of the shown class, named as PyTorch's (``_LinAlgError``)."""
        return super().__new__(_shown_class(cls, "_LinAlgError", "torch._C"), *args)

    def __reduce__(self) -> tuple:
        """Pickled as the kind itself (``torch._C`` may not be importable, nor hold ours)."""
        return _as_kind(self)


class NoCudaError(RuntimeError, AssertionError):
    """A backend on the CPU was asked for a CUDA device (``x.cuda()``, ``device="cuda"``).
    PyTorch's CPU build raises ``AssertionError: Torch not compiled with CUDA enabled``; this is
    an AssertionError as that is (``except AssertionError`` catches it, and a traceback shows
    that name) and a RuntimeError as gradspec's other device refusals."""

    def __new__(cls, *args: object, **kwargs: object) -> "NoCudaError":
        """An instance of the shown class, named as PyTorch's (``AssertionError``)."""
        return super().__new__(_shown_class(cls, "AssertionError"), *args)

    def __reduce__(self) -> tuple:
        """Pickled as the kind itself (the shown class's name is a builtin's)."""
        return _as_kind(self)


class OpNotSupportedError(NotImplementedError):
    """A backend does not implement an optional op of `gradspec.ops` (the conformance suite
    reports such an op's cases *unsupported*, never failed)."""

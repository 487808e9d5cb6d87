"""Error kinds of the autograd contract.

Every misuse the contract names has one *kind*: an exception class here, all subclasses of
``RuntimeError`` because that is what PyTorch raises for autograd misuse.  Conformance tests
assert kinds, never message text.  A backend that cannot raise these classes itself (the torch
adapter) classifies its own exceptions into kinds through ``Backend.classify_error``.

Messages are the backend's to write, but a good one says what was wrong and how to fix it.
"""

from __future__ import annotations


class AutogradError(RuntimeError):
    """Base of every error kind.  ``kind`` is a stable identifier used in reports."""

    kind: str = "autograd-error"
    summary: str = "autograd misuse"


class GraphFreedError(AutogradError):
    kind = "graph-freed"
    summary = "backward through a graph whose saved tensors were already freed"


class LeafInPlaceError(AutogradError):
    kind = "leaf-in-place"
    summary = "in-place operation on a leaf (or a view of one) that requires grad"


class SavedTensorModifiedError(AutogradError):
    kind = "saved-tensor-modified"
    summary = "a tensor saved for backward was modified in place before backward"


class NonScalarBackwardError(AutogradError):
    kind = "non-scalar-backward"
    summary = "implicit gradient requested for an output with more than one element"


class UnusedInputError(AutogradError):
    kind = "unused-input"
    summary = "an input of autograd.grad is not reachable from the outputs"


class NoGradPathError(AutogradError):
    kind = "no-grad-path"
    summary = "a tensor that does not require grad was used where a gradient is needed"


class RequiresGradDtypeError(AutogradError):
    kind = "requires-grad-dtype"
    summary = "only floating point tensors can require gradients"


class GradientShapeError(AutogradError):
    kind = "gradient-shape"
    summary = "a supplied gradient does not match the shape of its output or tensor"


class NonLeafRequiresGradError(AutogradError):
    kind = "non-leaf-requires-grad"
    summary = "requires_grad changed on a tensor that is not a leaf"


class GradientCountError(AutogradError):
    kind = "gradient-count"
    summary = "the number of gradients does not match the number of outputs"


class EmptyInputsError(AutogradError):
    kind = "empty-inputs"
    summary = "an empty `inputs` sequence was given to backward or grad"


class DetachRequiredError(AutogradError):
    kind = "detach-required"
    summary = "a tensor that requires grad was converted out of autograd (use detach())"


class AnomalyError(AutogradError):
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

KIND_BY_NAME: dict[str, type[AutogradError]] = {cls.kind: cls for cls in ERROR_KINDS}


def classify(exc: BaseException) -> type[AutogradError] | None:
    """The kind of ``exc`` when it is one of ours (its most specific kind), else None."""
    for cls in type(exc).__mro__:
        if cls in KIND_BY_NAME.values():
            return cls  # type: ignore[return-value]
    return None


class BackendError(Exception):
    """Base of errors from the plugin registry (finding and loading backends)."""


class UnknownBackendError(BackendError, LookupError):
    pass


class DuplicateBackendError(BackendError):
    pass


class BackendUnavailableError(BackendError):
    pass


class InvalidBackendError(BackendError, TypeError):
    pass


class BackendMismatchError(RuntimeError):
    """Tensors of two backends met (a module's parameters and its input): as PyTorch's "Expected
    all tensors to be on the same device", a ``RuntimeError``."""


class OpNotSupportedError(NotImplementedError):
    """A backend does not implement an optional op of `gradspec.ops` (the conformance suite
    reports such an op's cases *unsupported*, never failed)."""

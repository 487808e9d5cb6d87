"""Mixed precision as PyTorch spells it (``torch.amp``, ``torch.autocast``,
``torch.cuda.amp``): ``autocast`` and ``GradScaler``, so that training loops written for it run
unchanged on every backend.

``autocast`` changes no dtype here: gradspec's engines compute every op in the dtypes of its
inputs, so a region under autocast computes in float32 where PyTorch would use float16 or
bfloat16 for matrix products (its results are the more precise ones).  ``GradScaler`` scales
and unscales for real, skips steps whose gradients overflowed and adapts the scale exactly as
PyTorch's does; like PyTorch's, one made for CUDA on a machine without it disables itself
with a warning (then every method passes through).
"""

from __future__ import annotations

import contextvars
import functools
import math
import warnings
from typing import Any, Callable, Iterable

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

_ACTIVE: contextvars.ContextVar[tuple] = contextvars.ContextVar("gradspec_autocast", default=())


class autocast:  # noqa: N801 - PyTorch's name
    """A region (``with torch.autocast("cuda"):``) or a decorator in which PyTorch would run
    some ops in lower precision; here ops keep their inputs' dtypes (see the module's note).
    ``device_type``, ``dtype``, ``enabled`` and ``cache_enabled`` are PyTorch's arguments."""

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device_type = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        self._token: Any = None

    def __enter__(self) -> "autocast":
        self._token = _ACTIVE.set(_ACTIVE.get() + ((self.device_type, self._enabled),))
        return self

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE.reset(self._token)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapped


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether the innermost autocast region (for ``device_type``, default "cuda") is enabled."""
    wanted = device_type or "cuda"
    for device, enabled in reversed(_ACTIVE.get()):
        if device == wanted:
            return enabled
    return False


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast accepts ``device_type`` (the devices PyTorch names)."""
    return device_type in ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "mtia", "meta")


def custom_fwd(fwd: Callable[..., Any] | None = None, *, device_type: str = "cuda",
               cast_inputs: Any = None) -> Any:
    """PyTorch's decorator for a custom Function's forward under autocast: the forward itself
    here (there is no precision to restore)."""
    if fwd is None:
        return lambda fn: fn
    return fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str = "cuda") -> Any:
    """PyTorch's decorator for a custom Function's backward under autocast: the backward
    itself here."""
    if bwd is None:
        return lambda fn: fn
    return bwd


class GradScaler:
    """Loss scaling for mixed-precision training, PyTorch's ``GradScaler``: ``scale(loss)``
    multiplies by the scale, ``step(optimizer)`` unscales the gradients (unless
    ``unscale_`` already did) and skips the step when any is inf or NaN, ``update()`` shrinks
    the scale by ``backoff_factor`` after such a step and grows it by ``growth_factor`` after
    ``growth_interval`` clean ones.  Disabled (``enabled=False``, or ``device="cuda"`` on a
    backend without CUDA, with PyTorch's warning), every method passes through."""

    _bound_backend: Any = None

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._device = str(device)
        self._enabled = bool(enabled)
        if self._enabled and self._device.startswith("cuda") and not self._has_cuda():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2)
            self._enabled = False
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    def _has_cuda(self) -> bool:
        backend = self._bound_backend
        if backend is None:
            from .plugins import load_backend

            backend = load_backend()
        return bool(backend.cuda.is_available())

    def is_enabled(self) -> bool:
        """Whether this scaler scales (False when disabled)."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Change the growth factor."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after an overflow."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Change the backoff factor."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """How many clean steps grow the scale."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Change the growth interval."""
        self._growth_interval = int(new_interval)

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or nested lists and tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if not hasattr(outputs, "shape"):
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return outputs * self._scale

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": "ready",
                                                              "found_inf": False})

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note whether any is inf
        or NaN (once per optimizer between updates, as PyTorch allows)."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == "unscaled":
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        inverse = 1.0 / self._scale
        found = False
        for p in _params(optimizer):
            if p.grad is None:
                continue
            with _no_grad(p):
                p.grad.mul_(inverse)
            if not found and not bool(p.grad.isfinite().all()):
                found = True
        state["found_inf"] = found
        state["stage"] = "unscaled"

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` with unscaled gradients, skipped (None) when
        any gradient overflowed."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == "ready":
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = "stepped"
        return result

    def update(self, new_scale: Any = None) -> None:
        """Adapt the scale after the step(s) since the last update (or set ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values()
                     if s["stage"] != "ready"]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer.clear()

    def state_dict(self) -> dict[str, Any]:
        """The scale and its settings (empty when disabled), as PyTorch saves them."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` saved."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _params(optimizer: Any) -> Iterable[Any]:
    for group in optimizer.param_groups:
        yield from group["params"]


def _no_grad(t: Any) -> Any:
    from .plugins import backend_of

    return backend_of(t).no_grad()

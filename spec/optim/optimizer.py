"""`Optimizer`: parameter groups, per-parameter state, the step loop, saving, and the hooks
around ``step``, ``state_dict`` and ``load_state_dict`` (as ``torch.optim.Optimizer``)."""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict, defaultdict
from typing import Any, Callable, Iterable, Mapping

from ..nn.parameter import _is_tensor, clear_grads
from ..plugins import backend_of

__all__ = ["Optimizer", "register_optimizer_step_post_hook", "register_optimizer_step_pre_hook"]

#: hooks around every optimizer's step (torch.optim.optimizer's globals)
_GLOBAL_PRE: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_GLOBAL_POST: OrderedDict[int, Callable[..., Any]] = OrderedDict()


def _handle(hooks: OrderedDict, hook: Callable[..., Any], prepend: bool = False) -> Any:
    from ..nn.modules.module import RemovableHandle

    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> Any:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step`` (``args``
    starts with the optimizer, as in PyTorch; a non-None result replaces ``(args, kwargs)``);
    returns a handle whose ``remove()`` unregisters it."""
    return _handle(_GLOBAL_PRE, hook)


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> Any:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return _handle(_GLOBAL_POST, hook)


def _hooks_due(optimizer: "Optimizer") -> bool:
    """Whether a call of ``step`` must run hooks: some are registered (globally or on this
    optimizer) and this is not a step that another step of the same optimizer called."""
    own = optimizer.__dict__
    return bool(_GLOBAL_PRE or _GLOBAL_POST or "_step_pre_hooks" in own
                or "_step_post_hooks" in own) and not own.get("_in_step")


def _call_with_hooks(step: Callable[..., Any], optimizer: "Optimizer", args: tuple,
                     kwargs: dict) -> Any:
    """``step(optimizer, *args, **kwargs)`` between the step hooks, as PyTorch runs them: the
    global ones first, each given the optimizer, ``args`` (starting with the optimizer) and
    ``kwargs``; a pre-hook's non-None result replaces ``(args, kwargs)``."""
    own = optimizer.__dict__
    pre, post = own.get("_step_pre_hooks") or {}, own.get("_step_post_hooks") or {}
    args = (optimizer, *args)
    for hook in itertools.chain(list(_GLOBAL_PRE.values()), list(pre.values())):
        result = hook(optimizer, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{hook} must return None or a tuple of (new_args, "
                                   f"new_kwargs), but got {result}.")
            args, kwargs = result
    own["_in_step"] = True
    try:
        out = step(*args, **kwargs)
    finally:
        own["_in_step"] = False
    for hook in itertools.chain(list(_GLOBAL_POST.values()), list(post.values())):
        hook(optimizer, args, kwargs)
    return out


def _hooked(step: Callable[..., Any]) -> Callable[..., Any]:
    """A subclass's own ``step`` with the step hooks around it (once per call: a step that
    calls its base's runs them once)."""

    @functools.wraps(step)
    def wrapper(self: "Optimizer", *args: Any, **kwargs: Any) -> Any:
        if _hooks_due(self):
            return _call_with_hooks(step, self, args, kwargs)
        return step(self, *args, **kwargs)

    return wrapper


class Optimizer:
    """Holds parameter groups and per-parameter state; subclasses implement ``_update``."""

    defaults: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:  # an optimizer's own step runs the hooks too
            cls.step = _hooked(cls.__dict__["step"])  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any] | Iterable[Mapping[str, Any]],
                 defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        #: per-parameter state (momentum buffers, Adam's moments), by parameter; an unseen
        #: parameter reads as an empty dict, as in torch
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self._backend: Any = None
        if _is_tensor(params):
            raise TypeError(
                "params must be an iterable of tensors or of dicts, got a single tensor; "
                "pass [t] or model.parameters()"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group: ``{"params": [...], **hyperparameters}`` (missing ones from defaults)."""
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError("a parameter group is a dict with a 'params' entry")
        params = group["params"]
        params = [params] if _is_tensor(params) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not _is_tensor(p):
                raise TypeError(f"optimizer can only optimize tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf tensor (computed by {p.grad_fn.name()}); "
                    "optimize the leaf it came from, or make a leaf with "
                    "t.detach().requires_grad_()"
                )
            if id(p) in seen:
                raise ValueError("a parameter appears more than once in the optimizer's groups")
            seen.add(id(p))
            backend = backend_of(p)
            if self._backend is None:
                self._backend = backend
            elif backend is not self._backend:
                raise ValueError(
                    f"parameters come from two backends ({self._backend.name} and {backend.name}); "
                    "use one optimizer per backend"
                )
        # Keys the optimizer does not use are kept, as torch keeps them (a group's "name", a
        # scheduler's "initial_lr"); missing hyperparameters come from the defaults.
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check(full)
        full["params"] = params
        self.param_groups.append(full)

    def _check(self, group: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` for invalid hyperparameters."""

    # -- the training loop's calls -------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, as torch >= 2.0) or to zeros."""
        clear_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient.  ``closure`` (optional)
        re-evaluates the model and returns the loss, which ``step`` returns."""
        # (the hooks checked here, not by a wrapper: the training loop's call pays no frame)
        own = self.__dict__
        if ((_GLOBAL_PRE or _GLOBAL_POST or "_step_pre_hooks" in own
             or "_step_post_hooks" in own) and not own.get("_in_step")):
            return _call_with_hooks(Optimizer.step, self, () if closure is None else (closure,),
                                    {})
        loss = None
        if closure is not None:
            with self._backend.enable_grad():
                loss = closure()
        with self._backend.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: Mapping[str, Any]) -> None:
        """Update each parameter of ``group`` that has a gradient (`_update` with its state);
        an optimizer may take a shorter route for a group whose update keeps no state."""
        state = self.state
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                self._update(p, grad, state[p], group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update()")

    # -- hooks ------------------------------------------------------------------------------------
    def _hooks(self, name: str) -> OrderedDict:
        found = self.__dict__.get(name)
        if found is None:
            found = self.__dict__[name] = OrderedDict()
        return found

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step`` (a non-None result
        replaces ``(args, kwargs)``); returns a handle whose ``remove()`` unregisters it."""
        return _handle(self._hooks("_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _handle(self._hooks("_step_post_hooks"), hook)

    def register_state_dict_pre_hook(self, hook: Callable[..., Any],
                                     prepend: bool = False) -> Any:
        """Call ``hook(optimizer)`` before ``state_dict`` builds the dict."""
        return _handle(self._hooks("_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable[..., Any],
                                      prepend: bool = False) -> Any:
        """Call ``hook(optimizer, state_dict)`` on the dict ``state_dict`` built (a non-None
        result is returned instead)."""
        return _handle(self._hooks("_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any],
                                          prepend: bool = False) -> Any:
        """Call ``hook(optimizer, state_dict)`` before ``load_state_dict`` (a non-None result
        is loaded instead)."""
        return _handle(self._hooks("_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any],
                                           prepend: bool = False) -> Any:
        """Call ``hook(optimizer)`` after ``load_state_dict``."""
        return _handle(self._hooks("_load_state_dict_post_hooks"), hook, prepend)

    # -- saving and loading ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``;
        parameters are numbered across groups in order, as torch does.  As in torch, the state's
        tensors are the optimizer's own, updated by later steps: clone them for a snapshot."""
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self)
        out = self._state_dict()
        for hook in list(self.__dict__.get("_state_dict_post_hooks", {}).values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    def _state_dict(self) -> dict[str, Any]:
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        # parameters whose optimizer keeps nothing (plain SGD) have no entry, as in torch
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if s and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by `state_dict` (tensors are copied)."""
        for hook in list(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        self._load_state_dict(state_dict)
        for hook in list(self.__dict__.get("_load_state_dict_post_hooks", {}).values()):
            hook(self)

    def _load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            # PyTorch's words first (scripts match on them), then the counts
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(groups) if isinstance(groups, list) else 'none'} against this "
                f"optimizer's {len(self.param_groups)})"
            )
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"the optimizer's group ({len(saved['params'])} vs {len(own['params'])})"
                )
        by_index = {i: p for g, own in zip(groups, self.param_groups)
                    for i, p in zip(g["params"], own["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for i, entries in state_dict.get("state", {}).items():
            if int(i) not in by_index:
                raise ValueError(f"loaded state dict has state for parameter {i}, which no "
                                 "parameter group of this optimizer has")
            p = by_index[int(i)]
            state[p] = {k: _state_value(p, k, v) for k, v in entries.items()}
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):  # torch's layout: a blank line between
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {k}: {v}\n" for k, v in sorted(group.items()) if k != "params")
        return text + ")"


def _state_value(param: Any, key: str, value: Any) -> Any:
    """A loaded state entry as ``param``'s own: a copy on its backend, cast to its dtype except
    for ``step`` (float32, as torch keeps it); a tensor of another backend (a torch-saved state
    dict on numpy, say) is converted.  Lists, tuples and dicts (LBFGS's history) are copied
    entry by entry, as torch casts them; other values are kept as they are."""
    if type(value) in (list, tuple):
        return type(value)(_state_value(param, "", v) for v in value)
    if type(value) is dict:
        return {k: _state_value(param, k, v) for k, v in value.items()}
    if not _is_tensor(value):
        return value
    backend = backend_of(param)
    dtype = backend.float32 if key == "step" else param.dtype
    if isinstance(value, backend.Tensor):
        value = value.detach()
        return (value if value.dtype == dtype else value.to(dtype)).clone()
    try:
        host = backend_of(value).to_numpy(value)
    except TypeError:  # a tensor of a backend that is not loaded: its own conversion
        host = value.detach().cpu().numpy() if hasattr(value, "cpu") else value.numpy()
    return backend.tensor(host, dtype=dtype)


def non_negative(name: str, value: float) -> None:
    """Raise ``ValueError`` unless ``value`` is a number >= 0 (NaN refused)."""
    if not value >= 0.0:  # also refuses NaN
        raise ValueError(f"Invalid {_WORDS.get(name, name + ' value')}: {value}")


#: how PyTorch's refusals name each option ("Invalid learning rate: -1")
_WORDS = {"lr": "learning rate", "eps": "epsilon value", "momentum": "momentum value",
          "weight_decay": "weight_decay value"}


"""`Module`: the base class of models and layers (``torch.nn.Module``'s bookkeeping).

A module reached through a backend (``torch.nn.Linear`` of ``torch = gradspec.load_backend(
"strict")``, or a model class written as ``class Net(torch.nn.Module)``) creates its parameters
on that backend; one used from ``gradspec.nn`` directly creates them on the default backend
(`gradspec.load_backend()`): see `Module._parameter_backend`.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from ...errors import BackendMismatchError
from ...plugins import _by_tensor_type, backend_of, load_backend
from ...surface import constructing_backend
from ..parameter import (Parameter, _is_tensor, clear_grads, forget_uninitialized,
                         is_parameter, is_uninitialized, made_by_buffer, made_by_parameter)
from .backward_hooks import call_with_backward_hooks

__all__ = ["Module", "RemovableHandle", "register_module_forward_hook",
           "register_module_forward_pre_hook"]


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


class RemovableHandle:
    """Returned by ``register_forward_hook`` and friends: ``remove()`` unregisters the hook
    (also usable as a context manager)."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.id = next(RemovableHandle._ids)
        self._hooks = hooks

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Module:
    """Base class of models and layers: subclasses set attributes in ``__init__`` and define
    ``forward``; calling the module calls ``forward`` (and the module's hooks).

    Tensors assigned as attributes register themselves: a leaf that requires grad (what
    `gradspec.nn.Parameter` returns) as a parameter, a tensor given to `register_buffer` as a
    buffer, a `Module` as a submodule.
    """

    #: the backend this class was reached through (set on the classes of ``backend.nn``)
    _bound_backend: Any = None
    training: bool

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_hook_kwargs", set())  # ids of hooks registered with_kwargs=True
        setattr_(self, "training", True)

    # -- where parameters live ---------------------------------------------------------------
    def _parameter_backend(self, backend: Any = None) -> Any:
        """The backend this layer creates its parameters and buffers on: ``backend`` when given
        (a layer's ``backend=`` argument: a backend object or a name), else the backend the
        class was reached through (``torch.nn.Linear``), else the backend of the bound module
        being built around it (a layer that a layer or a ``class Net(torch.nn.Module)`` creates
        from ``gradspec.nn`` directly), else the default backend (`gradspec.load_backend()`).

        Every layer that creates tensors asks here (or, without an instance, `class_backend`),
        so that one rule decides where parameters live."""
        return class_backend(type(self), backend)

    # -- attribute registration -------------------------------------------------------------------
    def _registries(self) -> tuple[dict, dict, dict]:
        try:
            state = self.__dict__
            return state["_parameters"], state["_buffers"], state["_modules"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before assigning "
                "attributes"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(getattr(type(self), name, None), property) and not made_by_parameter(value):
            object.__setattr__(self, name, value)  # the class's setter (a parametrized tensor)
            return
        persistent = made_by_buffer(value) if _is_tensor(value) else None
        if persistent is not None:  # nn.Buffer(t): a buffer, whatever the name held before
            self.__dict__.get("_parameters", {}).pop(name, None)
            self.__dict__.get("_modules", {}).pop(name, None)
            self.__dict__.pop(name, None)
            self.register_buffer(name, value, persistent)
            return
        params, buffers, modules = self._registries()
        if isinstance(value, Module):
            kind = modules
        elif name in modules and value is not None:  # as PyTorch: a child is replaced by a child
            raise TypeError(f"cannot assign '{_typename(value)}' as child module {name!r} "
                            "(torch.nn.Module or None expected)")
        elif _is_tensor(value) and name in params:
            if value.is_leaf and not is_parameter(value):
                # as PyTorch: a parameter is replaced by a parameter (or None), so that a
                # plain tensor does not end up silently frozen in the model
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter {name!r} "
                                "(torch.nn.Parameter or None expected)")
            kind = params
        elif _is_tensor(value) and name in buffers:
            kind = buffers
        elif _is_tensor(value) and value.is_leaf and is_parameter(value):
            kind = params
        elif value is None and (name in params or name in buffers or name in modules):
            kind = params if name in params else buffers if name in buffers else modules
        else:
            kind = None
        if kind is params and value is not None and not value.is_leaf:
            raise ValueError(
                f"cannot assign a non-leaf tensor (computed by {value.grad_fn.name()}) to the "
                f"parameter {name!r}; assign a leaf, e.g. nn.Parameter(t.detach())"
            )
        for registry in (params, buffers, modules):
            if registry is not kind:
                registry.pop(name, None)
        if kind is None:
            object.__setattr__(self, name, value)
            return
        kind[name] = value  # keeps the position of a name already registered
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: registered members live in the registries.
        state = self.__dict__
        for registry in _REGISTRIES:
            members = state.get(registry)
            if members is not None and name in members:
                cls = type(self)
                if cls.__getattr__ is _module_getattr and not any(
                        name in vars(k) for k in cls.__mro__):
                    setattr(cls, name, _Registered(name))  # the next read skips this detour
                return members[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for registry in self._registries():
            names |= set(registry)
        return sorted(names)

    def register_parameter(self, name: str, param: Any) -> None:
        """Register ``param`` (a leaf tensor, or None for "no such parameter") under ``name``."""
        params, buffers, modules = self._registries()
        _check_name(self, name, "parameter")
        if param is not None:
            if not _is_tensor(param):
                raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                                f"{name!r} (a tensor or None expected)")
            if not param.is_leaf:
                raise ValueError(
                    f"parameter {name!r} must be a leaf tensor; it was computed by "
                    f"{param.grad_fn.name()}. Wrap a leaf instead: nn.Parameter(t.detach())"
                )
            if not is_parameter(param):
                raise TypeError(f"cannot assign '{_typename(param)}' object to parameter "
                                f"{name!r} (torch.nn.Parameter or None required)")
        for registry in (buffers, modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)
        params[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (a running mean, a mask).  A
        persistent buffer is part of `state_dict`; ``persistent=False`` keeps it out."""
        params, buffers, modules = self._registries()
        _check_name(self, name, "buffer")
        if tensor is not None and not _is_tensor(tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer {name!r} "
                            "(a tensor or None required)")
        for registry in (params, modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)
        buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as a submodule called ``name`` (None for "no such module")."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        params, buffers, modules = self._registries()
        params.pop(name, None)
        buffers.pop(name, None)
        self.__dict__.pop(name, None)
        modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at the dotted path ``target`` (``""`` is this module)."""
        module: Module = self
        if not target:
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = child
        return module

    def get_parameter(self, target: str) -> Any:
        """The parameter at the dotted path ``target`` (``"0.weight"``)."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{module._get_name()} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Any:
        """The buffer at the dotted path ``target``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._buffers:
            raise AttributeError(f"{module._get_name()} has no buffer `{name}`")
        return module._buffers[name]

    # -- the forward pass ----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it (call the module, not ``forward``)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        if state.get("_forward_pre_hooks") or state.get("_forward_hooks") or state.get(
                "_backward_hooks") or state.get("_backward_pre_hooks") or _GLOBAL_HOOKS:
            return self._call_with_hooks(args, kwargs)
        if args and state.get("_parameters"):
            self._check_backend(args)
        return self.forward(*args, **kwargs)

    def _check_backend(self, args: tuple) -> None:
        """One clear error when inputs are tensors of another backend than the parameters."""
        for param in self._parameters.values():
            if param is not None:
                break
        else:
            return
        kind = type(param)
        for arg in args:
            other = type(arg)
            if other is kind:
                continue
            theirs = _by_tensor_type.get(other)
            if theirs is not None and theirs is not backend_of(param):
                ours = backend_of(param)
                raise BackendMismatchError(
                    f"{self._get_name()} has its parameters on backend {ours.name!r} but was "
                    f"given a tensor of backend {theirs.name!r}; build the model with the "
                    f"backend of its inputs (torch.nn.{self._get_name()} of torch = "
                    f"gradspec.load_backend({theirs.name!r})), or convert the inputs: "
                    f"torch.tensor(x.tolist())")

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        with_kwargs = self._hook_kwargs
        for hook in list(_global_forward_pre_hooks.values()):  # every module's, first
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if args and self._parameters:
            self._check_backend(args)
        if self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks"):
            return call_with_backward_hooks(
                self, args, lambda args: self._forward_and_hooks(args, kwargs))
        return self._forward_and_hooks(args, kwargs)

    def _forward_and_hooks(self, args: tuple, kwargs: dict) -> Any:
        with_kwargs = self._hook_kwargs
        output = self.forward(*args, **kwargs)
        hooks = list(self._forward_hooks.items())
        if _global_forward_hooks:
            hooks = list(_global_forward_hooks.items()) + hooks
        for hook_id, hook in hooks:
            if hook_id in with_kwargs or hook_id in _global_hook_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; a non-None result replaces the
        positional arguments (a single value is wrapped in a tuple).  With ``with_kwargs``:
        ``hook(module, args, kwargs)`` returning None or ``(args, kwargs)``."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; a non-None result
        replaces the output.  With ``with_kwargs``: ``hook(module, args, kwargs, output)``."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to the
        module's inputs are computed (``grad_input`` holds one entry per tensor input, None
        where no gradient flows; ``grad_output`` one per output); a non-None result replaces
        ``grad_input``.  The hook must not modify its arguments in place."""
        return self._add_hook(self._backward_registry("_backward_hooks"), hook, prepend, False)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated form: here the same as `register_full_backward_hook` (whose
        ``grad_input`` are the module's inputs' gradients, which the old form only
        approximated)."""
        return self.register_full_backward_hook(hook)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are computed, before the module's own backward; a non-None result replaces
        ``grad_output``."""
        return self._add_hook(self._backward_registry("_backward_pre_hooks"), hook, prepend,
                              False)

    def _backward_registry(self, name: str) -> dict:
        """The module's dict of backward hooks of a kind (made on first use)."""
        state = self.__dict__
        for key in ("_backward_hooks", "_backward_pre_hooks"):
            if key not in state:
                object.__setattr__(self, key, {})
        return state[name]

    def _add_hook(self, hooks: dict, hook: Callable[..., Any], prepend: bool,
                  with_kwargs: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        if prepend:
            rest = dict(hooks)
            hooks.clear()
            hooks[handle.id] = hook
            hooks.update(rest)
        else:
            hooks[handle.id] = hook
        if with_kwargs:
            self._hook_kwargs.add(handle.id)
        return handle

    # -- traversal ------------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """This module and every submodule (depth first, in registration order), each once
        unless ``remove_duplicate=False``, with dotted names."""
        seen: set[int] = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                if child is not None:
                    stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator["Module"]:
        """This module and every submodule, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The direct submodules with their names."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        """The direct submodules."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else iter([(prefix, self)]))
        for module_name, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        """``(dotted name, parameter)`` pairs, each parameter once, in registration order."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Any]:
        """Every parameter, each once (what an optimizer takes)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        """``(dotted name, buffer)`` pairs, each buffer once."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        """Every buffer, each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first) and then on this module; returns
        self.  The usual use: initialising weights."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- training state -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, as torch >= 2.0) or to zeros."""
        clear_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Switch gradient tracking of every parameter on or off (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and all submodules; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    # -- dtypes and devices ----------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Cast floating parameters and buffers to a dtype and/or move everything to a device,
        in place (parameters stay the same objects, so an optimizer made earlier still holds
        them); returns self.  ``to(torch.float64)``, ``to("cpu")``, ``to(device, dtype)``,
        ``to(tensor)`` (its dtype and device), keywords too."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if _is_tensor(arg):
                dtype, device = arg.dtype, arg.device
            elif arg is None or isinstance(arg, (str, int)) or hasattr(arg, "index"):
                device = arg  # a device name, index or device object
            else:
                dtype = arg
        if dtype is not None and not getattr(dtype, "is_floating_point", True):
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                            f"desired dtype={dtype}")

        def convert(t: Any) -> Any:
            target = dtype if dtype is not None and t.is_floating_point() else None
            if device is None:
                return t.to(target) if target is not None else t
            return t.to(device, target) if target is not None else t.to(device)

        return self._apply(convert)

    def _apply(self, fn: Callable[[Any], Any]) -> "Module":
        """Replace every parameter's data (and gradient) and every buffer by ``fn`` of it."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is None:
                    continue
                alias = p.detach()
                new = fn(alias)
                if new is not alias:  # converted: the parameter object keeps its identity
                    grad = p.grad
                    p.data = new
                    if grad is not None:
                        p.grad = fn(grad)
            for name, buf in module._buffers.items():
                if buf is not None:
                    module._buffers[name] = fn(buf)
        return self

    def float(self) -> "Module":
        """Floating parameters and buffers to float32."""
        return self.to(self._parameter_dtype("float32"))

    def double(self) -> "Module":
        """Floating parameters and buffers to float64."""
        return self.to(self._parameter_dtype("float64"))

    def half(self) -> "Module":
        """Floating parameters and buffers to float16."""
        return self.to(self._parameter_dtype("float16"))

    def type(self, dst_type: Any) -> "Module":
        """Cast every parameter and buffer to ``dst_type``."""
        return self._apply(lambda t: t.to(dst_type))

    def share_memory(self) -> "Module":
        """Returns the module: PyTorch moves its tensors into shared memory for worker
        processes; gradspec's data-parallel workers (Dask) receive copies, so nothing moves."""
        return self

    def cpu(self) -> "Module":
        """Every parameter and buffer's ``cpu()``: on the CPU (a backend that keeps its tensors
        on a GPU, such as cupy, keeps them there)."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device: Any = None) -> "Module":
        """Move everything to a CUDA device (fails clearly on a backend without one)."""
        return self.to(device if device is not None else "cuda")

    def _parameter_dtype(self, name: str) -> Any:
        for t in itertools.chain(self.parameters(), self.buffers()):
            return getattr(backend_of(t), name)
        return getattr(self._parameter_backend(), name)

    # -- saving and loading ---------------------------------------------------------------------
    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Any]":
        """Parameters and persistent buffers by dotted name, in an ``OrderedDict``; detached
        (sharing data with the module) unless ``keep_vars``."""
        if args:  # torch's old positional form: state_dict(destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        out = OrderedDict() if destination is None else destination
        # every path to a shared module is a key, as in torch
        for module_name, module in self.named_modules(prefix=prefix.rstrip("."),
                                                      remove_duplicate=False):
            for registry in (module._parameters, module._buffers):
                for name, value in registry.items():
                    if value is None or (registry is module._buffers
                                         and name in module._non_persistent_buffers_set):
                        continue
                    key = f"{module_name}.{name}" if module_name else name
                    out[key] = value if keep_vars else value.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place, without recording).

        Values may be tensors of any loaded backend, numpy arrays or nested lists; each is
        converted to the target's backend and dtype.  With ``strict``, missing or unexpected
        keys raise a ``RuntimeError`` that lists them; a shape mismatch always raises; a bad
        entry changes nothing.  With ``assign``, parameters become the given tensors (their
        ``requires_grad`` kept from the module's) instead of receiving copies.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        state_dict = _with_defaults(self, state_dict, own)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []  # in PyTorch's order: missing keys, unexpected keys, sizes
        if strict and missing:
            problems.append("Missing key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in missing) + ". ")
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        staged = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _as_backend_tensor(state_dict[key], target)
            if target.dim() == 0 and tuple(value.shape) == (1,):
                value = value.reshape(())  # a scalar saved as a 1-vector (PyTorch accepts it)
            if is_uninitialized(target):  # a lazy layer's: it takes the checkpoint's shape
                staged.append((key, target, value))
                continue
            if tuple(value.shape) != tuple(target.shape):
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}.")
                continue
            staged.append((key, target, value))
        if problems:
            hint = "\n(Nothing was loaded. Pass strict=False to load the keys that match.)" \
                if strict and (missing or unexpected) else "\n(Nothing was loaded.)"
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                               + "\n\t".join(problems) + hint)
        for key, target, value in staged:
            if is_uninitialized(target):
                with backend_of(target).no_grad():
                    target.data = value.detach().clone()
                forget_uninitialized(target)
            elif assign:
                self._assign(key, target, value)
            else:
                with backend_of(target).no_grad():
                    target.copy_(value)
        return _IncompatibleKeys(missing, unexpected)

    def _assign(self, key: str, target: Any, value: Any) -> None:
        path, _, name = key.rpartition(".")
        module = self.get_submodule(path)
        if name in module._parameters:  # still a Parameter (it prints as one), as PyTorch's
            module._parameters[name] = Parameter(value, requires_grad=target.requires_grad)
        else:
            module._buffers[name] = value.detach()

    # -- printing ---------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module's own settings, printed inside its ``repr`` (subclasses override)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            children.append(f"({name}): {body}")
        lines += children
        head = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not children:
                head += lines[0]
            else:
                head += "\n  " + "\n  ".join(lines) + "\n"
        return head + ")"


def class_backend(cls: Any, backend: Any = None) -> Any:
    """`Module._parameter_backend`'s rule for a class (also for classes that are not modules
    but are bound the same way, e.g. ``torch.distributions.Normal``): ``backend`` (an object or
    a name), else the backend ``cls`` was reached through, else the one a bound module being
    built around it uses, else the default backend."""
    if backend is None:
        backend = getattr(cls, "_bound_backend", None)
    if backend is None:
        backend = constructing_backend()
    if backend is None or isinstance(backend, str):
        return load_backend(backend)
    return backend


_REGISTRIES = ("_parameters", "_buffers", "_modules")

# Hooks of every module (torch.nn.modules.module.register_module_forward_hook): they run before
# each module's own.  _GLOBAL_HOOKS holds the registries that are not empty, so a call without
# any global hook tests one list.
_global_forward_pre_hooks: dict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks: dict[int, Callable[..., Any]] = OrderedDict()
_global_hook_kwargs: set[int] = set()
_GLOBAL_HOOKS: list[dict] = []


class _GlobalHandle(RemovableHandle):
    """The handle of a global hook: removing the last one puts modules back on the fast path."""

    def remove(self) -> None:
        """Unregister the hook."""
        super().remove()
        _GLOBAL_HOOKS[:] = [h for h in (_global_forward_pre_hooks, _global_forward_hooks) if h]


def _add_global(hooks: dict, hook: Callable[..., Any], with_kwargs: bool = False
                ) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = _GlobalHandle(hooks)
    hooks[handle.id] = hook
    if with_kwargs:
        _global_hook_kwargs.add(handle.id)
    _GLOBAL_HOOKS[:] = [h for h in (_global_forward_pre_hooks, _global_forward_hooks) if h]
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, args)`` before the ``forward`` of every module (before the module's
    own pre-hooks); a non-None result replaces the positional arguments.  Meant for debugging
    and profiling, as in PyTorch."""
    return _add_global(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after the ``forward`` of every module (before the
    module's own hooks); a non-None result replaces the output.  With ``with_kwargs``:
    ``hook(module, args, kwargs, output)``."""
    return _add_global(_global_forward_hooks, hook, with_kwargs)
_module_getattr = Module.__getattr__


class _Registered:
    """What ``Module.__getattr__`` puts on a module class for a registered name it answered
    (``weight`` of a ``Linear``): a read of ``layer.weight`` then finds the member in the
    registries directly.  Without it, each read first fails the ordinary lookup, which formats
    an ``AttributeError`` and calls ``__getattr__`` (three times the cost).

    It is a non-data descriptor, so everything the ordinary lookup found before still wins (an
    instance attribute, the same name on a class earlier in the MRO); a name that is not (or no
    longer) registered raises ``AttributeError``, after which Python calls the module's
    ``__getattr__`` as before, which gives its message.  On the class itself it is absent."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, module: Any, cls: Any = None) -> Any:
        if module is None:
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {self.name!r}")
        if type(module).__getattr__ is _module_getattr:  # else a subclass's own __getattr__
            state = module.__dict__
            name = self.name
            for registry in _REGISTRIES:
                members = state.get(registry)
                if members is not None and name in members:
                    return members[name]
        raise AttributeError(self.name)


def _with_defaults(model: Module, state_dict: Mapping[str, Any], own: Mapping[str, Any]
                   ) -> Mapping[str, Any]:
    """``state_dict`` with the entries a checkpoint of an older layout may lack and a module
    can do without (``_state_defaults``: a BatchNorm's ``num_batches_tracked``, which
    checkpoints saved before PyTorch counted batches lack, keeps its value)."""
    added: dict[str, Any] = {}
    for prefix, module in model.named_modules():
        for name, make in getattr(type(module), "_state_defaults", {}).items():
            key = f"{prefix}.{name}" if prefix else name
            if key in own and key not in state_dict:
                added[key] = make(own[key])
    return {**state_dict, **added} if added else state_dict


def _check_name(module: Module, name: str, what: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{what} name can\'t be empty string "" or contain "."; got {name!r}')
    # as PyTorch: a name the module already has (a method, an attribute, a member of another
    # kind) is not taken over; re-registering a member of the same kind replaces it
    own = module.__dict__.get({"parameter": "_parameters", "buffer": "_buffers",
                               "module": "_modules"}[what], {})
    if name not in own and hasattr(module, name):
        raise KeyError(f"attribute '{name}' already exists")


def _typename(t: Any) -> str:
    """PyTorch's name of a tensor's type (``torch.FloatTensor``), as its messages show it."""
    try:
        return t.type()
    except (AttributeError, TypeError):
        return type(t).__name__


def _as_backend_tensor(value: Any, like: Any) -> Any:
    """``value`` as a tensor of ``like``'s backend and dtype."""
    backend = backend_of(like)
    if isinstance(value, backend.Tensor):
        return value.detach() if value.dtype == like.dtype else value.detach().to(like.dtype)
    if _is_tensor(value):  # a tensor of another backend: through the host
        value = backend_of(value).to_numpy(value)
    return backend.tensor(value, dtype=like.dtype)

"""Recurrent layers, as ``torch.nn``: `RNN` (tanh or relu), `LSTM` and `GRU`, with
``num_layers``, ``bias``, ``batch_first``, ``dropout`` between layers and ``bidirectional``;
the input a padded tensor or a `PackedSequence` (``torch.nn.utils.rnn``), whose sequences each
run to their own length.

Written with protocol ops only (``linear``, ``sigmoid``, ``tanh``, slicing, ``stack``,
``cat``), one time step at a time, so every backend runs them and autograd sees an ordinary
graph.  Parameters have torch's names, shapes and gate order (``weight_ih_l0``,
``weight_hh_l0_reverse``...; LSTM gates input/forget/cell/output, GRU reset/update/new), so a
torch ``state_dict`` loads and gives torch's outputs.
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _select
from .module import Module

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """What `RNN`, `LSTM` and `GRU` share: parameters per layer and direction, the loop over
    layers, directions and time steps, and torch's input and state shapes."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        for label, n in (("input_size", input_size), ("hidden_size", hidden_size),
                         ("num_layers", num_layers)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{type(self).__name__}: {label} must be a positive integer, "
                                 f"got {n!r}")
        if not 0 <= float(dropout) <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        backend = self._parameter_backend(backend)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        state_size = proj_size or hidden_size  # what h holds: the projection, if any
        where = {} if device is None else {"device": device}
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else state_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, state_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix,
                            Parameter(backend.zeros(*shape, dtype=dtype, **where)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as
        torch initialises them."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    # -- the forward pass ---------------------------------------------------------------------
    def forward(self, input: Any, hx: Any = None) -> Any:
        """``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) for ``input`` of shape (L, N,
        input_size), (N, L, input_size) with ``batch_first``, or (L, input_size) unbatched.
        ``hx`` (LSTM: ``(h_0, c_0)``) is (num_layers * directions, N, hidden_size), zeros when
        omitted.  A `PackedSequence` input gives a `PackedSequence` output, and ``h_n`` holds
        each sequence's state at its own last step (``hx`` and ``h_n`` in the batch's original
        order)."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        directions = 2 if self.bidirectional else 1
        h0, c0 = self._initial_state(input, hx, batch, directions, batched, lstm)
        layer_input = input
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                h, c = h0[k], (c0[k] if lstm else None)
                order = range(steps - 1, -1, -1) if direction else range(steps)
                seq: list[Any] = [None] * steps
                weights = self._weights(suffix)
                for t in order:
                    h, c = self._cell(layer_input[t], h, c, *weights)
                    seq[t] = h
                outputs.append(seq)
                h_n.append(h)
                if lstm:
                    c_n.append(c)
            backend = _backend_of(input)
            if directions == 1:
                layer_output = backend.stack(outputs[0])
            else:
                # both directions' sequences side by side (CatBackward0, as PyTorch's)
                layer_output = backend.cat([backend.stack(outputs[0]),
                                            backend.stack(outputs[1])], -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        backend = _backend_of(input)
        output, h_n = layer_input, backend.stack(h_n)
        c_out = backend.stack(c_n) if lstm else None
        if not batched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_out = c_out.squeeze(1) if lstm else None
        elif self.batch_first:
            # (PyTorch's GRU and RNN swap in place: their output's grad_fn is TransposeBackward1)
            output = output.transpose(0, 1) if lstm else output.transpose_(0, 1)
        return (output, (h_n, c_out)) if lstm else (output, h_n)

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> Any:
        """`forward` on a packed batch: at step ``t`` only the first ``batch_sizes[t]`` rows
        (the sequences still running, longest first) go through the cell; the others keep
        their state.  Run backwards, a sequence starts from its initial state at its own last
        step."""
        lstm = self.mode == "LSTM"
        data = packed.data
        if data.dim() != 2:
            raise ValueError(f"{type(self).__name__}: a packed input's data must be 2-D (steps "
                             f"of all sequences, input_size), got {data.dim()}D")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {data.shape[-1]}")
        sizes = [int(b) for b in packed.batch_sizes.tolist()]
        batch, directions = sizes[0], 2 if self.bidirectional else 1
        starts = [sum(sizes[:t]) for t in range(len(sizes))]
        if hx is not None and packed.sorted_indices is not None:  # into the packed order
            order = packed.sorted_indices
            hx = (tuple(_select(s, 1, order) for s in hx) if lstm else _select(hx, 1, order))
        h0, c0 = self._initial_state(data, hx, batch, directions, True, lstm)
        backend = _backend_of(data)
        layer_input = data
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                h, c = h0[k], (c0[k] if lstm else None)
                weights = self._weights(f"_l{layer}" + ("_reverse" if direction else ""))
                seq: list[Any] = [None] * len(sizes)
                order = range(len(sizes) - 1, -1, -1) if direction else range(len(sizes))
                for t in order:
                    b = sizes[t]
                    x = layer_input[starts[t]:starts[t] + b]
                    if b == batch:
                        h, c = self._cell(x, h, c, *weights)
                        seq[t] = h
                        continue
                    new_h, new_c = self._cell(x, h[:b], c[:b] if lstm else None, *weights)
                    seq[t] = new_h
                    h = backend.cat([new_h, h[b:]], 0)
                    if lstm:
                        c = backend.cat([new_c, c[b:]], 0)
                outputs.append(seq)
                h_n.append(h)
                if lstm:
                    c_n.append(c)
            steps = (outputs[0] if directions == 1
                     else [backend.cat([f, r], -1) for f, r in zip(*outputs)])
            layer_output = backend.cat(steps, 0)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        h_out = backend.stack(h_n)
        c_out = backend.stack(c_n) if lstm else None
        if packed.unsorted_indices is not None:  # back to the batch's original order
            h_out = _select(h_out, 1, packed.unsorted_indices)
            c_out = _select(c_out, 1, packed.unsorted_indices) if lstm else None
        output = PackedSequence(layer_input, packed.batch_sizes, packed.sorted_indices,
                                packed.unsorted_indices)
        return (output, (h_out, c_out)) if lstm else (output, h_out)

    def _initial_state(self, input: Any, hx: Any, batch: int, directions: int, batched: bool,
                       lstm: bool) -> tuple[Any, Any]:
        cell_shape = (self.num_layers * directions, batch, self.hidden_size)
        shape = (self.num_layers * directions, batch, self.proj_size or self.hidden_size)
        if hx is None:
            backend = _backend_of(input)
            zeros = backend.zeros(*shape, dtype=input.dtype)
            cells = zeros if shape == cell_shape else backend.zeros(*cell_shape,
                                                                  dtype=input.dtype)
            return zeros, (cells if lstm else None)
        states = tuple(hx) if lstm else (hx,)
        if lstm and len(states) != 2:
            raise ValueError("LSTM: hx must be a tuple (h_0, c_0)")
        out = []
        for s, expected in zip(states, (shape, cell_shape)):
            if not batched:
                s = s.unsqueeze(1)
            if tuple(s.shape) != expected:
                raise RuntimeError(f"Expected hidden size {expected}, got {tuple(s.shape)}")
            out.append(s)
        return out[0], (out[1] if lstm else None)

    def _weights(self, suffix: str) -> tuple[Any, Any, Any, Any, Any]:
        def get(name: str) -> Any:
            return getattr(self, name)

        w_hr = get("weight_hr" + suffix) if self.proj_size else None
        if self.bias:
            return (get("weight_ih" + suffix), get("weight_hh" + suffix),
                    get("bias_ih" + suffix), get("bias_hh" + suffix), w_hr)
        return get("weight_ih" + suffix), get("weight_hh" + suffix), None, None, w_hr

    def _cell(self, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any,
              w_hr: Any = None) -> tuple[Any, Any]:
        """One time step: the new hidden state (and LSTM cell state); with ``proj_size`` the
        hidden state is projected by ``weight_hr``."""
        h, c = _step(self.mode, self.hidden_size, x, h, c, w_ih, w_hh, b_ih, b_hh)
        return (h if w_hr is None else F.linear(h, w_hr)), c

    def flatten_parameters(self) -> None:
        """PyTorch compacts the weights into one buffer for cuDNN; here there is nothing to
        compact (a no-op, so scripts that call it run)."""

    @property
    def _flat_weights_names(self) -> list[str]:
        names = []
        for layer in range(self.num_layers):
            for direction in range(2 if self.bidirectional else 1):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias
                                                      else [])
                if self.proj_size:
                    kinds.append("weight_hr")
                names += [k + suffix for k in kinds]
        return names

    @property
    def all_weights(self) -> list[list[Any]]:
        """The parameters per layer and direction, in torch's order (``weight_ih``,
        ``weight_hh``, ``bias_ih``, ``bias_hh``, ``weight_hr``)."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional
                                                                   else 1))
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def extra_repr(self) -> str:
        """The sizes and the options that differ from the defaults, as torch prints them."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


def _step(mode: str, H: int, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any,
          b_hh: Any) -> tuple[Any, Any]:
    """One time step of a layer or a cell of kind ``mode`` with ``H`` hidden units: the new
    hidden state (and LSTM cell state), torch's gate order."""
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        gates = gi + gh
        i = F.sigmoid(gates[..., 0:H])
        f = F.sigmoid(gates[..., H:2 * H])
        g = F.tanh(gates[..., 2 * H:3 * H])
        o = F.sigmoid(gates[..., 3 * H:4 * H])
        c = f * c + i * g
        return o * F.tanh(c), c
    if mode == "GRU":
        r = F.sigmoid(gi[..., 0:H] + gh[..., 0:H])
        z = F.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
        n = F.tanh(gi[..., 2 * H:3 * H] + r * gh[..., 2 * H:3 * H])
        return (1 - z) * n + z * h, None
    pre = gi + gh
    return (F.tanh(pre) if mode == "RNN_TANH" else F.relu(pre)), None


def _backend_of(t: Any) -> Any:
    from ...plugins import backend_of

    return backend_of(t)



class RNN(RNNBase):
    """An Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (``nonlinearity=
    'relu'``: relu), stacked ``num_layers`` deep, optionally in both directions."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype,
                         backend=backend)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: input, forget, cell and output gates; returns ``(output,
    (h_n, c_n))``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype, backend=backend)


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates, ``h_t = (1 - z) * n + z * h_{t-1}``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, backend=backend)


class RNNCellBase(Module):
    """What `RNNCell`, `LSTMCell` and `GRUCell` share: one time step's weights (torch's names
    and shapes: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), drawn as torch draws
    them, and the input and state checks."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        for label, n in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{type(self).__name__}: {label} must be a positive integer, "
                                 f"got {n!r}")
        b = self._parameter_backend(backend)
        self.mode = mode
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        where = {} if device is None else {"device": device}
        gates = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(b.zeros(gates, input_size, dtype=dtype, **where))
        self.weight_hh = Parameter(b.zeros(gates, hidden_size, dtype=dtype, **where))
        if bias:
            self.bias_ih = Parameter(b.zeros(gates, dtype=dtype, **where))
            self.bias_hh = Parameter(b.zeros(gates, dtype=dtype, **where))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as
        torch initialises them."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _step(self, input: Any, hx: Any, lstm: bool) -> Any:
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        if hx is None:
            zeros = _backend_of(input).zeros(*shape, dtype=input.dtype)
            states = (zeros, zeros) if lstm else (zeros,)
        else:
            states = tuple(hx) if lstm else (hx,)
            if lstm and len(states) != 2:
                raise ValueError("LSTMCell: hx must be a tuple (h_0, c_0)")
            states = tuple(s if batched else s.unsqueeze(0) for s in states)
            for s in states:
                if tuple(s.shape) != shape:
                    want = shape if batched else shape[1:]
                    got = tuple(s.shape) if batched else tuple(s.shape[1:])
                    raise RuntimeError(f"{name}: Expected hidden size {want}, got {got}")
        h, c = _step(self.mode, self.hidden_size, x, states[0],
                     states[1] if lstm else None, self.weight_ih, self.weight_hh,
                     self.bias_ih, self.bias_hh)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if lstm else None
        return (h, c) if lstm else h

    def extra_repr(self) -> str:
        """The sizes and the options that differ from the defaults, as torch prints them."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (``relu``
    with ``nonlinearity='relu'``); ``h`` zeros when omitted."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, bias, device,
                         dtype, backend=backend)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Any:
        """The next hidden state for ``input`` (N, input_size) or (input_size,)."""
        return self._step(input, hx, False)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c')`` from ``input`` and ``(h, c)`` (zeros when omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype, backend=backend)

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """``(h', c')`` for ``input`` (N, input_size) or (input_size,)."""
        return self._step(input, hx, True)


class GRUCell(RNNCellBase):
    """One GRU step: the next hidden state from ``input`` and ``h`` (zeros when omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype, backend=backend)

    def forward(self, input: Any, hx: Any = None) -> Any:
        """The next hidden state for ``input`` (N, input_size) or (input_size,)."""
        return self._step(input, hx, False)

"""torch.ao.nn.quantized.dynamic.modules.rnn: LSTM with int8 weights, gates from dynamically quantized linears.

As ATen's quantized LSTM on CPU: per layer and direction, the input projection of the whole sequence is one dynamic
linear (qparams from the whole input), the hidden projection one dynamic linear per step (qparams from h_t)."""

from __future__ import annotations

import torchax
from torchax import nn
from torchax._tensor import wrap
from torchax.ao import _qtensor as qt
from torchax.ao.nn.quantized import _kernels
from torchax.ao.nn.quantized.modules.utils import _quantize_weight

__all__ = ["LSTM"]


def _dyn(x, w, b):
    return wrap(_kernels.dynamic_linear(x._value, w._int, w._scale, w._zero_point,
                                        None if b is None else b._value, reduce_range=True))


class LSTM(nn.Module):
    """torch.ao.nn.quantized.dynamic.LSTM (no proj_size, no PackedSequence)."""

    _FLOAT_MODULE = nn.LSTM

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=qt.qint8):
        super().__init__()
        self.mode, self.input_size, self.hidden_size = "LSTM", input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.dtype = float(dropout), bidirectional, dtype
        self.version, self.training = 2, False
        self._cells = []  # per layer, per direction: (w_ih, w_hh, b_ih, b_hh)

    def _get_name(self) -> str:
        return "DynamicQuantizedLSTM"

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def _layer(self, xs, h, c, cell, reverse: bool):
        """One direction of one layer over (T, N, F) inputs; returns (outputs (T, N, H), h, c)."""
        w_ih, w_hh, b_ih, b_hh = cell
        gates_x = _dyn(xs, w_ih, b_ih)
        steps = range(xs.size(0) - 1, -1, -1) if reverse else range(xs.size(0))
        outs = [None] * xs.size(0)
        for t in steps:
            i, f, g, o = (gates_x[t] + _dyn(h, w_hh, b_hh)).chunk(4, 1)
            c = torchax.sigmoid(f) * c + torchax.sigmoid(i) * torchax.tanh(g)
            h = torchax.sigmoid(o) * torchax.tanh(c)
            outs[t] = h
        return torchax.stack(outs), h, c

    def forward(self, input, hx=None):
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1 if not self.batch_first else 0)
        if self.batch_first:
            x = x.transpose(0, 1)
        dirs = 2 if self.bidirectional else 1
        if hx is None:
            zeros = torchax.zeros(self.num_layers * dirs, x.size(1), self.hidden_size, dtype=x.dtype)
            hx = (zeros, zeros)
        elif not batched:
            hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                out, h, c = self._layer(x, hx[0][k], hx[1][k], self._cells[k], reverse=d == 1)
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = torchax.cat(outs, 2) if dirs == 2 else outs[0]
        out, h, c = x, torchax.stack(hs), torchax.stack(cs)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out, h, c = out.squeeze(1 if not self.batch_first else 0), h.squeeze(1), c.squeeze(1)
        return out, (h, c)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """The dynamic quantized LSTM of a float nn.LSTM with a qconfig (each weight quantized per tensor)."""
        if type(mod) is not nn.LSTM:
            raise AssertionError("nn.quantized.dynamic.LSTM.from_float only works for nn.LSTM")
        if getattr(mod, "proj_size", 0):
            raise NotImplementedError("torchax's dynamic quantized LSTM does not support proj_size")
        observer = mod.qconfig.weight
        q = cls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first, mod.dropout,
                mod.bidirectional)
        for layer in range(mod.num_layers):
            for suffix in ("", "_reverse")[:2 if mod.bidirectional else 1]:
                ws = []
                for kind in ("ih", "hh"):
                    w = getattr(mod, f"weight_{kind}_l{layer}{suffix}")
                    obs = observer()
                    if obs.dtype != qt.qint8:
                        raise AssertionError("Unsupported dtype for dynamic quantized LSTM")
                    obs(w)
                    ws.append(_quantize_weight(w.float(), obs))
                b = [getattr(mod, f"bias_{kind}_l{layer}{suffix}").detach() if mod.bias else None
                     for kind in ("ih", "hh")]
                q._cells.append((ws[0], ws[1], b[0], b[1]))
        return q

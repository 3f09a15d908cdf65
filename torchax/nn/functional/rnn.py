"""Recurrent kernels: torch.lstm / gru / rnn_tanh / rnn_relu and their *_cell functions (torch's _VF API).

A whole stack of layers runs as ONE op whose impl loops over layers and directions and runs `jax.lax.scan` over
time, so an eager LSTM forward is a single dispatch and its backward is the VJP of that kernel. Packed sequences
(`batch_sizes` static) run padded with a per-step mask: a finished sequence keeps its last state, which is torch's
h_n for packed input. Gate layouts are torch's: LSTM (i, f, g, o), GRU (r, z, n) with
n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import torchax
from torchax._registry import TorchRuntimeError, op
from torchax._tensor import _TYPE_NAME, Tensor

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_ACT = {"RNN_TANH": jnp.tanh, "RNN_RELU": jax.nn.relu}


def batch_sizes_of(lengths) -> tuple:
    """batch_sizes for lengths sorted in decreasing order: how many sequences are still running at each step."""
    lengths = np.asarray(lengths)
    return tuple(int((lengths > t).sum()) for t in range(int(lengths[0])))


def packed_index(batch_sizes: tuple, batch: int) -> np.ndarray:
    """Row of each packed element in a time-major (T*B) flattening of the padded batch."""
    return np.concatenate([t * batch + np.arange(n) for t, n in enumerate(batch_sizes)])


def _linear(x, w, b):
    y = x @ w.T
    return y if b is None else y + b


def _cell_step(mode, gi, h, c, w_hh, b_hh, w_hr):
    """One time step given the input projection `gi` (W_ih x + b_ih) as torch's cells compute it."""
    gh = _linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = jnp.split(gh + gi, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h if w_hr is None else h @ w_hr.T), c
    if mode == "GRU":
        ir, iz, in_ = jnp.split(gi, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r, z = jax.nn.sigmoid(hr + ir), jax.nn.sigmoid(hz + iz)
        n = jnp.tanh(in_ + hn * r)
        return (h - n) * z + n, None
    return _ACT[mode](gh + gi), None


def _direction(mode, x, h0, c0, w, mask):
    """Run one layer forward in time over time-major `x` (T, B, I); returns (outputs, h_T, c_T)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    gi = _linear(x, w_ih, b_ih)  # the input projection of every step at once, as torch precomputes it

    def step(carry, inp):
        h, c = carry
        g, m = inp
        h2, c2 = _cell_step(mode, g, h, c, w_hh, b_hh, w_hr)
        if m is not None:  # packed: a finished sequence keeps its state
            h2 = jnp.where(m[:, None], h2, h)
            c2 = None if c is None else jnp.where(m[:, None], c2, c)
        return (h2, c2), h2

    (h, c), out = jax.lax.scan(step, (h0, c0), (gi, mask))
    return out, h, c


def _bidirectional(mode, x, h0, c0, ws, mask):
    """Both directions of a layer as ONE scan: the reverse direction runs forward over the time-flipped input
    (for packed input its padding then comes first, where the mask keeps the initial state)."""
    xs = jnp.stack([x, x[::-1]])
    masks = None if mask is None else jnp.stack([mask, mask[::-1]])
    w = tuple(None if a is None else jnp.stack([a, b]) for a, b in zip(*ws))
    run = jax.vmap(lambda x_, h_, c_, w_, m_: _direction(mode, x_, h_, c_, w_, m_),
                   in_axes=(0, 0, None if c0 is None else 0, tuple(None if a is None else 0 for a in w),
                            None if masks is None else 0))
    out, h, c = run(xs, h0, c0, w, masks)
    return jnp.stack([out[0], out[1][::-1]]), h, c


def _layer_weights(params, has_biases, index, per):
    ws = list(params[index * per:(index + 1) * per])
    w_ih, w_hh = ws[:2]
    b_ih, b_hh = ws[2:4] if has_biases else (None, None)
    w_hr = ws[-1] if per - (4 if has_biases else 2) == 1 else None
    return w_ih, w_hh, b_ih, b_hh, w_hr


@op(method=False, out=False)
def _rnn_layers(input, hx, cx, params, mode, has_biases, num_layers, bidirectional, batch_first, batch_sizes):
    """torch._VF.{lstm,gru,rnn_tanh,rnn_relu} without dropout; packed input when `batch_sizes` is a tuple."""
    dirs = 2 if bidirectional else 1
    per = len(params) // (num_layers * dirs)
    mask = None
    if batch_sizes is not None:  # unpack into a zero-padded time-major batch
        steps, batch = len(batch_sizes), batch_sizes[0]
        index = packed_index(batch_sizes, batch)
        x = jnp.zeros((steps * batch, input.shape[-1]), input.dtype).at[index].set(input)
        x = x.reshape(steps, batch, -1)
        mask = jnp.asarray(np.arange(batch)[None, :] < np.asarray(batch_sizes)[:, None])
    else:
        x = jnp.swapaxes(input, 0, 1) if batch_first else input
    hs, cs = [], []
    for layer in range(num_layers):
        ws = [_layer_weights(params, has_biases, layer * dirs + d, per) for d in range(dirs)]
        h0 = hx[layer * dirs:(layer + 1) * dirs]
        c0 = None if cx is None else cx[layer * dirs:(layer + 1) * dirs]
        if dirs == 1:
            out, h, c = _direction(mode, x, h0[0], None if c0 is None else c0[0], ws[0], mask)
            out, h, c = out[None], h[None], None if c is None else c[None]
        else:
            out, h, c = _bidirectional(mode, x, h0, c0, ws, mask)
        hs.append(h)
        cs.append(c)
        x = out[0] if dirs == 1 else jnp.concatenate([out[0], out[1]], axis=-1)
    if batch_sizes is not None:
        x = x.reshape(steps * batch, -1)[index]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    if cx is None:
        return x, jnp.concatenate(hs)
    return x, jnp.concatenate(hs), jnp.concatenate(cs)


def _run(mode, input, batch_sizes, hx, cx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    params = tuple(params)
    if batch_sizes is None and input.shape[1 if batch_first else 0] == 0:
        raise TorchRuntimeError("Expected sequence length to be larger than 0 in RNN")
    if not (dropout > 0 and train and num_layers > 1):
        return _rnn_layers(input, hx, cx, params, mode, bool(has_biases), int(num_layers), bool(bidirectional),
                           bool(batch_first), batch_sizes)
    # dropout between layers: run layer by layer (time-major, as torch does) with F.dropout on each output
    from torchax.nn import functional as F

    dirs = 2 if bidirectional else 1
    per = len(params) // (num_layers * dirs)
    x = input.transpose(0, 1) if batch_first and batch_sizes is None else input
    hs, cs = [], []
    for layer in range(num_layers):
        lo, hi = layer * dirs, (layer + 1) * dirs
        res = _rnn_layers(x, hx[lo:hi], None if cx is None else cx[lo:hi], params[lo * per:hi * per], mode,
                          bool(has_biases), 1, bool(bidirectional), False, batch_sizes)
        x = res[0]
        hs.append(res[1])
        if cx is not None:
            cs.append(res[2])
        if layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    if batch_first and batch_sizes is None:
        x = x.transpose(0, 1)
    if cx is None:
        return x, torchax.cat(hs, 0)
    return x, torchax.cat(hs, 0), torchax.cat(cs, 0)


def _overload(name, args, kwargs, tensor_hx: bool):
    """Bind torch's two _VF overloads: (input, hx, params, ..., batch_first) and (data, batch_sizes, hx, params...)."""
    names = ("has_biases", "num_layers", "dropout", "train", "bidirectional")
    second = args[1] if len(args) > 1 else kwargs.get("hx", kwargs.get("batch_sizes"))
    packed = isinstance(second, Tensor) and (not tensor_hx or (len(args) > 2 and isinstance(args[2], Tensor)))
    if "batch_sizes" in kwargs:
        packed = True
    lead = ("data", "batch_sizes", "hx", "params") if packed else ("input", "hx", "params")
    full = lead + names + (() if packed else ("batch_first",))
    if len(args) > len(full):
        raise TypeError(f"{name}() takes {len(full)} positional arguments but {len(args)} were given")
    bound = dict(zip(full, args))
    for k, v in kwargs.items():
        if k not in full or k in bound:
            raise TypeError(f"{name}() got an unexpected or repeated keyword argument '{k}'")
        bound[k] = v
    missing = [k for k in full if k not in bound]
    if missing:
        raise TypeError(f"{name}() missing required argument '{missing[0]}'")
    data = bound.get("data", bound.get("input"))
    batch_sizes = tuple(int(n) for n in bound["batch_sizes"].tolist()) if packed else None
    return data, batch_sizes, bound


def lstm(*args, **kwargs):
    """torch.lstm (torch._VF.lstm): returns (output, h_n, c_n)."""
    data, batch_sizes, b = _overload("lstm", args, kwargs, tensor_hx=False)
    hx, cx = b["hx"]
    return _run("LSTM", data, batch_sizes, hx, cx, b["params"], b["has_biases"], b["num_layers"], b["dropout"],
                b["train"], b["bidirectional"], b.get("batch_first", False))


def _rnn_fn(mode, name):
    def fn(*args, **kwargs):
        data, batch_sizes, b = _overload(name, args, kwargs, tensor_hx=True)
        return _run(mode, data, batch_sizes, b["hx"], None, b["params"], b["has_biases"], b["num_layers"],
                    b["dropout"], b["train"], b["bidirectional"], b.get("batch_first", False))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name} (torch._VF.{name}): returns (output, h_n)."
    return fn


gru = _rnn_fn("GRU", "gru")
rnn_tanh = _rnn_fn("RNN_TANH", "rnn_tanh")
rnn_relu = _rnn_fn("RNN_RELU", "rnn_relu")


# --- cells ---------------------------------------------------------------------------------------


def _check_cell(input, hiddens, w_ih, w_hh):
    """torch's check_rnn_cell_forward_input / _hidden (messages as torch's)."""
    if input.shape[1] != w_ih.shape[1]:
        raise TorchRuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {w_ih.shape[1]}")
    for i, h in enumerate(hiddens):
        if h.shape[0] != input.shape[0]:
            raise TorchRuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                                    f"{h.shape[0]}")
        if h.shape[1] != w_hh.shape[1]:
            raise TorchRuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected "
                                    f"{w_hh.shape[1]}")


def _check_dtypes(input, *others):
    """torch's matmul complaint when the input's dtype is not the weights' (or the states')."""
    for a in others:
        if a is not None and a.dtype != input.dtype:
            raise TorchRuntimeError(f"mat1 and mat2 must have the same dtype, but got {_TYPE_NAME(input.dtype)} and "
                                    f"{_TYPE_NAME(a.dtype)}")


@op(method=False, out=False)
def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.lstm_cell: returns (h', c')."""
    h, c = hx
    _check_cell(input, (h, c), w_ih, w_hh)
    _check_dtypes(input, h, c, w_ih, w_hh, b_ih, b_hh)
    return _cell_step("LSTM", _linear(input, w_ih, b_ih), h, c, w_hh, b_hh, None)


def _simple_cell(mode):
    def cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
        _check_cell(input, (hx,), w_ih, w_hh)
        _check_dtypes(input, hx, w_ih, w_hh, b_ih, b_hh)
        return _cell_step(mode, _linear(input, w_ih, b_ih), hx, None, w_hh, b_hh, None)[0]

    return cell


gru_cell = op("gru_cell", method=False, out=False)(_simple_cell("GRU"))
rnn_tanh_cell = op("rnn_tanh_cell", method=False, out=False)(_simple_cell("RNN_TANH"))
rnn_relu_cell = op("rnn_relu_cell", method=False, out=False)(_simple_cell("RNN_RELU"))

TOPLEVEL.update(lstm=lstm, gru=gru, rnn_tanh=rnn_tanh, rnn_relu=rnn_relu, lstm_cell=lstm_cell, gru_cell=gru_cell,
                rnn_tanh_cell=rnn_tanh_cell, rnn_relu_cell=rnn_relu_cell)

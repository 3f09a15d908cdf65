"""Conformance: torch.nn RNN / LSTM / GRU, their cells, and torch.nn.utils.rnn (packing and padding)."""

import warnings

import numpy as np
import pytest
from harness import conformance, fill_params, message, tensor

T_, N_, I_, H_ = 4, 2, 3, 5  # sequence length, batch, input size, hidden size (one set of shapes: shared kernels)

# (class, constructor kwargs, initial state given?, input kind, dtype): each scan kernel compiles in ~0.3 s, so every
# case combines several features
CONFIGS = [
    ("RNN", {"num_layers": 2, "bidirectional": True}, "h0", "float32"),
    ("RNN", {"nonlinearity": "relu", "bias": False, "batch_first": True}, "zeros", "float32"),
    ("LSTM", {}, "zeros", "float32"),
    ("LSTM", {"num_layers": 2, "bidirectional": True}, "h0", "float32"),
    ("LSTM", {"proj_size": 2, "bias": False}, "unbatched", "float32"),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True, "batch_first": True}, "h0", "float64"),
    ("GRU", {"bias": False}, "unbatched", "float32"),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}, "h0", "float32"),
]

def _id(cls, kw):
    return cls + "".join(f"-{k}={v}" for k, v in kw.items())


def quiet_projection_warning():
    """torch warns ONCE per process that oneDNN has no LSTM projections (torchax too), so whether a given test sees
    it depends on test order: it is not part of the comparison (pytest restores the filters after each test)."""
    warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")


def states(T, cls, kw, batch, dtype, seed=3):
    """h0 (and c0) of the right shapes, requiring grad."""
    dirs = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1) * dirs
    h_size = kw.get("proj_size") or H_
    shape = (layers, batch, h_size) if batch else (layers, h_size)
    h0 = tensor(T, shape, grad=True, dtype=dtype, seed=seed)
    if cls != "LSTM":
        return h0
    return h0, tensor(T, shape[:-1] + (H_,), grad=True, dtype=dtype, seed=seed + 1)


def backward(T, out, hidden, dtype):
    """A non-uniform loss over the output and every final state."""
    hs = hidden if isinstance(hidden, tuple) else (hidden,)
    loss = (out * tensor(T, tuple(out.shape), dtype=dtype, seed=9)).sum()
    for i, h in enumerate(hs):
        loss = loss + (h * (i + 2)).sum()
    loss.backward()


CASES = [pytest.param(*c, id=f"{_id(*c[:2])}-{c[2]}-{c[3]}") for c in CONFIGS]


@pytest.mark.parametrize("cls,kw,mode,dtype", CASES)
@conformance()
def test_rnn_module(T, cls, kw, mode, dtype):
    quiet_projection_warning()
    m = fill_params(T, getattr(T.nn, cls)(I_, H_, dtype=getattr(T, dtype), **kw))
    shape = (T_, I_) if mode == "unbatched" else (N_, T_, I_) if kw.get("batch_first") else (T_, N_, I_)
    x = tensor(T, shape, grad=True, dtype=dtype)
    hx = None if mode == "zeros" else states(T, cls, kw, None if mode == "unbatched" else N_, dtype)
    out, hidden = m(x, hx)
    backward(T, out, hidden, dtype)
    grads = [t.grad for t in (hx if isinstance(hx, tuple) else (hx,)) if t is not None]
    return out, hidden, x.grad, grads, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


@pytest.mark.parametrize("cls,kw", [CONFIGS[i][:2] for i in (0, 5, 6)], ids=[_id(*CONFIGS[i][:2]) for i in (0, 5, 6)])
@conformance()
def test_rnn_packed(T, cls, kw):
    """Unsorted lengths: h_n is each sequence's state at its own last step; the output stays packed."""
    quiet_projection_warning()
    m = fill_params(T, getattr(T.nn, cls)(I_, H_, **kw))
    bf = kw.get("batch_first", False)
    x = tensor(T, (3, T_, I_) if bf else (T_, 3, I_), grad=True)
    packed = T.nn.utils.rnn.pack_padded_sequence(x, T.tensor([2, 4, 1]), batch_first=bf, enforce_sorted=False)
    hx = states(T, cls, kw, 3, "float32")
    out, hidden = m(packed, hx)
    padded, lengths = T.nn.utils.rnn.pad_packed_sequence(out, batch_first=bf)
    backward(T, padded, hidden, "float32")
    grads = [t.grad for t in (hx if isinstance(hx, tuple) else (hx,))]
    return (type(out).__name__, out.data, out.batch_sizes, out.sorted_indices, out.unsorted_indices, padded, lengths,
            hidden, x.grad, grads, [p.grad for p in m.parameters()])


@pytest.mark.parametrize("cls,packed", [("LSTM", False), ("GRU", True)])
@conformance()
def test_rnn_seeded_dropout(T, cls, packed):
    """With torch's RNG: default init (uniform(-1/sqrt(H), 1/sqrt(H))) and dropout between layers in training."""
    T.manual_seed(0)
    m = getattr(T.nn, cls)(I_, H_, num_layers=2, dropout=0.5, bidirectional=True, batch_first=True)
    x = tensor(T, (N_, T_, I_), grad=True)
    inp = T.nn.utils.rnn.pack_padded_sequence(x, [4, 3], batch_first=True) if packed else x
    out, hidden = m(inp)
    out = out.data if packed else out
    backward(T, out, hidden, "float32")
    m.eval()
    with T.no_grad():
        return out, hidden, x.grad, list(m.parameters()), [p.grad for p in m.parameters()], m(inp)[1]


@conformance()
def test_rnn_dropout_warning(T):
    import pytest

    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        m = T.nn.GRU(I_, H_, dropout=0.3)
    return repr(m), m.dropout


@conformance()
def test_rnn_flat_weights(T):
    m = T.nn.LSTM(I_, H_, num_layers=2, bidirectional=True, proj_size=2)
    names = list(m._flat_weights_names)
    same = all(a is b for a, b in zip(m._flat_weights, [getattr(m, n) for n in names]))
    m.weight_ih_l0 = T.nn.Parameter(T.zeros(4 * H_, I_))
    replaced = m._flat_weights[0] is m.weight_ih_l0
    return (names, same, replaced, m.flatten_parameters(), [[tuple(w.shape) for w in ws] for ws in m.all_weights],
            [n for n, _ in m.named_parameters()], m.extra_repr())


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}), ("LSTMCell", {}),
         ("LSTMCell", {"bias": False}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


CELL_CASES = [(c, kw, "hx", "float32") for c, kw in CELLS] + [
    (*CELLS[i], mode, dtype) for i, mode, dtype in [(0, "batched", "float32"), (2, "unbatched", "float32"),
                                                     (4, "unbatched", "float64"), (3, "batched", "float64")]]


@pytest.mark.parametrize("cls,kw,mode,dtype", CELL_CASES, ids=[f"{_id(c, kw)}-{m}-{d}" for c, kw, m, d in CELL_CASES])
@conformance()
def test_rnn_cell(T, cls, kw, mode, dtype):
    m = fill_params(T, getattr(T.nn, cls)(I_, H_, dtype=getattr(T, dtype), **kw))
    x = tensor(T, (I_,) if mode == "unbatched" else (N_, I_), grad=True, dtype=dtype)
    hx = None
    if mode != "batched":
        shape = (H_,) if mode == "unbatched" else (N_, H_)
        hx = tensor(T, shape, grad=True, dtype=dtype, seed=3)
        if cls == "LSTMCell":
            hx = (hx, tensor(T, shape, grad=True, dtype=dtype, seed=4))
    out = m(x, hx)
    backward(T, out[0], out[1], dtype) if isinstance(out, tuple) else backward(T, out, (), dtype)
    grads = [t.grad for t in (hx if isinstance(hx, tuple) else (hx,)) if t is not None]
    return out, x.grad, grads, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


@conformance()
def test_vf_functions(T):
    """torch.lstm / gru / rnn_tanh / rnn_relu (torch._VF's signatures, padded and packed) and the *_cell functions."""
    x = tensor(T, (T_, N_, I_))
    w = [tensor(T, s, seed=i, low=-0.5, high=0.5) for i, s in enumerate([(4 * H_, I_), (4 * H_, H_), (4 * H_,)])]
    h = tensor(T, (1, N_, H_), seed=5)
    packed = T.nn.utils.rnn.pack_padded_sequence(x, [4, 2])
    seqs = (T.lstm(x, (h, h), w + [w[2]], True, 1, 0.0, False, False, False),
            T.lstm(packed.data, packed.batch_sizes, (h, h), w + [w[2]], True, 1, 0.0, False, False),
            T.gru(x.transpose(0, 1), h, [w[0][:3 * H_], w[1][:3 * H_]], False, 1, 0.0, True, False, True),
            T.rnn_tanh(x, h, [w[0][:H_], w[1][:H_]], False, 1, 0.0, False, False, False),
            T.rnn_relu(packed.data, packed.batch_sizes, h, [w[0][:H_], w[1][:H_]], False, 1, 0.0, False, False))
    cells = (T.lstm_cell(x[0], (h[0], h[0]), w[0], w[1], w[2], w[2]), T.gru_cell(x[0], h[0], w[0][:3 * H_],
                                                                                w[1][:3 * H_]),
             T.rnn_tanh_cell(x[0], h[0], w[0][:H_], w[1][:H_], w[2][:H_]), T.rnn_relu_cell(x[0], h[0], w[0][:H_],
                                                                                           w[1][:H_]))
    return seqs, cells


# --- errors ---------------------------------------------------------------------------------------


def _lstm_call(T, x_shape, h_shape=None, c_shape=None, **kw):
    m = T.nn.LSTM(4, H_, **kw)
    x = tensor(T, x_shape)
    hx = None if h_shape is None else (tensor(T, h_shape), tensor(T, c_shape))
    return lambda: m(x, hx)


RNN_ERRORS = [
    ("input_size", lambda T: _lstm_call(T, (T_, N_, 3)),
     "input.size(-1) must be equal to input_size. Expected 4, got 3"),
    ("hidden0", lambda T: _lstm_call(T, (T_, N_, 4), (1, 3, H_), (1, N_, H_)),
     "Expected hidden[0] size (1, 2, 5), got [1, 3, 5]"),
    ("hidden1", lambda T: _lstm_call(T, (T_, N_, 4), (1, N_, H_), (1, N_, 4)),
     "Expected hidden[1] size (1, 2, 5), got [1, 2, 4]"),
    ("unbatched_hx", lambda T: _lstm_call(T, (T_, 4), (1, N_, H_), (1, N_, H_)),
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    ("input_4d", lambda T: _lstm_call(T, (1, T_, N_, 4)), "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    ("gru_hidden", lambda T: (lambda m, x, h: lambda: m(x, h))(T.nn.GRU(4, H_), tensor(T, (T_, N_, 4)),
                                                               tensor(T, (2, N_, H_))),
     "Expected hidden size (1, 2, 5), got [2, 2, 5]"),
    ("rnn_hx_dims", lambda T: (lambda m, x, h: lambda: m(x, h))(T.nn.RNN(4, H_), tensor(T, (T_, N_, 4)),
                                                                tensor(T, (N_, H_))),
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("rnn_input_1d", lambda T: (lambda m, x: lambda: m(x))(T.nn.RNN(4, H_), tensor(T, (4,))),
     "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
    ("dtype", lambda T: (lambda m, x: lambda: m(x))(T.nn.GRU(4, H_), tensor(T, (T_, N_, 4), dtype="float64")),
     "RNN input dtype (torch.float64) does not match weight dtype (torch.float32). Convert input: "
     "input.to(torch.float32), or convert model: model.to(torch.float64)"),
    ("nonlinearity", lambda T: lambda: T.nn.RNN(4, H_, nonlinearity="sigmoid"),
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    ("gru_proj", lambda T: lambda: T.nn.GRU(4, H_, proj_size=2), "proj_size argument is only supported for LSTM"),
    ("proj_size", lambda T: lambda: T.nn.LSTM(4, H_, proj_size=H_), "proj_size has to be smaller than hidden_size"),
    ("dropout_range", lambda T: lambda: T.nn.LSTM(4, H_, dropout=1.5), "dropout should be a number in range [0, 1]"),
    ("hidden_zero", lambda T: lambda: T.nn.LSTM(4, 0), "hidden_size must be greater than zero"),
    ("input_float", lambda T: lambda: T.nn.LSTM(4.0, H_), "input_size should be of type int, got: float"),
    ("bias_int", lambda T: lambda: T.nn.LSTM(4, H_, bias=1), "bias should be of type bool, got: int"),
    ("cell_input", lambda T: (lambda m, x: lambda: m(x))(T.nn.LSTMCell(4, H_), tensor(T, (N_, 3))),
     "input has inconsistent input_size: got 3 expected 4"),
    ("cell_batch", lambda T: (lambda m, x, h: lambda: m(x, h))(T.nn.GRUCell(4, H_), tensor(T, (N_, 4)),
                                                               tensor(T, (3, H_))),
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    ("cell_hidden", lambda T: (lambda m, x, h: lambda: m(x, h))(T.nn.RNNCell(4, H_), tensor(T, (N_, 4)),
                                                                tensor(T, (N_, 4))),
     "hidden0 has inconsistent hidden_size: got 4, expected 5"),
    ("cell_3d", lambda T: (lambda m, x: lambda: m(x))(T.nn.RNNCell(4, H_), tensor(T, (1, N_, 4))),
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    ("cell_hx_3d", lambda T: (lambda m, x, h: lambda: m(x, (h, h)))(T.nn.LSTMCell(4, H_), tensor(T, (N_, 4)),
                                                                    tensor(T, (1, N_, H_))),
     "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    ("cell_hidden_3d", lambda T: (lambda m, x, h: lambda: m(x, h))(T.nn.GRUCell(4, H_), tensor(T, (N_, 4)),
                                                                    tensor(T, (1, N_, H_))),
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("seq_zero", lambda T: (lambda m, x: lambda: m(x))(T.nn.GRU(4, H_), tensor(T, (0, N_, 4))),
     "Expected sequence length to be larger than 0 in RNN"),
    ("cell_dtype", lambda T: (lambda m, x: lambda: m(x))(T.nn.RNNCell(4, H_), tensor(T, (N_, 4), dtype="float64")),
     "must have the same dtype"),
]


@pytest.mark.parametrize("make,text", [e[1:] for e in RNN_ERRORS], ids=[e[0] for e in RNN_ERRORS])
@conformance()
def test_rnn_errors(T, make, text):
    return message(make(T), text)


# --- torch.nn.utils.rnn ---------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,as_tensor", [([4, 3, 1], False), ([1, 4, 3], True)], ids=["sorted", "unsorted"])
@conformance()
def test_pack_pad_roundtrip(T, batch_first, lengths, as_tensor):
    R = T.nn.utils.rnn
    x = tensor(T, (3, T_, 2) if batch_first else (T_, 3, 2), grad=True)
    ln = T.tensor(lengths) if as_tensor else lengths
    p = R.pack_padded_sequence(x, ln, batch_first=batch_first, enforce_sorted=lengths[0] == 4)
    padded, out_lengths = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-1.5, total_length=5)
    (padded * tensor(T, tuple(padded.shape), seed=9)).sum().backward()
    return (p, p._fields, type(p).__name__, p.is_cuda, padded, out_lengths, x.grad, repr(p),
            R.pad_packed_sequence(p)[0])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@conformance()
def test_pad_sequence(T, batch_first, padding_side):
    R = T.nn.utils.rnn
    seqs = [tensor(T, (n, 2), grad=True, seed=n) for n in (2, 4, 1)]
    out = R.pad_sequence(seqs, batch_first=batch_first, padding_value=7.0, padding_side=padding_side)
    (out * tensor(T, tuple(out.shape), seed=9)).sum().backward()
    ints = R.pad_sequence([T.tensor([1, 2]), T.tensor([3])], batch_first=batch_first, padding_side=padding_side)
    return out, [s.grad for s in seqs], ints


@conformance()
def test_pack_sequence_and_unpack(T):
    R = T.nn.utils.rnn
    seqs = [tensor(T, (n, 2), seed=n) for n in (2, 4, 3)]
    p = R.pack_sequence(seqs, enforce_sorted=False)
    q = R.pack_sequence(sorted(seqs, key=len, reverse=True))
    padded = R.pad_sequence(seqs)
    lengths = T.tensor([2, 4, 3])
    unpadded = R.unpad_sequence(padded, lengths)
    return (p, q, R.unpack_sequence(p), unpadded, padded.shape, R.unpad_sequence(padded, lengths, batch_first=True),
            R.invert_permutation(T.tensor([2, 0, 1])), R.invert_permutation(None))


@conformance()
def test_packed_sequence_methods(T):
    R = T.nn.utils.rnn
    p = R.pack_padded_sequence(tensor(T, (T_, 3, 2)), [2, 4, 3], enforce_sorted=False)
    d = p.double()
    built = R.PackedSequence(T.ones(3), T.tensor([2, 1]))
    pair = R.PackedSequence((T.ones(3), T.tensor([2, 1])))
    return (d, d.data.dtype, p.to(T.float32) is p, p.float() is p, p.long().data, p.cpu().data, built, pair,
            p.is_pinned(), isinstance(p, tuple))


PACK_ERRORS = [
    ("unsorted", lambda T, R: R.pack_padded_sequence(tensor(T, (T_, 3, 2)), [2, 4, 3]),
     "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
    ("batch", lambda T, R: R.pack_padded_sequence(tensor(T, (T_, 3, 2)), [4, 3]),
     "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
    ("zero_length", lambda T, R: R.pack_padded_sequence(tensor(T, (T_, 3, 2)), [4, 3, 0]),
     "Length of all samples has to be greater than 0"),
    ("total_length", lambda T, R: R.pad_packed_sequence(R.pack_padded_sequence(tensor(T, (T_, 3, 2)), [4, 3, 2]),
                                                        total_length=3),
     "Expected total_length to be at least the length of the longest sequence in input, but got total_length=3 and "
     "max sequence length being 4"),
    ("pad_side", lambda T, R: R.pad_sequence([T.ones(2)], padding_side="middle"),
     "Expected padding_side to be one of left or right, but got middle."),
    ("pad_empty", lambda T, R: R.pad_sequence([]), "received an empty list of sequences"),
    ("pad_type", lambda T, R: R.pad_sequence(5), "pad_sequence: Expected iterable for input sequences"),
    ("pad_shape", lambda T, R: R.pad_sequence([T.ones(2, 3), T.ones(4, 2)]), ""),
]


@pytest.mark.parametrize("fn,text", [e[1:] for e in PACK_ERRORS], ids=[e[0] for e in PACK_ERRORS])
@conformance()
def test_pack_errors(T, fn, text):
    return message(lambda: fn(T, T.nn.utils.rnn), text)


@conformance()
def test_pad_sequence_dtype_and_tensor_input(T):
    R = T.nn.utils.rnn
    mixed = R.pad_sequence([T.ones(2, 3), T.ones(4, 3, dtype=T.float64)])
    return mixed, R.pad_sequence(T.tensor(np.arange(6.0).reshape(2, 3)), batch_first=True)

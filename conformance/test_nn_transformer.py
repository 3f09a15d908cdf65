"""Conformance: F.scaled_dot_product_attention, F.multi_head_attention_forward, nn.MultiheadAttention and the
Transformer family (encoder/decoder layers and stacks, masks, eval and train modes, torch's RNG for dropout)."""

import numpy as np
import pytest
from harness import conformance, data, fill_params, message, tensor

E_, H_, L_, S_, N_ = 4, 2, 3, 5, 2  # embed dim, heads, target length, source length, batch


def cot(T, y, dtype="float32"):
    """A non-uniform upstream gradient."""
    return tensor(T, tuple(y.shape), dtype=dtype, seed=9)


def bool_mask(T, shape, seed=3, row=None):
    m = data(shape, dtype="bool", seed=seed)
    if row is not None:  # a fully masked-out row (sdpa: True = attend)
        m[..., row, :] = False
    return T.tensor(m)


# --- scaled_dot_product_attention -----------------------------------------------------------------

SDPA = [
    ("plain", {}, None), ("bool", {}, "bool"), ("float_scale", {"scale": 0.3}, "float"), ("row", {}, "row"),
    ("causal_bool", {"is_causal": True}, "bool"), ("dropout", {"dropout_p": 0.4}, "bool"),
]


def sdpa_mask(T, kind, shape):
    if kind == "bool":
        return bool_mask(T, shape)
    if kind == "row":
        return bool_mask(T, shape, row=0)
    if kind == "float":
        return tensor(T, shape, seed=3)
    return None


SDPA_CASES = [pytest.param(kw, mask, "float32", id=name) for name, kw, mask in SDPA] + [
    pytest.param(kw, mask, "float64", id=f"{name}-float64") for name, kw, mask in SDPA if name in ("row", "dropout")]


@pytest.mark.parametrize("kw,mask,dtype", SDPA_CASES)
@conformance()
def test_sdpa(T, kw, mask, dtype):
    q = tensor(T, (N_, H_, L_, 8), grad=True, dtype=dtype)
    k, v = (tensor(T, (N_, H_, S_, 8), grad=True, dtype=dtype, seed=s) for s in (1, 2))
    T.manual_seed(0)
    y = T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=sdpa_mask(T, mask, (L_, S_)), **kw)
    (y * cot(T, y, dtype)).sum().backward()
    return y, q.grad, k.grad, v.grad


SDPA_SHAPES = [
    ("3d", (H_, L_, 8), (H_, S_, 8), (H_, S_, 6), {}),
    ("2d_causal", (L_, 8), (S_, 8), (S_, 6), {"is_causal": True}),
    ("broadcast_heads", (N_, 4, L_, 8), (N_, 1, S_, 8), (N_, 1, S_, 8), {}),
    ("gqa", (N_, 4, L_, 8), (N_, 2, S_, 8), (N_, 1, S_, 6), {"enable_gqa": True}),
    ("gqa_dropout", (N_, 4, L_, 8), (N_, 2, S_, 8), (N_, 2, S_, 8), {"enable_gqa": True, "dropout_p": 0.3}),
    ("mask_4d", (N_, H_, L_, 8), (N_, H_, S_, 8), (N_, H_, S_, 8), {"mask": (N_, 1, L_, S_)}),
]


@pytest.mark.parametrize("qs,ks,vs,kw", [c[1:] for c in SDPA_SHAPES], ids=[c[0] for c in SDPA_SHAPES])
@conformance()
def test_sdpa_shapes(T, qs, ks, vs, kw):
    kw = dict(kw)
    mask = tensor(T, kw.pop("mask"), seed=3) if "mask" in kw else None
    q, k, v = (tensor(T, s, grad=True, seed=i) for i, s in enumerate((qs, ks, vs)))
    T.manual_seed(0)
    y = T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)
    (y * cot(T, y)).sum().backward()
    return y, q.grad, k.grad, v.grad


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@conformance()
def test_sdpa_half(T, dtype):
    q, k, v = (tensor(T, (N_, H_, s, 8), dtype=dtype, seed=i) for i, s in enumerate((L_, S_, S_)))
    return T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask(T, (L_, S_)))


@conformance()
def test_sdpa_no_keys(T):
    q, k = tensor(T, (N_, H_, L_, 8)), tensor(T, (N_, H_, 0, 8))
    return T.nn.functional.scaled_dot_product_attention(q, k, k)


SDPA_ERRORS = [
    ("dtype", lambda T, q, k: (q, k, k.double()), {}, "Expected query, key, and value to have the same dtype"),
    ("dims", lambda T, q, k: (q[0, 0, 0], k[0, 0], k[0, 0]), {}, "at least 2 dimensional"),
    ("mask_dtype", lambda T, q, k: (q, k, k), {"attn_mask": "int"}, "Expected attn_mask dtype to be bool or float"),
    ("mask_shape", lambda T, q, k: (q, k, k), {"attn_mask": "bad"}, "The size of tensor a (3) must match"),
    ("gqa_heads", lambda T, q, k: (q, k[:, :1].expand(N_, 3, S_, 8), k), {"enable_gqa": True},
     "Number of heads in key and value must divide"),
    ("causal_mask_3d", lambda T, q, k: (q[0], k[0], k[0]), {"attn_mask": "bool", "is_causal": True},
     "Explicit attn_mask should not be set when is_causal=True"),
    ("dropout_range", lambda T, q, k: (q, k, k), {"dropout_p": 1.5}, "dropout probability has to be between 0 and 1"),
    ("int", lambda T, q, k: (q.long(), k.long(), k.long()), {}, ""),
]


@pytest.mark.parametrize("args,kw,text", [e[1:] for e in SDPA_ERRORS], ids=[e[0] for e in SDPA_ERRORS])
@conformance()
def test_sdpa_errors(T, args, kw, text):
    q, k = tensor(T, (N_, H_, L_, 8)), tensor(T, (N_, H_, S_, 8), seed=1)
    kw = dict(kw)
    masks = {"int": T.ones(L_, S_, dtype=T.int64), "bad": T.ones(4, S_), "bool": bool_mask(T, (L_, S_))}
    if "attn_mask" in kw:
        kw["attn_mask"] = masks[kw["attn_mask"]]
    return message(lambda: T.nn.functional.scaled_dot_product_attention(*args(T, q, k), **kw), text)


# --- MultiheadAttention ---------------------------------------------------------------------------

MHA = [
    ("default", {}, {}),
    ("no_bias_per_head", {"bias": False}, {"average_attn_weights": False}),
    ("bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, {"need_weights": False}),
    ("kdim_vdim", {"kdim": 3, "vdim": 5}, {}), ("batch_first", {"batch_first": True}, {}),
]
MASKS = [("kpm", ("kpm",)), ("attn", ("attn",)), ("both", ("kpm", "attn")), ("float", ("kpm_float", "attn_float")),
         ("attn3d", ("attn3d",)), ("causal", ("causal",))]


def mha_inputs(T, kw, masks, unbatched=False, dtype="float32"):
    bf = kw.get("batch_first", False)
    lead = (lambda n: (n,)) if unbatched else (lambda n: (N_, n) if bf else (n, N_))
    q = tensor(T, lead(L_) + (E_,), grad=True, dtype=dtype)
    k = tensor(T, lead(S_) + (kw.get("kdim", E_),), grad=True, dtype=dtype, seed=1)
    v = tensor(T, lead(S_) + (kw.get("vdim", E_),), grad=True, dtype=dtype, seed=2)
    out = {}
    kpm_shape = (S_,) if unbatched else (N_, S_)
    if "kpm" in masks:
        m = np.zeros(kpm_shape, bool)
        m[..., -2:] = True
        out["key_padding_mask"] = T.tensor(m)
    if "kpm_float" in masks:
        out["key_padding_mask"] = tensor(T, kpm_shape, seed=5, dtype=dtype)
    if "attn" in masks:
        m = np.zeros((L_, S_), bool)
        m[1, :2] = True
        out["attn_mask"] = T.tensor(m)
    if "attn_float" in masks:
        out["attn_mask"] = tensor(T, (L_, S_), seed=6, dtype=dtype)
    if "attn3d" in masks:
        out["attn_mask"] = tensor(T, ((1 if unbatched else N_) * H_, L_, S_), seed=6, dtype=dtype)
    if "causal" in masks:
        out["attn_mask"] = T.triu(T.full((L_, S_), float("-inf"), dtype=getattr(T, dtype)), diagonal=1)
        out["is_causal"] = True
    return q, k, v, out


@pytest.mark.parametrize("kw,fw", [c[1:] for c in MHA], ids=[c[0] for c in MHA])
@conformance()
def test_mha(T, kw, fw):
    m = fill_params(T, T.nn.MultiheadAttention(E_, H_, **kw))
    q, k, v, _ = mha_inputs(T, kw, ())
    y, w = m(q, k, v, **fw)
    (y * cot(T, y)).sum().backward()
    return y, w, q.grad, k.grad, v.grad, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


MASK_CASES = [pytest.param(masks, nw, id=f"{name}-{'weights' if nw else 'sdpa'}") for name, masks in MASKS
              for nw in (True, False) if (name, nw) in (("kpm", True), ("both", False), ("float", True),
                                                         ("attn3d", True), ("causal", False))]


@pytest.mark.parametrize("masks,need_weights", MASK_CASES)
@conformance()
def test_mha_masks(T, masks, need_weights):
    kw = {"add_bias_kv": True} if "kpm" in masks else {}
    m = fill_params(T, T.nn.MultiheadAttention(E_, H_, **kw))
    q, k, v, mk = mha_inputs(T, kw, masks)
    y, w = m(q, k, v, need_weights=need_weights, **mk)
    (y * cot(T, y)).sum().backward()
    return y, w, q.grad, k.grad, v.grad, [p.grad for p in m.parameters()]


@pytest.mark.parametrize("masks,dtype", [((), "float64"), (("kpm_float", "attn3d"), "float32")],
                         ids=["plain-float64", "masks"])
@conformance()
def test_mha_unbatched(T, masks, dtype):
    m = fill_params(T, T.nn.MultiheadAttention(E_, H_, dtype=getattr(T, dtype)))
    q, k, v, mk = mha_inputs(T, {}, masks, unbatched=True, dtype=dtype)
    y, w = m(q, k, v, **mk)
    (y * cot(T, y, dtype)).sum().backward()
    return y, w, q.grad, [p.grad for p in m.parameters()]


@pytest.mark.parametrize("need_weights", [True, False])
@conformance()
def test_mha_seeded_dropout(T, need_weights):
    """torch's RNG: xavier init of in_proj and bias_k/v, then the dropout mask on the attention weights."""
    T.manual_seed(0)
    m = T.nn.MultiheadAttention(E_, H_, dropout=0.5, add_bias_kv=True)
    q, k, v, _ = mha_inputs(T, {}, ())
    y, w = m(q, k, v, need_weights=need_weights)
    (y * cot(T, y)).sum().backward()
    return y, w, q.grad, list(m.parameters()), [p.grad for p in m.parameters()]


@conformance()
def test_mha_inference_self_attention(T):
    """Eval, no grad, batch_first self-attention: torch's fused fast path; the same numbers."""
    m = fill_params(T, T.nn.MultiheadAttention(E_, H_, batch_first=True)).eval()
    x = tensor(T, (N_, L_, E_))
    pad = T.tensor(np.array([[False, False, True], [False, False, False]]))
    with T.no_grad():
        return m(x, x, x), m(x, x, x, key_padding_mask=pad, need_weights=False)


@conformance()
def test_multi_head_attention_forward(T):
    """The functional form, packed and separate projection weights (float64: this checks wiring, not rounding)."""
    F = T.nn.functional
    q, k, v, mk = mha_inputs(T, {}, ("kpm_float", "attn_float"), dtype="float64")
    w_in, b_in = (tensor(T, s, seed=10 + i, dtype="float64", low=-0.5, high=0.5) for i, s in enumerate(((3 * E_, E_),
                                                                                                        (3 * E_,))))
    w_out, b_out = (tensor(T, s, seed=12 + i, dtype="float64", low=-0.5, high=0.5) for i, s in enumerate(((E_, E_),
                                                                                                          (E_,))))
    w_in.requires_grad_(True)
    y, w = F.multi_head_attention_forward(q, k, v, E_, H_, w_in, b_in, None, None, False, 0.0, w_out, b_out,
                                          training=False, **mk)
    y2, w2 = F.multi_head_attention_forward(q, k, v, E_, H_, None, b_in, None, None, True, 0.0, w_out, None,
                                            use_separate_proj_weight=True, q_proj_weight=w_in[:E_],
                                            k_proj_weight=w_in[E_:2 * E_], v_proj_weight=w_in[2 * E_:],
                                            need_weights=False)
    ((y + y2) * cot(T, y, "float64")).sum().backward()
    return y, w, y2, w2, q.grad, w_in.grad


MHA_ERRORS = [
    ("embed_heads", lambda T: T.nn.MultiheadAttention(E_, 3), (), {}, "embed_dim must be divisible by num_heads"),
    ("embed_zero", lambda T: T.nn.MultiheadAttention(0, 2), (), {}, "embed_dim and num_heads must be greater than 0"),
    ("query_4d", None, ((1, L_, N_, E_), (S_, N_, E_), (S_, N_, E_)), {}, "query should be unbatched 2D or batched 3D"),
    ("key_2d", None, ((L_, N_, E_), (S_, E_), (S_, E_)), {}, "expected `key` and `value` to be 3-D"),
    ("embed_dim", None, ((L_, N_, 3), (S_, N_, 3), (S_, N_, 3)), {}, "was expecting embedding dimension of 4"),
    ("kv_shape", None, ((L_, N_, E_), (S_, N_, E_), (4, N_, E_)), {}, "key shape"),
    ("attn_2d", None, ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_)), {"attn_mask": lambda T: T.zeros(L_, 4)},
     "The shape of the 2D attn_mask is"),
    ("attn_3d", None, ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_)), {"attn_mask": lambda T: T.zeros(1, L_, S_)},
     "The shape of the 3D attn_mask is"),
    ("kpm_shape", None, ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_)), {"key_padding_mask": lambda T: T.zeros(N_, 4)},
     "Expected key_padded_mask.shape[1] to be 5, but got 4"),
    ("kpm_int", None, ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_)),
     {"key_padding_mask": lambda T: T.ones(N_, S_, dtype=T.int64)},
     "only bool and floating types of key_padding_mask are supported"),
    ("causal_no_mask", None, ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_)), {"is_causal": True},
     "Need attn_mask if specifying the is_causal hint"),
]


@pytest.mark.parametrize("make,shapes,kw,text", [e[1:] for e in MHA_ERRORS], ids=[e[0] for e in MHA_ERRORS])
@conformance()
def test_mha_errors(T, make, shapes, kw, text):
    if make is not None:
        return message(lambda: make(T), text)
    m = T.nn.MultiheadAttention(E_, H_)
    q, k, v = (tensor(T, s, seed=i) for i, s in enumerate(shapes))
    kw = {n: v(T) if callable(v) else v for n, v in kw.items()}
    return message(lambda: m(q, k, v, **kw), text)


# --- Transformer layers and stacks ----------------------------------------------------------------

LAYERS = [("default", {}), ("batch_first", {"batch_first": True}),
          ("norm_first_gelu", {"norm_first": True, "activation": "gelu"}),
          ("callable_no_bias_eps", {"activation": "tanh", "bias": False, "layer_norm_eps": 1e-3})]


def layer_kw(T, kw):
    kw = dict(kw)
    if kw.get("activation") == "tanh":
        kw["activation"] = T.tanh
    return kw


def padding(T, dtype="float32"):
    """A key padding mask in float form (-inf = padded), to go with the float causal masks without torch's warning
    about mixed mask types."""
    return T.zeros(N_, S_, dtype=getattr(T, dtype)).masked_fill(T.tensor(np.array([[False] * 4 + [True], [False] * 5])),
                                                              float("-inf"))


def seq(T, n, bf, grad=True, seed=0, dtype="float32"):
    return tensor(T, (N_, n, E_) if bf else (n, N_, E_), grad=grad, seed=seed, dtype=dtype)


ENC_CASES = [pytest.param(kw, False, id=name) for name, kw in LAYERS] + [
    pytest.param(LAYERS[2][1], True, id=f"{LAYERS[2][0]}-train")]


@pytest.mark.parametrize("kw,train", ENC_CASES)
@conformance()
def test_encoder_layer(T, kw, train):
    m = fill_params(T, T.nn.TransformerEncoderLayer(E_, H_, 6, dropout=0.0, **layer_kw(T, kw))).train(train)
    x = seq(T, S_, kw.get("batch_first", False))
    y = m(x, src_mask=T.nn.Transformer.generate_square_subsequent_mask(S_), src_key_padding_mask=padding(T))
    (y * cot(T, y)).sum().backward()
    return y, x.grad, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


@pytest.mark.parametrize("kw", [c[1] for c in LAYERS[1:3]], ids=[c[0] for c in LAYERS[1:3]])
@conformance()
def test_decoder_layer(T, kw):
    m = fill_params(T, T.nn.TransformerDecoderLayer(E_, H_, 6, dropout=0.0, **layer_kw(T, kw))).eval()
    bf = kw.get("batch_first", False)
    tgt, mem = seq(T, L_, bf), seq(T, S_, bf, seed=1)
    y = m(tgt, mem, tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(L_), tgt_is_causal=True,
          memory_key_padding_mask=padding(T))
    (y * cot(T, y)).sum().backward()
    return y, tgt.grad, mem.grad, [p.grad for p in m.parameters()], repr(m)


@pytest.mark.parametrize("layer", ["encoder", "decoder"])
@conformance()
def test_layer_seeded_dropout(T, layer):
    """Training with dropout: torch's init and dropout masks (seq-first, where every dropout input is contiguous)."""
    T.manual_seed(0)
    if layer == "encoder":
        m = T.nn.TransformerEncoderLayer(E_, H_, 6, dropout=0.3)
        x = seq(T, S_, False)
        y = m(x)
    else:
        m = T.nn.TransformerDecoderLayer(E_, H_, 6, dropout=0.3)
        x = seq(T, L_, False)
        y = m(x, seq(T, S_, False, grad=False, seed=1))
    (y * cot(T, y)).sum().backward()
    return y, x.grad, [p.grad for p in m.parameters()]


@conformance()
def test_encoder_layer_seeded_dropout_batch_first(T):
    """batch_first: torch's dropout after attention sees a transposed (non-contiguous) tensor and draws its mask in
    memory order."""
    T.manual_seed(0)
    m = T.nn.TransformerEncoderLayer(E_, H_, 6, dropout=0.3, batch_first=True)
    return m(seq(T, S_, True, grad=False))


@pytest.mark.parametrize("mode", ["train", "inference_padding", "causal"])
@conformance()
def test_encoder_stack(T, mode):
    """eval + no_grad + a left-aligned padding mask is torch's nested-tensor path: padded outputs are zeros."""
    import warnings

    warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors is in prototype stage")  # once/process
    layer = T.nn.TransformerEncoderLayer(E_, H_, 6, dropout=0.0, batch_first=True)
    m = fill_params(T, T.nn.TransformerEncoder(layer, 2, norm=T.nn.LayerNorm(E_))).train(mode == "train")
    x = seq(T, S_, True, grad=mode != "inference_padding")
    kpm = T.tensor(np.array([[False] * 3 + [True] * 2, [False] * 5]))
    if mode == "inference_padding":
        with T.no_grad():
            return m(x, src_key_padding_mask=kpm), m(x, src_key_padding_mask=kpm.float())
    mask = T.nn.Transformer.generate_square_subsequent_mask(S_) if mode == "causal" else None
    y = m(x, mask=mask, src_key_padding_mask=None if mode == "causal" else kpm)
    (y * cot(T, y)).sum().backward()
    return y, x.grad, [p.grad for p in m.parameters()], repr(m)


@conformance()
def test_encoder_nested_warning(T):
    import pytest

    layer = T.nn.TransformerEncoderLayer(E_, H_, 6)  # batch_first=False: no nested-tensor fast path
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False because"):
        enc = T.nn.TransformerEncoder(layer, 1)
    quiet = T.nn.TransformerEncoder(T.nn.TransformerEncoderLayer(E_, H_, 6, batch_first=True), 1)
    return enc.use_nested_tensor, quiet.use_nested_tensor, enc.enable_nested_tensor


@conformance()
def test_transformer(T):
    """The whole model with torch's seeded init (xavier_uniform_ on every matrix) and all its masks."""
    import pytest

    T.manual_seed(0)
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False"):
        m = T.nn.Transformer(E_, H_, 1, 1, 6, dropout=0.0, batch_first=True, norm_first=True, activation="gelu")
    src, tgt = seq(T, S_, True), seq(T, L_, True, seed=1)
    y = m(src, tgt, tgt_mask=m.generate_square_subsequent_mask(L_), src_key_padding_mask=padding(T),
          memory_key_padding_mask=padding(T), memory_mask=tensor(T, (L_, S_), seed=4))
    (y * cot(T, y)).sum().backward()
    return (y, src.grad, tgt.grad, [p.grad for p in m.parameters()], list(m.parameters()), repr(m),
            list(m.state_dict()))


@conformance()
def test_transformer_mask_and_eval(T):
    T.manual_seed(0)
    m = T.nn.Transformer(E_, H_, 1, 1, 6, batch_first=True).eval()
    src, tgt = seq(T, S_, True, grad=False), seq(T, L_, True, grad=False, seed=1)
    with T.no_grad():
        y = m(src, tgt, tgt_mask=m.generate_square_subsequent_mask(L_))
    return (y, T.nn.Transformer.generate_square_subsequent_mask(3), T.nn.Transformer.generate_square_subsequent_mask(
        2, dtype=T.float64))


@conformance()
def test_mixed_mask_types_warn(T):
    import pytest

    m = fill_params(T, T.nn.MultiheadAttention(E_, H_))
    q, k, v, mk = mha_inputs(T, {}, ("kpm", "attn_float"))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        return m(q, k, v, **mk)


TRANSFORMER_ERRORS = [
    ("activation", lambda T: T.nn.TransformerEncoderLayer(E_, H_, activation="swish"),
     "activation should be relu/gelu, not swish"),
    ("batch", lambda T: T.nn.Transformer(E_, H_, 1, 1, 6, batch_first=True)(seq(T, S_, True), seq(T, L_, True)[:1]),
     "the batch number of src and tgt must be equal"),
    ("d_model", lambda T: T.nn.Transformer(E_, H_, 1, 1, 6, batch_first=True)(tensor(T, (N_, S_, 3)),
                                                                               tensor(T, (N_, L_, 3))),
     "the feature number of src and tgt must be equal to d_model"),
]


@pytest.mark.parametrize("fn,text", [e[1:] for e in TRANSFORMER_ERRORS], ids=[e[0] for e in TRANSFORMER_ERRORS])
@conformance()
def test_transformer_errors(T, fn, text):
    return message(lambda: fn(T), text)

"""torch.nn.functional: scaled_dot_product_attention, multi_head_attention_forward.

Each is one kernel: argument checks run on shapes/dtypes in the wrapper, the math (projections, masks, softmax,
dropout mask, output projection) is one `@op`. Dropout draws its Bernoulli mask with the torch RNG exactly as
torch's CPU math path does (`empty_like(attn).bernoulli_(1 - p)`, scaled by 1/(1-p)), and the kernel applies it.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

import torchax
from torchax import _dtype
from torchax._registry import TorchRuntimeError, broadcast_shapes, op

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _cpp(dt) -> str:
    name = str(dt).replace("torch.", "")
    return _CPP_NAMES.get(name, name)


def _dropout_noise(shape, dtype, p):
    """torch's CPU dropout mask: bernoulli(1 - p) drawn into an empty tensor of the attention weights' shape."""
    if p == 1:
        return torchax.zeros(shape, dtype=dtype)  # torch multiplies by zero without drawing
    return torchax.empty(shape, dtype=dtype).bernoulli_(1 - p)


def _safe_softmax(logits):
    """Softmax over the last dim; a row with every entry -inf gives zeros (torch's _safe_softmax), not NaN."""
    mx = jax.lax.stop_gradient(jnp.max(logits, axis=-1, keepdims=True, initial=-jnp.inf))
    mx = jnp.where(jnp.isfinite(mx), mx, 0)
    e = jnp.exp(logits - mx)
    s = jnp.sum(e, axis=-1, keepdims=True)
    return e / jnp.where(s == 0, 1, s)


def _compute_dtype(dt):
    return jnp.float32 if dt in (jnp.float16, jnp.bfloat16) else dt


def _attention(q, k, v, attn_mask, noise, p, is_causal, scale, safe=True):
    """softmax(q k^T * scale + mask) (dropout) @ v for (..., L, E) q and (..., S, E) k, v (broadcast batch dims)."""
    out_dtype = q.dtype
    ct = _compute_dtype(q.dtype)
    q, k, v = q.astype(ct), k.astype(ct), v.astype(ct)
    logits = jnp.matmul(q, jnp.swapaxes(k, -1, -2)) * jnp.asarray(scale, ct)
    L, S = logits.shape[-2:]
    if is_causal:
        logits = jnp.where(np.tril(np.ones((L, S), bool)), logits, -jnp.inf)
    if attn_mask is not None:
        broadcast_shapes(logits.shape, attn_mask.shape)
        if attn_mask.dtype == jnp.bool_:
            logits = jnp.where(attn_mask, logits, -jnp.inf)
        else:
            logits = logits + attn_mask.astype(ct)
    attn = _safe_softmax(logits) if safe else jax.nn.softmax(logits, axis=-1)
    if noise is not None:
        attn = attn * (noise.astype(ct) / jnp.asarray(1 - p, ct)) if p != 1 else attn * noise.astype(ct)
    return jnp.matmul(attn, v).astype(out_dtype), attn


def _repeat_heads(x, heads):
    return x if x.shape[-3] == heads else jnp.repeat(x, heads // x.shape[-3], axis=-3)


@op(method=False, out=False, dynamic=("scale",))
def _scaled_dot_product_attention(query, key, value, attn_mask, noise, dropout_p, is_causal, scale, enable_gqa):
    """The math of torch.nn.functional.scaled_dot_product_attention (checks done by the wrapper)."""
    if enable_gqa:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attention(query, key, value, attn_mask, noise, dropout_p, is_causal, scale)[0]


def _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa) -> None:
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise TorchRuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                                f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise TorchRuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                                f"{_cpp(query.dtype)} key.dtype: {_cpp(key.dtype)} and value.dtype: "
                                f"{_cpp(value.dtype)} instead.")
    if not query.dtype.is_floating_point:
        raise TorchRuntimeError(f"expected scalar type Float but found {_TYPE_NAMES.get(str(query.dtype)[6:], '')}")
    if attn_mask is not None and attn_mask.dtype not in (torchax.bool, torchax.float32, query.dtype):
        raise TorchRuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                                f"attn_mask.dtype: {_cpp(attn_mask.dtype)} and  query.dtype: {_cpp(query.dtype)} "
                                "instead.")
    if not 0 <= dropout_p <= 1:
        raise TorchRuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa:
        if query.dim() < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{query.dim()}, "
                             f"{query.dim() - 1}], but got -3)")
        heads = query.shape[-3]
        if heads % key.shape[-3] or heads % value.shape[-3]:
            raise TorchRuntimeError("Number of heads in key and value must divide the number of heads in ")
    if is_causal and attn_mask is not None and not _cpu_flash_path(query, key, value, dropout_p, enable_gqa):
        # NOTE: torch's CPU flash kernel applies both the mask and causality; its math fallback refuses the pair
        raise TorchRuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                                "is_causal=True")


def _cpu_flash_path(query, key, value, dropout_p, enable_gqa) -> bool:
    """Whether torch 2.13 on CPU would pick its flash kernel (4-D, dense batch/heads, one head size, no dropout)."""
    if dropout_p > 0 or not (query.dim() == key.dim() == value.dim() == 4):
        return False
    if not (query.shape[0] == key.shape[0] == value.shape[0]):
        return False
    if not enable_gqa and not (query.shape[1] == key.shape[1] == value.shape[1]):
        return False
    return query.shape[-1] == key.shape[-1] == value.shape[-1]


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """torch.nn.functional.scaled_dot_product_attention (the math path; dropout draws torch's Bernoulli mask)."""
    _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    noise = None
    if dropout_p > 0:
        heads = (query.shape[-3],) if enable_gqa else ()
        batch = broadcast_shapes(query.shape[:-2], key.shape[:-2] if not heads else key.shape[:-3] + heads)
        noise = _dropout_noise(batch + (query.shape[-2], key.shape[-2]), query.dtype, dropout_p)
    return _scaled_dot_product_attention(query, key, value, attn_mask, noise, float(dropout_p), bool(is_causal),
                                         None if scale is None else float(scale), bool(enable_gqa))


# --- multi-head attention ------------------------------------------------------------------------


@op(method=False, out=False)
def _float_mask(mask, dtype):
    """A bool mask (True = masked) as the additive float mask torch builds with masked_fill_(mask, -inf)."""
    jt = _dtype.JNP[dtype]
    return jnp.where(mask, jnp.asarray(-jnp.inf, jt), jnp.asarray(0, jt))


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """torch.nn.functional._canonical_mask: a bool mask becomes an additive -inf/0 mask of `target_type`."""
    if mask is not None:
        if mask.dtype != torchax.bool and not mask.is_floating_point():
            raise AssertionError(f"only bool and floating types of {mask_name} are supported")
        if check_other and other_type is not None and mask.dtype != other_type:
            warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                          "instead.", stacklevel=3)
        if mask.dtype == torchax.bool:
            mask = _float_mask(mask, target_type)
    return mask


def _none_or_dtype(input):
    """torch.nn.functional._none_or_dtype."""
    if input is None:
        return None
    if isinstance(input, torchax.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _mha_inputs(query, key, value, w, b, wq, wk, wv, separate):
    """The in-projection: q, k, v = x @ W^T + b with the packed (3E, E) weight or three separate weights."""
    E = query.shape[-1]
    if separate:
        ws = (wq, wk, wv)
    else:
        ws = (w[:E], w[E:2 * E], w[2 * E:])
    bs = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    return [x @ wt.T + (0 if bt is None else bt) for x, wt, bt in zip((query, key, value), ws, bs)]


@op(method=False, out=False)
def _multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, bias_k, bias_v, out_proj_weight,
                          out_proj_bias, key_padding_mask, attn_mask, q_proj_weight, k_proj_weight, v_proj_weight,
                          static_k, static_v, noise, num_heads, add_zero_attn, dropout_p, need_weights,
                          average_attn_weights, is_causal, use_separate_proj_weight, is_batched):
    """The math of torch.nn.functional.multi_head_attention_forward after its checks; returns (output, weights)."""
    if not is_batched:
        query, key, value = query[:, None], key[:, None], value[:, None]
        key_padding_mask = None if key_padding_mask is None else key_padding_mask[None]
    tgt_len, bsz, embed_dim = query.shape
    head_dim = embed_dim // num_heads
    q, k, v = _mha_inputs(query, key, value, in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight,
                          v_proj_weight, use_separate_proj_weight)
    if attn_mask is not None and attn_mask.ndim == 2:
        attn_mask = attn_mask[None]
    pad = ((0, 0), (0, 0), (0, 1))
    if bias_k is not None:
        k = jnp.concatenate([k, jnp.tile(bias_k, (1, bsz, 1))])
        v = jnp.concatenate([v, jnp.tile(bias_v, (1, bsz, 1))])
        attn_mask = None if attn_mask is None else jnp.pad(attn_mask, pad)
        key_padding_mask = None if key_padding_mask is None else jnp.pad(key_padding_mask, pad[1:])
    q = jnp.swapaxes(q.reshape(tgt_len, bsz * num_heads, head_dim), 0, 1)
    k = jnp.swapaxes(k.reshape(k.shape[0], bsz * num_heads, head_dim), 0, 1) if static_k is None else static_k
    v = jnp.swapaxes(v.reshape(v.shape[0], bsz * num_heads, head_dim), 0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = jnp.concatenate([k, jnp.zeros((bsz * num_heads, 1, head_dim), k.dtype)], axis=1)
        v = jnp.concatenate([v, jnp.zeros((bsz * num_heads, 1, head_dim), v.dtype)], axis=1)
        attn_mask = None if attn_mask is None else jnp.pad(attn_mask, pad)
        key_padding_mask = None if key_padding_mask is None else jnp.pad(key_padding_mask, pad[1:])
    src_len = k.shape[1]
    if key_padding_mask is not None:
        kpm = jnp.broadcast_to(key_padding_mask[:, None, None, :], (bsz, num_heads, 1, src_len))
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    weights = None
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        logits = jnp.matmul(q_scaled, jnp.swapaxes(k, -1, -2))
        if attn_mask is not None:
            logits = attn_mask + logits
        w = jax.nn.softmax(logits, axis=-1)  # NOTE: plain softmax as torch here: a fully masked row is NaN
        if noise is not None:
            w = w * (noise / (1 - dropout_p)) if dropout_p != 1 else w * noise
        out = jnp.matmul(w, v)
        out = jnp.swapaxes(out, 0, 1).reshape(tgt_len * bsz, embed_dim)
        weights = w.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(axis=1)
    else:
        if attn_mask is not None:
            attn_mask = attn_mask[None] if attn_mask.shape[0] == 1 else attn_mask.reshape(bsz, num_heads, -1, src_len)
        q4 = q.reshape(bsz, num_heads, tgt_len, head_dim)
        k4 = k.reshape(bsz, num_heads, src_len, head_dim)
        v4 = v.reshape(bsz, num_heads, src_len, head_dim)
        noise4 = None if noise is None else noise.reshape(bsz, num_heads, tgt_len, src_len)
        out, _ = _attention(q4, k4, v4, attn_mask, noise4, dropout_p, is_causal, 1.0 / math.sqrt(head_dim))
        out = jnp.transpose(out, (2, 0, 1, 3)).reshape(bsz * tgt_len, embed_dim)
    out = out @ out_proj_weight.T
    if out_proj_bias is not None:
        out = out + out_proj_bias
    out = out.reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out[:, 0]
        weights = None if weights is None else weights[0]
    return out if weights is None else (out, weights)


def _check_key_padding_mask(shape, src_len, bsz) -> None:
    """torch's check of the key padding mask's shape after bias_k / add_zero_attn padding."""
    if shape[0] != bsz:
        raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {shape[0]}")
    if shape[1] != src_len:
        raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got {shape[1]}")


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's _mha_shape_check: validates ranks and returns whether the input is batched."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                                 f"{key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                     f"found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected_shape = (num_heads, query.shape[0], key.shape[0])
                if attn_mask.shape != expected_shape:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected_shape} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")


def _check_projection(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
                      use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v):
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:-1] != value.shape[:-1]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:-1]} do not match value's "
                                 f"{value.shape[:-1]}")
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        for what, w, x in (("query", q_proj_weight, query), ("key", k_proj_weight, key), ("value", v_proj_weight,
                                                                                          value)):
            if tuple(w.shape) != (embed_dim, x.shape[-1]):
                raise AssertionError(f"expecting {what} weights shape of {(embed_dim, x.shape[-1])}, but got "
                                     f"{w.shape}")
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    return head_dim


def _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads) -> None:
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(tgt_len, src_len)}.")
    elif attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(bsz * num_heads, tgt_len, src_len)}.")
    else:
        raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: (attn_output, attn_weights or None), inputs (L, N, E)."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    tgt_len, src_len = query.shape[0], key.shape[0]
    bsz = query.shape[1] if is_batched else 1
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask.dtype, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint goes to SDPA as is_causal
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    head_dim = _check_projection(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                                 static_k, static_v)
    if attn_mask is not None:
        _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads)
    if need_weights and is_causal and attn_mask is None:
        raise AssertionError("FIXME: is_causal not implemented for need_weights")
    for name, static in (("static_k", static_k), ("static_v", static_v)):
        if static is not None:
            if static.size(0) != bsz * num_heads:
                raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {static.size(0)}")
            if static.size(2) != head_dim:
                raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.size(2)}")
    full_src = (static_k.shape[1] if static_k is not None else src_len + (bias_k is not None)) + bool(add_zero_attn)
    if key_padding_mask is not None:
        kpm_shape = (bsz if is_batched else 1, key_padding_mask.shape[-1] + (bias_k is not None) + bool(add_zero_attn))
        _check_key_padding_mask(kpm_shape, full_src, bsz)
    if not training:
        dropout_p = 0.0
    noise = None
    if dropout_p > 0.0:
        noise = _dropout_noise((bsz * num_heads, tgt_len, full_src), query.dtype, dropout_p)
    res = _multi_head_attention(
        query, key, value, in_proj_weight, in_proj_bias, bias_k, bias_v, out_proj_weight, out_proj_bias,
        key_padding_mask, attn_mask, q_proj_weight if use_separate_proj_weight else None,
        k_proj_weight if use_separate_proj_weight else None, v_proj_weight if use_separate_proj_weight else None,
        static_k, static_v, noise, int(num_heads), bool(add_zero_attn), float(dropout_p), bool(need_weights),
        bool(average_attn_weights), bool(is_causal), bool(use_separate_proj_weight), is_batched)
    return tuple(res) if need_weights else (res, None)

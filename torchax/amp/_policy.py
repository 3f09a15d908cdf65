"""torch 2.13's autocast cast policies (aten/src/ATen/autocast_mode.{h,cpp}) and the torchax ops that carry them.

`CPU` and `CUDA` copy torch's per-device tables by aten op name. `IMPL` says which torchax registry ops implement
each aten op (with a condition when one torchax op covers several aten ops, e.g. `_pad` is reflection_pad1d/2d and
replication_pad1d/2d/3d). `SURFACE` adds what torch gets by decomposition: ops that are not in a table but reach
one (CPU `torch.inner` -> tensordot -> mm runs in bfloat16; CUDA `F.normalize` divides by a float32 norm).
"""

from __future__ import annotations

# --- torch's tables, as written in its source ------------------------------------------------------------------

CUDA = {  # AT_FORALL_* in autocast_mode.h (also used for XPU); binary_cross_entropy is banned
    "lower": (
        "_convolution", "conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d",
        "conv_transpose3d", "convolution", "prelu", "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv",
        "linalg_vecdot", "linear", "addbmm", "baddbmm", "bmm", "chain_matmul", "linalg_multi_dot",
        "_thnn_fused_lstm_cell", "_thnn_fused_gru_cell", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell",
        "_scaled_dot_product_flash_attention", "scaled_dot_product_attention",
        "cudnn_convolution", "cudnn_convolution_transpose", "_cudnn_rnn"),
    "fp32": (
        "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt",
        "sinh", "tan", "pow", "softplus", "layer_norm", "native_layer_norm", "rms_norm", "group_norm",
        "frobenius_norm", "nuclear_norm", "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss",
        "nll_loss", "nll_loss2d", "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss",
        "mse_loss", "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss", "triplet_margin_loss",
        "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "cdist", "renorm", "logsumexp",
        "upsample_nearest1d", "_upsample_nearest_exact1d", "upsample_nearest2d", "_upsample_nearest_exact2d",
        "upsample_nearest3d", "_upsample_nearest_exact3d", "upsample_linear1d", "upsample_bilinear2d",
        "_upsample_bilinear2d_aa", "upsample_trilinear3d", "upsample_bicubic2d", "_upsample_bicubic2d_aa"),
    "fp32_set_opt_dtype": (
        "prod", "softmax", "log_softmax", "cumprod", "cumsum", "linalg_vector_norm", "linalg_matrix_norm", "sum"),
    "fp32_append_dtype": ("norm",),
    "promote": (
        "addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot", "grid_sampler", "index_put", "tensordot",
        "scatter_add"),
    "banned": ("binary_cross_entropy",),
}

CPU = {  # TORCH_LIBRARY_IMPL(aten, AutocastCPU, m) in autocast_mode.cpp
    "lower": (
        "conv1d", "conv2d", "conv3d", "bmm", "mm", "linalg_vecdot", "baddbmm", "addmm", "_addmm_activation",
        "addbmm", "linear", "_convolution", "matmul", "conv_tbc", "mkldnn_rnn_layer", "conv_transpose1d",
        "conv_transpose2d", "conv_transpose3d", "prelu", "scaled_dot_product_attention",
        "_native_multi_head_attention"),
    "fp32": (
        "avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod", "quantile", "nanquantile", "stft",
        "cdist", "grid_sampler_2d", "_grid_sampler_2d_cpu_fallback", "grid_sampler_3d", "trace", "view_as_complex",
        "cholesky", "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr", "pinverse",
        "max_pool3d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool3d", "reflection_pad1d", "reflection_pad2d",
        "replication_pad1d", "replication_pad2d", "replication_pad3d", "mse_loss", "cosine_embedding_loss",
        "nll_loss", "nll_loss2d", "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy_loss",
        "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
        "multi_margin_loss", "ctc_loss", "kl_div", "multilabel_margin_loss", "binary_cross_entropy_with_logits",
        "fft_fft", "fft_ifft", "fft_fft2", "fft_ifft2", "fft_fftn", "fft_ifftn", "fft_rfft", "fft_irfft",
        "fft_rfft2", "fft_irfft2", "fft_rfftn", "fft_irfftn", "fft_hfft", "fft_ihfft", "linalg_cond",
        "linalg_matrix_rank", "linalg_solve", "linalg_cholesky", "linalg_svdvals", "linalg_eigvals",
        "linalg_eigvalsh", "linalg_inv", "linalg_householder_product", "linalg_tensorinv", "linalg_tensorsolve",
        "fake_quantize_per_tensor_affine", "geqrf", "_lu_with_info", "qr", "svd", "triangular_solve",
        "fractional_max_pool2d", "fractional_max_pool3d", "adaptive_max_pool3d", "multilabel_margin_loss_forward",
        "linalg_qr", "linalg_cholesky_ex", "linalg_svd", "linalg_eig", "linalg_eigh", "linalg_lstsq",
        "linalg_inv_ex"),
    "promote": ("stack", "cat", "index_copy"),
}

# --- which torchax registry ops implement each aten op ----------------------------------------------------------


def _arg(opdef, args, kwargs, name, default=None):
    """An argument of a registry-op call by parameter name."""
    i = opdef.params.index(name)
    return args[i] if i < len(args) else kwargs.get(name, default)


def _dims_in(*ns):
    return lambda opdef, args, kwargs: _arg(opdef, args, kwargs, "n") in ns


def _pad_is(mode, *ns):
    return lambda opdef, args, kwargs: (_arg(opdef, args, kwargs, "mode") == mode
                                        and len(_arg(opdef, args, kwargs, "pad")) // 2 in ns)


def _upsample_is(*fnames):
    return lambda opdef, args, kwargs: _arg(opdef, args, kwargs, "fname") in fnames


def _rnn_mode(*modes):
    return lambda opdef, args, kwargs: (_arg(opdef, args, kwargs, "mode") in modes
                                        and _arg(opdef, args, kwargs, "batch_sizes") is None)


def _matrix_power_multiplies(opdef, args, kwargs):
    """linalg.matrix_power runs matmul (lower precision) only for |n| >= 2 (n = -1 is just an inverse)."""
    return abs(_arg(opdef, args, kwargs, "n")) >= 2


def _contracts(opdef, args, kwargs):
    """CPU einsum runs bmm (bfloat16) only when two operands share an index that the output sums away."""
    spec = args[0] if args and isinstance(args[0], str) else None
    if spec is None or "->" not in spec or "." in spec:
        return len(args) > 2
    lhs, out = spec.replace(" ", "").split("->")
    terms = lhs.split(",")
    if len(terms) < 2:
        return False
    return any(sum(c in t for t in terms) > 1 and c not in out for c in set(lhs) - {","})


_UPSAMPLE = tuple(f"upsample_{m}" for m in (  # torchax's `fname`s; torch spells the exact ones _upsample_...
    "nearest1d", "nearest2d", "nearest3d", "nearest_exact1d", "nearest_exact2d", "nearest_exact3d",
    "linear1d", "bilinear2d", "trilinear3d", "bicubic2d"))

# aten name -> torchax op names (or (name, condition) pairs); names absent from the registry are skipped
IMPL = {
    "matmul": ("matmul",), "mm": ("mm",), "bmm": ("bmm",), "baddbmm": ("baddbmm",), "addmm": ("addmm",),
    "addbmm": ("addbmm",), "addmv": ("addmv",), "addr": ("addr",), "mv": ("mv",), "linear": ("linear",),
    "linalg_vecdot": ("_linalg_vecdot",), "chain_matmul": ("_multi_dot",), "linalg_multi_dot": ("_multi_dot",),
    "einsum": ("einsum",), "conv1d": ("conv1d",), "conv2d": ("conv2d",), "conv3d": ("conv3d",),
    "convolution": ("convolution",), "_convolution": ("convolution",), "conv_transpose1d": ("conv_transpose1d",),
    "conv_transpose2d": ("conv_transpose2d",), "conv_transpose3d": ("conv_transpose3d",), "prelu": ("prelu",),
    "lstm_cell": ("lstm_cell",), "gru_cell": ("gru_cell",), "rnn_tanh_cell": ("rnn_tanh_cell",),
    "rnn_relu_cell": ("rnn_relu_cell",), "scaled_dot_product_attention": ("_scaled_dot_product_attention",),
    "_native_multi_head_attention": ("_multi_head_attention",), "_cudnn_rnn": ("_rnn_layers",),
    "mkldnn_rnn_layer": (("_rnn_layers", _rnn_mode("LSTM")),),
    "prod": ("_prod", "_prod_dim"), "sum": ("_sum", "_sum_dim"), "softmax": ("softmax",),
    "log_softmax": ("log_softmax",), "cumsum": ("cumsum",), "cumprod": ("cumprod",),
    "linalg_vector_norm": ("_linalg_vector_norm", "_vector_norm"),
    "linalg_matrix_norm": ("_linalg_matrix_norm", "_matrix_norm"),
    "quantile": ("_quantile",), "nanquantile": ("_quantile",),
    "grid_sampler": ("_grid_sampler",), "cdist": ("cdist",), "pdist": ("pdist",), "dist": ("dist",),
    "trace": ("trace",), "renorm": ("renorm",), "logsumexp": ("logsumexp",), "pow": ("_pow",),
    "cholesky": ("_linalg_cholesky_ex",), "cholesky_inverse": ("cholesky_inverse",),
    "cholesky_solve": ("cholesky_solve",), "inverse": ("_linalg_inv_ex",), "lu_solve": ("_linalg_lu_solve",),
    "pinverse": ("pinverse", "_linalg_pinv"), "linalg_cond": ("_linalg_cond",),
    "linalg_matrix_rank": ("_linalg_matrix_rank",), "linalg_solve": ("_linalg_solve_ex",),
    "linalg_cholesky_ex": ("_linalg_cholesky_ex",), "linalg_svdvals": ("_linalg_svdvals",),
    "linalg_eigvals": ("_linalg_eigvals",), "linalg_eigvalsh": ("_linalg_eigvalsh",),
    "linalg_inv_ex": ("_linalg_inv_ex",),
    "linalg_householder_product": ("_linalg_householder_product",), "geqrf": ("_geqrf",), "qr": ("_qr",),
    "linalg_qr": ("_linalg_qr",), "svd": ("_linalg_svd",), "linalg_svd": ("_linalg_svd",),
    "linalg_eig": ("_linalg_eig",), "linalg_eigh": ("_linalg_eigh",), "linalg_lstsq": ("_linalg_lstsq",),
    "triangular_solve": ("_triangular_solve",),
    "avg_pool3d": (("_avg_pool", _dims_in(3)),), "max_pool3d": (("_max_pool", _dims_in(3)),),
    "adaptive_avg_pool3d": (("_adaptive_avg_pool", _dims_in(3)),),
    "adaptive_max_pool3d": (("_adaptive_max_pool", _dims_in(3)),),
    "max_unpool2d": (("_max_unpool", _dims_in(2)),), "max_unpool3d": (("_max_unpool", _dims_in(3)),),
    "fractional_max_pool2d": (("_fractional_max_pool", _dims_in(2)),),
    "fractional_max_pool3d": (("_fractional_max_pool", _dims_in(3)),),
    **{f"reflection_pad{n}d": (("_pad", _pad_is("reflect", n)),) for n in (1, 2, 3)},
    **{f"replication_pad{n}d": (("_pad", _pad_is("replicate", n)),) for n in (1, 2, 3)},
    **{("_" if "exact" in n else "") + n: (("_upsample", _upsample_is(n)),) for n in _UPSAMPLE},
    "mse_loss": ("_mse_loss",), "l1_loss": ("_l1_loss",), "smooth_l1_loss": ("_smooth_l1_loss",),
    "huber_loss": ("_huber_loss",), "nll_loss": ("_nll_loss",), "kl_div": ("_kl_div",),
    "cross_entropy_loss": ("_cross_entropy", "_cross_entropy_probs"),
    "binary_cross_entropy": ("_binary_cross_entropy",),
    "binary_cross_entropy_with_logits": ("_binary_cross_entropy_with_logits",),
    "soft_margin_loss": ("_soft_margin_loss",), "margin_ranking_loss": ("_margin_ranking_loss",),
    "hinge_embedding_loss": ("_hinge_embedding_loss",), "cosine_embedding_loss": ("_cosine_embedding_loss",),
    "poisson_nll_loss": ("_poisson_nll_loss",), "triplet_margin_loss": ("_triplet_margin_loss",),
    "multi_margin_loss": ("_multi_margin_loss",), "multilabel_margin_loss": ("_multilabel_margin_loss",),
    "ctc_loss": ("_ctc_loss",), "cosine_similarity": ("cosine_similarity",),
    "layer_norm": ("layer_norm",), "group_norm": ("group_norm",), "rms_norm": ("rms_norm",),
    "stack": ("_join",), "cat": ("_join",), "index_copy": ("_index_copy_kernel",),
    "index_put": ("_index_put_impl",), "scatter_add": (("_scatter_kernel", lambda o, a, k: _arg(o, a, k, "name")
                                                        == "scatter_add"),),
    "tensordot": ("_tensordot",), "cross": ("_cross",), "bilinear": ("bilinear",),
    **{n: (n,) for n in ("acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
                         "reciprocal", "rsqrt", "sinh", "tan", "softplus", "addcdiv", "addcmul", "atan2", "dot",
                         "vdot")},
    **{f"fft_{n}": ("_fft_c2c", "_fft_r2c", "_fft_c2r") for n in (
        "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
        "hfft", "ihfft")},
}

# torch ops outside the tables whose decomposition reaches a table op: torchax op -> policy, per device family
SURFACE = {
    "cpu": {"inner": "lower", "_tensordot": "lower", "_multi_dot": "lower",
            "_matrix_power": ("lower", _matrix_power_multiplies),
            "einsum": ("lower", _contracts), "_multi_head_attention": "lower", "_linalg_pinv": "fp32"},
    "cuda": {"inner": "promote", "normalize": "fp32", "trace": "fp32", "_gaussian_nll_loss": "fp32",
             "_cross_entropy": "fp32",
             "_cross_entropy_probs": "fp32", "_multilabel_soft_margin_loss": "fp32", "_multi_head_attention": "lower",
             "_matrix_power": ("lower", _matrix_power_multiplies)},
}

# public composites that check dtypes before reaching their registry op: the policy applies at the function itself
COMPOSITES = {"quantile": {"cpu": "fp32"}, "nanquantile": {"cpu": "fp32"}}


def build(table: dict, surface: dict, ops: dict) -> dict:
    """{torchax op name: policy, or a tuple of (policy, condition) pairs tried in order} for one device family."""
    entries = [(policy, entry) for policy, names in table.items() for aten in names for entry in IMPL.get(aten, ())]
    entries += [(p if isinstance(p, str) else p[0], name if isinstance(p, str) else (name, p[1]))
                for name, p in surface.items()]
    out: dict = {}
    for policy, entry in entries:
        name, cond = entry if isinstance(entry, tuple) else (entry, None)
        if name not in ops:
            continue
        if cond is None:
            out[name] = policy
        elif not isinstance(out.get(name), str):
            out[name] = out.get(name, ()) + ((policy, cond),)
    return out

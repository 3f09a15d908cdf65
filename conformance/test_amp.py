"""torch.autocast: output dtypes (and values) of ops under CPU autocast, the state API, decorators, custom_fwd/bwd,
the deprecated torch.cpu.amp / torch.cuda.amp aliases, and the CUDA policy table against torch's own header."""

import os
import re
import threading

import numpy as np
import pytest
import torch
from harness import conformance, tensor

import torchax

_RNG_SHAPES = dict(A=(4, 4), B=(4, 4), v=(4,), w=(4,), bA=(2, 4, 4), bB=(2, 4, 4), img=(1, 2, 6, 6), k2=(3, 2, 3, 3),
                   s1=(1, 2, 8), k1=(3, 2, 3), vol=(1, 2, 4, 4, 4), k3=(3, 2, 2, 2, 2), q=(1, 2, 4, 4), g=(1, 3, 3, 2),
                   pw=(1,))


def inputs(T, dtype):
    """The same named inputs in both libraries, in `dtype`."""
    dt = getattr(T, dtype)
    a = {k: tensor(T, s, seed=i, low=-1, high=1).to(dt) for i, (k, s) in enumerate(_RNG_SHAPES.items())}
    a["P"] = tensor(T, (4, 4), seed=30, low=0.1, high=0.9).to(dt)
    a["pos"] = tensor(T, (4, 4), seed=31, low=0.5, high=2.0).to(dt)
    m = np.random.default_rng(32).uniform(-1, 1, (4, 4)).astype(np.float32)
    a["spd"] = T.tensor(m @ m.T + 4 * np.eye(4, dtype=np.float32)).to(dt)
    a["tgt"] = T.tensor([0, 1, 2, 3])
    a["sign"] = T.tensor([1.0, -1.0, 1.0, -1.0]).to(dt)
    return a


def F(T):
    return T.nn.functional


# (id, input dtype, body): float32 inputs show the lower-precision casts, bfloat16 inputs the float32 ones
CASES = [
    ("mm", "float32", lambda T, a: T.mm(a["A"], a["B"])),
    ("matmul", "float32", lambda T, a: a["A"] @ a["B"]),
    ("matmul_vec", "float32", lambda T, a: T.matmul(a["v"], a["w"])),
    ("bmm", "float32", lambda T, a: T.bmm(a["bA"], a["bB"])),
    ("baddbmm", "float32", lambda T, a: T.baddbmm(a["bA"], a["bA"], a["bB"])),
    ("addmm", "float32", lambda T, a: T.addmm(a["A"], a["A"], a["B"])),
    ("addbmm", "float32", lambda T, a: a["A"].addbmm(a["bA"], a["bB"])),
    ("addmv", "float32", lambda T, a: T.addmv(a["v"], a["A"], a["w"])),
    ("addr", "float32", lambda T, a: T.addr(a["A"], a["v"], a["w"])),
    ("mv", "float32", lambda T, a: T.mv(a["A"], a["v"])),
    ("dot", "float32", lambda T, a: T.dot(a["v"], a["w"])),
    ("inner", "float32", lambda T, a: T.inner(a["A"], a["B"])),
    ("outer", "float32", lambda T, a: T.outer(a["v"], a["w"])),
    ("einsum_contract", "float32", lambda T, a: T.einsum("ij,jk->ik", a["A"], a["B"])),
    ("einsum_elementwise", "float32", lambda T, a: T.einsum("ij,ij->ij", a["A"], a["B"])),
    ("einsum_transpose", "float32", lambda T, a: T.einsum("ij->ji", a["A"])),
    ("tensordot", "float32", lambda T, a: T.tensordot(a["A"], a["B"], dims=1)),
    ("multi_dot", "float32", lambda T, a: T.linalg.multi_dot([a["A"], a["B"], a["A"]])),
    ("matrix_power_3", "float32", lambda T, a: T.linalg.matrix_power(a["A"], 3)),
    ("matrix_power_1", "float32", lambda T, a: T.linalg.matrix_power(a["A"], 1)),
    ("vecdot", "float32", lambda T, a: T.linalg.vecdot(a["A"], a["B"])),
    ("linear", "float32", lambda T, a: F(T).linear(a["A"], a["B"], a["v"])),
    ("bilinear", "float32", lambda T, a: F(T).bilinear(a["A"], a["B"], a["bA"])),
    ("kron", "float32", lambda T, a: T.kron(a["v"], a["w"])),
    ("conv1d", "float32", lambda T, a: F(T).conv1d(a["s1"], a["k1"])),
    ("conv2d", "float32", lambda T, a: F(T).conv2d(a["img"], a["k2"], padding=1)),
    ("conv3d", "float32", lambda T, a: F(T).conv3d(a["vol"], a["k3"])),
    ("conv_transpose2d", "float32", lambda T, a: F(T).conv_transpose2d(a["img"], a["k2"].transpose(0, 1))),
    ("prelu", "float32", lambda T, a: F(T).prelu(a["A"], a["pw"])),
    ("sdpa", "float32", lambda T, a: F(T).scaled_dot_product_attention(a["q"], a["q"], a["q"], is_causal=True)),
    ("add", "float32", lambda T, a: a["A"] + a["B"]),
    ("exp", "bfloat16", lambda T, a: T.exp(a["A"])),
    ("log", "bfloat16", lambda T, a: a["pos"].log()),
    ("pow", "bfloat16", lambda T, a: a["A"] ** 2),
    ("gelu", "bfloat16", lambda T, a: F(T).gelu(a["A"])),
    ("softplus", "bfloat16", lambda T, a: F(T).softplus(a["A"])),
    ("softmax", "bfloat16", lambda T, a: T.softmax(a["A"], -1)),
    ("log_softmax", "bfloat16", lambda T, a: F(T).log_softmax(a["A"], dim=-1)),
    ("sum", "bfloat16", lambda T, a: a["A"].sum()),
    ("mean", "bfloat16", lambda T, a: a["A"].mean(0)),
    ("prod", "bfloat16", lambda T, a: T.prod(a["A"])),
    ("prod_dim", "bfloat16", lambda T, a: a["A"].prod(0)),
    ("cumsum", "bfloat16", lambda T, a: T.cumsum(a["A"], 0)),
    ("logsumexp", "bfloat16", lambda T, a: T.logsumexp(a["A"], 1)),
    ("vector_norm", "bfloat16", lambda T, a: T.linalg.vector_norm(a["A"])),
    ("layer_norm", "bfloat16", lambda T, a: F(T).layer_norm(a["A"], (4,), a["v"], a["w"])),
    ("group_norm", "bfloat16", lambda T, a: F(T).group_norm(a["img"], 2)),
    ("normalize", "bfloat16", lambda T, a: F(T).normalize(a["A"])),
    ("cdist", "bfloat16", lambda T, a: T.cdist(a["A"], a["B"])),
    ("trace", "bfloat16", lambda T, a: T.trace(a["A"])),
    ("mse_loss", "bfloat16", lambda T, a: F(T).mse_loss(a["A"], a["B"])),
    ("l1_loss", "bfloat16", lambda T, a: F(T).l1_loss(a["A"], a["B"])),
    ("smooth_l1_loss", "bfloat16", lambda T, a: F(T).smooth_l1_loss(a["A"], a["B"])),
    ("huber_loss", "bfloat16", lambda T, a: F(T).huber_loss(a["A"], a["B"])),
    ("cross_entropy", "bfloat16", lambda T, a: F(T).cross_entropy(a["A"], a["tgt"])),
    ("cross_entropy_probs", "bfloat16", lambda T, a: F(T).cross_entropy(a["A"], a["P"])),
    ("nll_loss", "bfloat16", lambda T, a: F(T).nll_loss(a["A"], a["tgt"])),
    ("kl_div", "bfloat16", lambda T, a: F(T).kl_div(a["A"], a["P"], reduction="batchmean")),
    ("binary_cross_entropy", "bfloat16", lambda T, a: F(T).binary_cross_entropy(a["P"], a["P"])),
    ("bce_with_logits", "bfloat16", lambda T, a: F(T).binary_cross_entropy_with_logits(a["A"], a["P"])),
    ("soft_margin_loss", "bfloat16", lambda T, a: F(T).soft_margin_loss(a["v"], a["sign"])),
    ("hinge_embedding_loss", "bfloat16", lambda T, a: F(T).hinge_embedding_loss(a["v"], a["sign"])),
    ("margin_ranking_loss", "bfloat16", lambda T, a: F(T).margin_ranking_loss(a["v"], a["w"], a["sign"])),
    ("cosine_embedding_loss", "bfloat16", lambda T, a: F(T).cosine_embedding_loss(a["A"], a["B"], a["sign"])),
    ("poisson_nll_loss", "bfloat16", lambda T, a: F(T).poisson_nll_loss(a["A"], a["P"])),
    ("triplet_margin_loss", "bfloat16", lambda T, a: F(T).triplet_margin_loss(a["A"], a["B"], a["P"])),
    ("gaussian_nll_loss", "bfloat16", lambda T, a: F(T).gaussian_nll_loss(a["A"], a["B"], a["P"])),
    ("max_pool2d", "bfloat16", lambda T, a: F(T).max_pool2d(a["img"], 2)),
    ("avg_pool3d", "bfloat16", lambda T, a: F(T).avg_pool3d(a["vol"], 2)),
    ("max_pool3d", "bfloat16", lambda T, a: F(T).max_pool3d(a["vol"], 2)),
    ("adaptive_avg_pool3d", "bfloat16", lambda T, a: F(T).adaptive_avg_pool3d(a["vol"], 2)),
    ("pad_reflect_2d", "bfloat16", lambda T, a: F(T).pad(a["img"], (1, 1, 1, 1), mode="reflect")),
    ("pad_reflect_3d", "bfloat16", lambda T, a: F(T).pad(a["vol"], (1,) * 6, mode="reflect")),
    ("pad_replicate", "bfloat16", lambda T, a: F(T).pad(a["s1"], (1, 1), mode="replicate")),
    ("pad_constant", "bfloat16", lambda T, a: F(T).pad(a["img"], (1, 1, 1, 1))),
    ("interpolate", "bfloat16", lambda T, a: F(T).interpolate(a["img"], scale_factor=2.0, mode="bilinear")),
    ("grid_sample", "bfloat16", lambda T, a: F(T).grid_sample(a["img"], a["g"], align_corners=False)),
    ("inverse", "bfloat16", lambda T, a: T.inverse(a["spd"])),
    ("linalg_solve", "bfloat16", lambda T, a: T.linalg.solve(a["spd"], a["A"])),
    ("cholesky", "bfloat16", lambda T, a: T.linalg.cholesky(a["spd"])),
    ("svdvals", "bfloat16", lambda T, a: T.linalg.svdvals(a["spd"])),
    ("fft_rfft", "bfloat16", lambda T, a: T.fft.rfft(a["A"])),
    ("quantile", "bfloat16", lambda T, a: a["A"].quantile(0.5)),
    ("cat", "float32", lambda T, a: T.cat([a["A"], a["B"].bfloat16()])),
    ("stack_bf16", "bfloat16", lambda T, a: T.stack([a["A"], a["B"]])),
    ("index_copy", "float32", lambda T, a: a["A"].index_copy(0, T.tensor([0, 2]), a["B"][:2].bfloat16())),
    ("addcmul", "bfloat16", lambda T, a: T.addcmul(a["A"], a["B"], a["A"])),
    ("where", "bfloat16", lambda T, a: T.where(a["A"] > 0, a["A"], a["B"])),
    ("embedding", "float32", lambda T, a: F(T).embedding(a["tgt"], a["A"])),
]


@pytest.mark.parametrize("case", [c[0] for c in CASES])
@conformance()
def test_autocast_cpu_dtype(T, case):
    _, dtype, body = next(c for c in CASES if c[0] == case)
    a = inputs(T, dtype)
    with T.autocast("cpu"):
        return body(T, a)


@pytest.mark.parametrize("case", ["mm", "conv2d", "sdpa", "mse_loss", "softmax", "prod", "cross_entropy"])
@pytest.mark.parametrize("dtype", ["float16", "float64"])
@conformance()
def test_autocast_cpu_other_input_dtypes(T, case, dtype):
    """float16 inputs are cast like float32 ones; float64 inputs are never cast."""
    _, _, body = next(c for c in CASES if c[0] == case)
    a = inputs(T, dtype)
    with T.autocast("cpu"):
        return body(T, a)


@conformance(errors=True)
def test_autocast_promote_mixed_low_precision_raises(T):
    with T.autocast("cpu"):
        return T.cat([tensor(T, (2,)).half(), tensor(T, (2,)).bfloat16()])


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@conformance()
def test_autocast_cpu_dtype_argument(T, dtype):
    x, w = tensor(T, (3, 4)), tensor(T, (4, 2), seed=1)
    with T.autocast("cpu", dtype=getattr(T, dtype)):
        return x @ w, T.get_autocast_dtype("cpu"), T.is_autocast_enabled("cpu")


@conformance()
def test_autocast_mixed_and_untouched_inputs(T):
    x, w = tensor(T, (3, 4)), tensor(T, (4, 2), seed=1)
    i = T.tensor([[1, 2], [3, 4]])
    with T.autocast("cpu"):
        return (x @ w.bfloat16(), x.bfloat16() @ w, i @ i, F(T).mse_loss(x.double(), x.bfloat16()),
                x.double() @ w.double(), T.cat([x.bfloat16(), T.ones(3, 4, dtype=T.int64)]))


@conformance()
def test_autocast_nested_disable_and_state(T):
    x, w = tensor(T, (3, 4)), tensor(T, (4, 2), seed=1)
    out = [T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")]
    with T.autocast("cpu"):
        out += [(x @ w).dtype, T.is_autocast_enabled("cpu")]
        with T.autocast("cpu", enabled=False):
            out += [(x @ w).dtype, T.is_autocast_enabled("cpu")]
            with T.autocast(device_type="cpu", dtype=T.float16):
                out += [(x @ w).dtype, T.get_autocast_dtype("cpu")]
        out += [(x @ w).dtype, T.get_autocast_dtype("cpu"), T.is_autocast_cache_enabled()]
        with T.autocast("cpu", cache_enabled=False):
            out += [T.is_autocast_cache_enabled(), (x @ w).dtype]
    out += [(x @ w).dtype, T.is_autocast_enabled("cpu"), T.is_autocast_enabled(), T.is_autocast_enabled("cuda")]
    return out


@conformance()
def test_autocast_state_functions(T):
    x, w = tensor(T, (3, 4)), tensor(T, (4, 2), seed=1)
    out = [T.autocast_increment_nesting(), T.autocast_increment_nesting(), T.autocast_decrement_nesting(),
           T.autocast_decrement_nesting()]
    T.set_autocast_enabled("cpu", True)
    T.set_autocast_dtype("cpu", T.float16)
    try:
        out += [(x @ w).dtype, T.is_autocast_enabled("cpu")]
    finally:
        T.set_autocast_enabled("cpu", False)
        T.set_autocast_dtype("cpu", T.bfloat16)
    T.set_autocast_cache_enabled(False)
    out.append(T.is_autocast_cache_enabled())
    T.set_autocast_cache_enabled(True)
    T.clear_autocast_cache()
    out += [(x @ w).dtype, T.get_autocast_dtype("cuda"), T.get_autocast_dtype("xla"),
            T.amp.is_autocast_available("cpu"), T.amp.is_autocast_available("cuda"),
            T.amp.is_autocast_available("meta")]
    return out


@pytest.mark.parametrize("name,args", [
    ("get_autocast_cpu_dtype", ()), ("get_autocast_gpu_dtype", ()), ("is_autocast_cpu_enabled", ()),
    ("set_autocast_cpu_enabled", (False,)), ("set_autocast_cpu_dtype", ("bfloat16",)),
    ("get_autocast_xla_dtype", ()), ("is_autocast_xla_enabled", ())])
@conformance()
def test_autocast_deprecated_state_functions(T, name, args):
    args = tuple(getattr(T, a) if isinstance(a, str) else a for a in args)
    with pytest.warns(DeprecationWarning, match=r"is deprecated. Please use torch\."):
        return getattr(T, name)(*args)


@conformance()
def test_autocast_decorator(T):
    x, w = tensor(T, (3, 4)), tensor(T, (4, 2), seed=1)

    @T.autocast("cpu")
    def f(a, b):
        return a @ b, T.is_autocast_enabled("cpu")

    @T.amp.autocast("cpu", enabled=False)
    def g(a, b):
        return a @ b

    with T.autocast("cpu"):
        inner = g(x, w)
    return f(x, w), inner, (x @ w).dtype, f.__name__


@conformance()
def test_autocast_gradients_are_float32(T):
    x = tensor(T, (3, 4), grad=True)
    w = tensor(T, (4, 2), seed=1, grad=True)
    with T.autocast("cpu"):
        y = x @ w
        loss = F(T).mse_loss(y, tensor(T, (3, 2), seed=2))
    loss.backward()
    return y, loss, x.grad, w.grad, y.grad_fn.name(), [type(n[0]).__name__ for n in y.grad_fn.next_functions]


def test_autocast_is_thread_local():
    x = torchax.ones(2, 2)
    seen = {}
    with torchax.autocast("cpu"):
        t = threading.Thread(target=lambda: seen.update(d=(x @ x).dtype, on=torchax.is_autocast_enabled("cpu")))
        t.start()
        t.join()
        here = (x @ x).dtype
    assert (seen["d"], seen["on"], here) == (torchax.float32, False, torchax.bfloat16)
    assert torchax._registry._autocast[0] is None  # eager dispatch pays nothing once every region is closed


@conformance(errors=True)
def test_autocast_device_type_must_be_str(T):
    return T.autocast(T.device("cpu"))


@pytest.mark.parametrize("device_type", ["foo", "meta"])
@conformance(errors=True)
def test_autocast_bad_device_type(T, device_type):
    return T.autocast(device_type)


@conformance(errors=True)
def test_autocast_call_needs_callable(T):
    return T.autocast("cpu")(3)


@conformance()
def test_autocast_unsupported_dtype_disables(T):
    x = tensor(T, (2, 2))
    with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported"):
        ctx = T.autocast("cpu", dtype=T.float32)
    with ctx:
        return (x @ x).dtype, T.is_autocast_enabled("cpu")


needs_no_gpu = pytest.mark.skipif(torchax.cuda.is_available(), reason="torch here is CPU-only")


@needs_no_gpu
@conformance()
def test_autocast_cuda_without_cuda_warns_and_disables(T):
    x = tensor(T, (2, 2))
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
        ctx = T.autocast("cuda")
    with ctx:
        return (x @ x).dtype, T.is_autocast_enabled("cuda")


@needs_no_gpu
@conformance()
def test_cuda_amp_deprecated_aliases(T):
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.autocast\(args...\)` is deprecated"):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            a = T.cuda.amp.autocast()
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
        with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA is not available"):
            s = T.cuda.amp.GradScaler()
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s2 = T.amp.GradScaler()
    return a.device, a.fast_dtype, a._enabled, s.is_enabled(), s2.is_enabled(), s.state_dict()


@conformance()
def test_cpu_amp_deprecated_aliases(T):
    x = tensor(T, (2, 2))
    with pytest.warns(FutureWarning, match=r"`torch.cpu.amp.autocast\(args...\)` is deprecated"):
        ctx = T.cpu.amp.autocast()
    with ctx:
        y = x @ x
    with pytest.warns(FutureWarning, match=r"`torch.cpu.amp.GradScaler\(args...\)` is deprecated"):
        s = T.cpu.amp.GradScaler(init_scale=8.0)
    return y, s.is_enabled(), s.get_scale(), s.state_dict(), T.cpu.is_available()


@conformance()
def test_custom_fwd_bwd(T):
    class MyMM(T.autograd.Function):
        @staticmethod
        @T.amp.custom_fwd(device_type="cpu", cast_inputs=T.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.mm(b), T.is_autocast_enabled("cpu")

        @staticmethod
        @T.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad, _):
            a, b = ctx.saved_tensors
            return grad.mm(b.t()), (a.t().mm(grad), T.is_autocast_enabled("cpu"))[0]

    class Plain(T.autograd.Function):
        @staticmethod
        @T.amp.custom_fwd(device_type="cpu")
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.mm(b)

        @staticmethod
        @T.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):  # runs under autocast, as forward did: the mms are bfloat16
            a, b = ctx.saved_tensors
            return grad.mm(b.t()).float(), a.t().mm(grad).float()

    x = tensor(T, (3, 4), grad=True)
    w = tensor(T, (4, 2), seed=1, grad=True)
    with T.autocast("cpu"):
        y, on = MyMM.apply(x.detach().bfloat16(), w)  # cast_inputs: forward sees float32, autocast off
        z = Plain.apply(x, w)  # no cast_inputs: mm inside runs under autocast
    (y.sum() + z.float().sum()).backward()
    return y, on, z, x.grad, w.grad


def _header_lists():
    """torch's CUDA policy lists, read from the installed ATen header."""
    path = os.path.join(os.path.dirname(torch.__file__), "include", "ATen", "autocast_mode.h")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lists = {}
    for macro, key in (("AT_FORALL_LOWER_PRECISION_FP", "lower"), ("AT_FORALL_FP32", "fp32"),
                       ("AT_FORALL_FP32_SET_OPT_DTYPE", "fp32_set_opt_dtype"), ("AT_FORALL_PROMOTE", "promote")):
        body = re.search(rf"#define {macro}\(_\)(.*?)\n\n", text, re.S).group(1)
        lists[key] = sorted(set(re.findall(r"_\((\w+)", body)))
    return lists


def test_cuda_policy_table_is_torchs():
    """The CUDA table torchax uses equals torch 2.13's lists (the .h that ships with torch)."""
    from torchax.amp import _policy

    theirs = _header_lists()
    ours = {k: sorted(set(v) - {"cudnn_convolution", "cudnn_convolution_transpose", "_cudnn_rnn"})
            for k, v in _policy.CUDA.items() if k in theirs}
    assert ours == theirs


@pytest.mark.parametrize("name,policy", [
    ("matmul", "lower"), ("linear", "lower"), ("conv2d", "lower"), ("_scaled_dot_product_attention", "lower"),
    ("lstm_cell", "lower"), ("_rnn_layers", "lower"), ("exp", "fp32"), ("_pow", "fp32"), ("layer_norm", "fp32"),
    ("_mse_loss", "fp32"), ("_nll_loss", "fp32"), ("logsumexp", "fp32"), ("softmax", "fp32_set_opt_dtype"),
    ("_sum", "fp32_set_opt_dtype"), ("cumsum", "fp32_set_opt_dtype"), ("_linalg_vector_norm", "fp32_set_opt_dtype"),
    ("addcmul", "promote"), ("_index_put_impl", "promote"), ("_binary_cross_entropy", "banned"), ("_mean", None),
    ("relu", None)])
def test_cuda_policy_of_torchax_ops(name, policy):
    """torchax's registry ops carry the CUDA policy of the aten op they implement."""
    from torchax.amp import _state

    assert _state.policy_for("cuda", name) == policy
    assert (torchax._registry.OPS[name].autocast is None) == (policy is None and _state.policy_for("cpu", name) is None)

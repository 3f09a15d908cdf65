"""Conformance: every loss of torch.nn (functional, top-level and module forms): values, gradients, errors."""

import math

import numpy as np
import pytest
from harness import conformance, message, tensor

REDUCTIONS = ["none", "mean", "sum"]
F32 = "float32"
S = (3, 4)  # (batch, classes) of most cases: shared shapes keep the number of compiled kernels small


def x(T, dt, seed=0, shape=S, low=-2.0, high=2.0, grad=True):
    return tensor(T, shape, dtype=dt, seed=seed, low=low, high=high, grad=grad)


def prob(T, dt, seed=1, shape=S, grad=True):
    """Values in (0, 1): BCE inputs and targets, KL targets."""
    return x(T, dt, seed, shape, 0.05, 0.95, grad)


def dist(T, dt, seed=1, shape=S, grad=True):
    """Rows (along dim 1) that sum to one: class-probability targets."""
    p = np.exp(np.random.default_rng(seed).uniform(-1, 1, shape))
    t = T.tensor(p / p.sum(axis=1, keepdims=True)).to(getattr(T, dt))
    return t.requires_grad_(grad)


def counts(T, dt):
    """Poisson targets in (0.15, 2.85): some below and some above 1 (Stirling's term applies above 1)."""
    return (prob(T, dt, grad=False) * 3).requires_grad_(True)


def labels(T, values):
    return T.tensor(np.array(values, np.int64))


def signs(T, dt, values):
    return T.tensor(np.array(values, np.float64)).to(getattr(T, dt))


def F(T):
    return T.nn.functional


PM = [[1, -1, 1, -1], [-1, -1, 1, 1], [1, 1, -1, 1]]  # ±1 targets of shape S


def _ctc_inputs(T, dt, grad=True):
    lp = x(T, dt, seed=5, shape=(6, 3, 5), grad=False).log_softmax(2).detach().requires_grad_(grad)
    return lp, labels(T, [[1, 2, 2, 4], [3, 3, 1, 0], [1, 0, 0, 0]])


# name -> (combos, body(T, dtype, reduction) returning (loss, leaves whose gradients torch gives)); combos: n/m/s =
# float32 with reduction none/mean/sum, d = float64 mean. Every combo compiles its own kernels (~0.2 s each, 1.4 s
# for CTC), so 'none' (which checks every element and its gradient) runs for all and the rest where they differ.
CASES = {
    "mse": ("n m s d", lambda T, d, r: _two(T, d, F(T).mse_loss, reduction=r)),
    "mse-weight": ("n m s", lambda T, d, r: _weighted(T, d, F(T).mse_loss, reduction=r)),
    "l1": ("n", lambda T, d, r: _two(T, d, F(T).l1_loss, reduction=r)),
    "l1-weight": ("n m", lambda T, d, r: _weighted(T, d, F(T).l1_loss, reduction=r)),
    "smooth_l1": ("n s", lambda T, d, r: _two(T, d, F(T).smooth_l1_loss, reduction=r)),
    "smooth_l1-beta0.5": ("n", lambda T, d, r: _two(T, d, F(T).smooth_l1_loss, reduction=r, beta=0.5)),
    "smooth_l1-beta0": ("n", lambda T, d, r: _two(T, d, F(T).smooth_l1_loss, reduction=r, beta=0.0)),
    "huber": ("n", lambda T, d, r: _two(T, d, F(T).huber_loss, reduction=r)),
    "huber-delta0.5": ("n", lambda T, d, r: _two(T, d, F(T).huber_loss, reduction=r, delta=0.5)),
    "huber-weight": ("n m", lambda T, d, r: _weighted(T, d, F(T).huber_loss, reduction=r, delta=0.7)),
    "soft_margin": ("n", lambda T, d, r: _with_target(T, d, F(T).soft_margin_loss, signs(T, d, PM), reduction=r)),
    "kl_div": ("n m d", lambda T, d, r: _two(T, d, F(T).kl_div, b=prob(T, d), reduction=_batchmean(r))),
    "kl_div-log_target": ("n", lambda T, d, r: _two(T, d, F(T).kl_div, reduction=_batchmean(r), log_target=True)),
    "poisson_nll": ("n", lambda T, d, r: _two(T, d, F(T).poisson_nll_loss, b=counts(T, d), reduction=r)),
    "poisson_nll-full": ("n d", lambda T, d, r: _two(T, d, F(T).poisson_nll_loss, b=counts(T, d), reduction=r,
                                                     full=True)),
    "poisson_nll-linear": ("n", lambda T, d, r: _two(T, d, F(T).poisson_nll_loss, a=prob(T, d, seed=2),
                                               b=counts(T, d), reduction=r, log_input=False, eps=0.1)),
    "gaussian_nll": ("n d", lambda T, d, r: _gauss(T, d, S, reduction=r)),
    "gaussian_nll-full-eps": ("n", lambda T, d, r: _gauss(T, d, S, reduction=r, full=True, eps=0.3)),
    "gaussian_nll-var(3,1)": ("n", lambda T, d, r: _gauss(T, d, (3, 1), reduction=r)),
    "gaussian_nll-var(3,)": ("n", lambda T, d, r: _gauss(T, d, (3,), reduction=r)),
    "gaussian_nll-var(1,4)": ("n", lambda T, d, r: _gauss(T, d, (1, 4), reduction=r)),
    "gaussian_nll-float-var": ("n", lambda T, d, r: _two(T, d, lambda a, b, **k: F(T).gaussian_nll_loss(a, b, 0.7, **k),
                                                   reduction=r)),
    "bce": ("n m d", lambda T, d, r: _two(T, d, F(T).binary_cross_entropy, a=prob(T, d, seed=2), b=prob(T, d),
                                          reduction=r)),
    "bce-weight": ("n", lambda T, d, r: _bce_weight(T, d, r)),
    "bce-edges": ("n", lambda T, d, r: _bce_edges(T, d, r)),
    "bce_logits": ("n d", lambda T, d, r: _two(T, d, F(T).binary_cross_entropy_with_logits, b=prob(T, d), reduction=r)),
    "bce_logits-weights": ("n m", lambda T, d, r: _bce_logits(T, d, r)),
    "bce_logits-large": ("n", lambda T, d, r: _two(T, d, F(T).binary_cross_entropy_with_logits,
                                                   a=x(T, d, low=-120.0, high=120.0),
                                             b=prob(T, d), reduction=r)),
    "multilabel_soft_margin": ("n m", lambda T, d, r: _two(T, d, F(T).multilabel_soft_margin_loss, b=prob(T, d),
                                                   reduction=r)),
    "multilabel_soft_margin-weight": ("n", lambda T, d, r: _mlsm_weight(T, d, r)),
    "ce": ("n m s d", lambda T, d, r: _ce(T, d, labels(T, [0, 3, 1]), reduction=r)),
    "ce-weight-ignore": ("n m s", lambda T, d, r: _ce(T, d, labels(T, [0, -100, 1]), w=True, reduction=r)),
    "ce-ignore3": ("m", lambda T, d, r: _ce(T, d, labels(T, [2, 3, 3]), reduction=r, ignore_index=3)),
    "ce-smooth": ("n m", lambda T, d, r: _ce(T, d, labels(T, [0, 3, 1]), reduction=r, label_smoothing=0.2)),
    "ce-smooth-weight-ignore": ("n m s d", lambda T, d, r: _ce(T, d, labels(T, [2, 1, 3]), w=True, reduction=r,
                                                   label_smoothing=0.3, ignore_index=1)),
    "ce-probs": ("n m", lambda T, d, r: _ce(T, d, dist(T, d), reduction=r)),
    "ce-probs-weight-smooth": ("n m", lambda T, d, r: _ce(T, d, dist(T, d), w=True, reduction=r, label_smoothing=0.25)),
    "ce-3d": ("n m", lambda T, d, r: _ce(T, d, labels(T, [[0, 3, 2], [1, 1, 0]]), shape=(2, 4, 3), w=True,
                                         reduction=r)),
    "ce-4d-smooth": ("n m", lambda T, d, r: _ce(T, d, labels(T, [[[0, 3], [2, -100], [1, 1]],
                                                                 [[3, 3], [0, 2], [1, 0]]]),
                                        shape=(2, 4, 3, 2), w=True, reduction=r, label_smoothing=0.1)),
    "ce-3d-probs": ("m", lambda T, d, r: _ce(T, d, dist(T, d, shape=(2, 4, 3)), shape=(2, 4, 3), reduction=r)),
    "ce-unbatched": ("n m", lambda T, d, r: _ce(T, d, labels(T, 2), shape=(4,), reduction=r, label_smoothing=0.1)),
    "ce-unbatched-probs": ("m", lambda T, d, r: _ce(T, d, dist(T, d, shape=(1, 4))[0].detach(), shape=(4,),
                                                    reduction=r)),
    "nll": ("n m", lambda T, d, r: _nll(T, d, labels(T, [0, 3, 1]), reduction=r)),
    "nll-weight-ignore": ("n m", lambda T, d, r: _nll(T, d, labels(T, [0, -100, 1]), w=True, reduction=r)),
    "nll-4d": ("n m", lambda T, d, r: _nll(T, d, labels(T, [[[0, 3], [2, 7], [1, 1]], [[3, 3], [0, 2], [1, 0]]]),
                                   shape=(2, 4, 3, 2), reduction=r, ignore_index=7)),
    "nll-unbatched": ("m", lambda T, d, r: _nll(T, d, labels(T, 3), shape=(4,), w=True, reduction=r)),
    "hinge_embedding": ("n", lambda T, d, r: _with_target(T, d, F(T).hinge_embedding_loss, signs(T, d, PM),
                                                          reduction=r)),
    "hinge_embedding-margin": ("n", lambda T, d, r: _with_target(T, d, F(T).hinge_embedding_loss, signs(T, d, PM),
                                                           reduction=r, margin=0.5)),
    "margin_ranking": ("n d", lambda T, d, r: _three(T, d, F(T).margin_ranking_loss, signs(T, d, [1, -1, 1]), (3,),
                                             reduction=r)),
    "margin_ranking-margin": ("n", lambda T, d, r: _three(T, d, F(T).margin_ranking_loss, signs(T, d, [1, -1, 1]), (3,),
                                                    reduction=r, margin=0.5)),
    "triplet": ("n d", lambda T, d, r: _three(T, d, F(T).triplet_margin_loss, None, S, reduction=r)),
    "triplet-p1-swap": ("n", lambda T, d, r: _three(T, d, F(T).triplet_margin_loss, None, S, reduction=r, p=1,
                                                    swap=True,
                                              margin=2.0)),
    "triplet-p3-eps": ("n", lambda T, d, r: _three(T, d, F(T).triplet_margin_loss, None, S, reduction=r, p=3, eps=0.1)),
    "triplet-pinf-1d": ("n", lambda T, d, r: _three(T, d, F(T).triplet_margin_loss, None, (4,), reduction=r,
                                              p=math.inf, margin=3.0)),
    "triplet_distance": ("n", lambda T, d, r: _three(T, d, F(T).triplet_margin_with_distance_loss, None, S,
                                                     reduction=r)),
    "triplet_distance-l1-swap": ("n", lambda T, d, r: _three(
        T, d, F(T).triplet_margin_with_distance_loss, None, S, reduction=r, swap=True, margin=2.5,
        distance_function=lambda a, b: (a - b).abs().sum(-1))),
    "cosine_embedding": ("n d", lambda T, d, r: _cos(T, d, signs(T, d, [1, -1, -1]), S, reduction=r)),
    "cosine_embedding-margin": ("n", lambda T, d, r: _cos(T, d, signs(T, d, [1, -1, -1]), S, reduction=r, margin=-0.3)),
    "cosine_embedding-1d": ("n", lambda T, d, r: _cos(T, d, signs(T, d, -1), (4,), reduction=r, margin=-0.5)),
    "multi_margin": ("n m d", lambda T, d, r: _mm(T, d, labels(T, [0, 3, 1]), reduction=r)),
    "multi_margin-p2-margin": ("n", lambda T, d, r: _mm(T, d, labels(T, [2, 3, 1]), reduction=r, p=2, margin=2.0)),
    "multi_margin-weight": ("n m", lambda T, d, r: _mm(T, d, labels(T, [0, 3, 1]), w=True, reduction=r, p=2)),
    "multi_margin-unbatched": ("n", lambda T, d, r: _mm(T, d, labels(T, 2), shape=(4,), reduction=r, margin=3.0)),
    "multilabel_margin": ("n m", lambda T, d, r: _mlm(T, d, [[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]], S, r)),
    "multilabel_margin-unbatched": ("n", lambda T, d, r: _mlm(T, d, [3, 3, -1, 1], (4,), r)),
    "ctc": ("n m d", lambda T, d, r: _ctc(T, d, r, (6, 4, 5), (4, 3, 0))),
    "ctc-infeasible": ("n", lambda T, d, r: _ctc(T, d, r, (6, 2, 5), (4, 3, 0))),
    "ctc-zero_infinity-blank2": ("n m", lambda T, d, r: _ctc(T, d, r, (6, 2, 5), (4, 2, 1), blank=2,
                                                             zero_infinity=True)),
    "ctc-concatenated": ("m", lambda T, d, r: _ctc(T, d, r, (6, 4, 5), (4, 3, 0), concat=True)),
    "ctc-unbatched": ("n", lambda T, d, r: _ctc(T, d, r, 5, 3, unbatched=True)),
}


def _batchmean(r):
    return "batchmean" if r == "mean" else r  # 'mean' warns (test_kl_div_mean_warns)


def _two(T, d, fn, a=None, b=None, **kw):
    a = x(T, d) if a is None else a
    b = x(T, d, seed=1) if b is None else b
    return fn(a, b, **kw), [a, b]


def _weighted(T, d, fn, **kw):
    a, b, w = x(T, d), x(T, d, seed=1), prob(T, d, seed=3)
    return fn(a, b, weight=w, **kw), [a, b, w]


def _with_target(T, d, fn, target, **kw):
    a = x(T, d)
    return fn(a, target, **kw), [a]


def _gauss(T, d, var_shape, **kw):
    a, b, v = x(T, d), x(T, d, seed=1), prob(T, d, seed=3, shape=var_shape)
    return F(T).gaussian_nll_loss(a, b, v, **kw), [a, b, v]


def _bce_weight(T, d, r):
    a, b, w = prob(T, d, seed=2), prob(T, d), prob(T, d, seed=3, shape=(4,), grad=False)
    return F(T).binary_cross_entropy(a, b, w, reduction=r), [a, b]


def _bce_edges(T, d, r):
    """Inputs of exactly 0 and 1: torch clamps each log at -100 (and its gradient formula divides by 1e-12)."""
    a = signs(T, d, [[0.0, 1.0, 0.5, 1.0], [0.0, 0.2, 1.0, 0.0], [0.3, 0.0, 1.0, 0.9]]).requires_grad_(True)
    b = signs(T, d, [[0.3, 0.6, 1.0, 1.0], [0.0, 1.0, 0.0, 0.5], [0.5, 0.5, 0.5, 0.5]]).requires_grad_(True)
    return F(T).binary_cross_entropy(a, b, reduction=r), [a, b]


def _bce_logits(T, d, r):
    a, b = x(T, d), prob(T, d)
    w, pw = prob(T, d, seed=3, shape=(3, 1), grad=False), prob(T, d, seed=4, shape=(4,), grad=False) * 3
    return F(T).binary_cross_entropy_with_logits(a, b, w, reduction=r, pos_weight=pw), [a, b]


def _mlsm_weight(T, d, r):
    a, b, w = x(T, d), prob(T, d), prob(T, d, seed=3, shape=(4,))
    return F(T).multilabel_soft_margin_loss(a, b, w, reduction=r), [a, b, w]


def _class_weight(T, d, w):
    return prob(T, d, seed=3, shape=(4,), grad=False) if w else None


def _ce(T, d, target, shape=S, w=False, **kw):
    a = x(T, d, shape=shape)
    target = target.to(getattr(T, d)).requires_grad_(True) if target.is_floating_point() else target
    loss = F(T).cross_entropy(a, target, _class_weight(T, d, w), **kw)
    return loss, [a] + ([target] if target.is_floating_point() else [])


def _nll(T, d, target, shape=S, w=False, **kw):
    a = x(T, d, shape=shape)
    return F(T).nll_loss(a, target, _class_weight(T, d, w), **kw), [a]


def _three(T, d, fn, target, shape, **kw):
    a, b = x(T, d, shape=shape), x(T, d, seed=1, shape=shape)
    if target is None:
        c = x(T, d, seed=2, shape=shape)
        return fn(a, b, c, **kw), [a, b, c]
    target.requires_grad_(True)
    return fn(a, b, target, **kw), [a, b, target]


def _cos(T, d, target, shape, **kw):
    a, b = x(T, d, shape=shape), x(T, d, seed=1, shape=shape)
    return F(T).cosine_embedding_loss(a, b, target, **kw), [a, b]


def _mm(T, d, target, shape=S, w=False, **kw):
    a = x(T, d, shape=shape)
    return F(T).multi_margin_loss(a, target, weight=_class_weight(T, d, w), **kw), [a]


def _mlm(T, d, target, shape, r):
    a = x(T, d, shape=shape)
    return F(T).multilabel_margin_loss(a, labels(T, target), reduction=r), [a]


def _ctc(T, d, r, input_lengths, target_lengths, concat=False, unbatched=False, **kw):
    lp, targets = _ctc_inputs(T, d)
    if unbatched:
        lp = lp[:, 0].detach().requires_grad_(True)
        loss = F(T).ctc_loss(lp, targets[0, :target_lengths], labels(T, input_lengths), labels(T, target_lengths),
                             reduction=r, **kw)
        return loss, [lp]
    if concat:  # 1-D concatenated targets, lengths as tuples
        flat = labels(T, [v for row, n in zip([[1, 2, 2, 4], [3, 3, 1, 0], [1, 0, 0, 0]], target_lengths)
                          for v in row[:n]])
        return F(T).ctc_loss(lp, flat, input_lengths, target_lengths, reduction=r, **kw), [lp]
    return F(T).ctc_loss(lp, targets, labels(T, input_lengths), labels(T, target_lengths), reduction=r, **kw), [lp]


def _cotangent(T, loss):
    """A non-uniform upstream gradient (a plain sum would hide scale errors in 'none')."""
    n = max(loss.numel(), 1)
    return T.tensor(np.linspace(0.5, 1.5, n).reshape(tuple(loss.shape))).to(loss.dtype)


_COMBOS = {"n": ("float32", "none"), "m": ("float32", "mean"), "s": ("float32", "sum"), "d": ("float64", "mean")}
LOSS_PARAMS = [(case, *_COMBOS[c]) for case, (combos, _) in CASES.items() for c in combos.split()]


@pytest.mark.parametrize("case,dtype,reduction", LOSS_PARAMS, ids=["-".join(p) for p in LOSS_PARAMS])
@conformance()
def test_loss(T, case, dtype, reduction):
    loss, leaves = CASES[case][1](T, dtype, reduction)
    (loss * _cotangent(T, loss)).sum().backward()
    return loss, [t.grad for t in leaves], loss.grad_fn.name()  # torch's name: many losses are composites there


# --- top-level torch.<loss> (the reduction is torch's enum: 0 none, 1 mean, 2 sum) ------------------------------


@conformance()
def test_toplevel(T):
    a, b, c, p = x(T, "float32"), x(T, "float32", seed=1), x(T, "float32", seed=2), prob(T, "float32")
    w, pw = prob(T, "float32", seed=3, shape=(3, 1), grad=False), prob(T, "float32", seed=4, shape=(4,), grad=False)
    lp, targets = _ctc_inputs(T, "float32")
    out = [
        T.binary_cross_entropy_with_logits(a, p, w, pw * 3, 1),
        T.kl_div(a, b, 0, log_target=True),
        T.kl_div(a, p, 2),
        T.hinge_embedding_loss(a, signs(T, "float32", PM), 0.5, 0),
        T.margin_ranking_loss(a[0], b[0], signs(T, "float32", [1, -1, 1, 1]), 0.5, 0),
        T.triplet_margin_loss(a, b, c, 2.0, 1, 1e-6, True, 0),
        T.cosine_embedding_loss(a, b, signs(T, "float32", [1, -1, -1]), 0.0, 0),
        T.poisson_nll_loss(a, p, True, False, 1e-8, 0),
        T.ctc_loss(lp, targets, labels(T, [6, 4, 5]), labels(T, [4, 3, 0]), 0, 1, False),
        T.ctc_loss(lp, targets, [6, 4, 5], [4, 3, 0]),
    ]
    sum(o.sum() for o in out).backward()
    mismatch = message(lambda: T.binary_cross_entropy_with_logits(a, p[0], reduction=0), "output with shape [4]")
    # omitted, the enum acts as 0 (none) in torch 2.13, whatever the signature says
    defaults = [T.binary_cross_entropy_with_logits(a[0], p), T.kl_div(a, p),
                T.hinge_embedding_loss(a, signs(T, "float32", PM)),
                T.triplet_margin_loss(a, b, c), T.binary_cross_entropy_with_logits(a, p)]
    return out, a.grad, b.grad, c.grad, lp.grad, mismatch, defaults


# --- dtypes ---------------------------------------------------------------------------------------------------------

DTYPE_CASES = {
    "mse-f32-f64": lambda T: F(T).mse_loss(x(T, "float32"), x(T, "float64")),
    "mse-f32-int": lambda T: F(T).mse_loss(x(T, "float32"), labels(T, PM)),
    "l1-f64-f32": lambda T: F(T).l1_loss(x(T, "float64"), x(T, "float32"), reduction="sum"),
    "smooth_l1-f32-bool": lambda T: F(T).smooth_l1_loss(x(T, "float32"), T.tensor(np.array(PM) > 0)),
    "huber-f32-f64": lambda T: F(T).huber_loss(x(T, "float32"), x(T, "float64")),
    "soft_margin-f64-f32": lambda T: F(T).soft_margin_loss(x(T, "float64"), signs(T, "float32", PM)),
    "kl_div-f32-f64": lambda T: F(T).kl_div(x(T, "float32"), prob(T, "float64"), reduction="sum"),
    "poisson-int-int": lambda T: F(T).poisson_nll_loss(labels(T, PM), labels(T, PM)),
    "bce_logits-f64-f32": lambda T: F(T).binary_cross_entropy_with_logits(x(T, "float64"), prob(T, "float32")),
    "ce-probs-f32-f64": lambda T: F(T).cross_entropy(x(T, "float32"), dist(T, "float64")),
    "ce-uint8-target": lambda T: F(T).cross_entropy(x(T, "float32"), labels(T, [0, 3, 1]).to(T.uint8)),
    "hinge-f32-int": lambda T: F(T).hinge_embedding_loss(x(T, "float32"), labels(T, PM)),
    "margin_ranking-int-target": lambda T: F(T).margin_ranking_loss(x(T, "float32")[0], x(T, "float32")[1],
                                                                    labels(T, PM[0])),
    "gaussian-f64-var": lambda T: F(T).gaussian_nll_loss(x(T, "float32"), x(T, "float32"), prob(T, "float64")),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
@conformance()
def test_result_dtype(T, name):
    return DTYPE_CASES[name](T)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@conformance()
def test_half_precision(T, dtype):
    a = x(T, F32, grad=False).to(getattr(T, dtype)).requires_grad_(True)
    p = prob(T, F32, grad=False).to(getattr(T, dtype))
    out = [F(T).mse_loss(a, p), F(T).cross_entropy(a, labels(T, [0, 3, 1]), label_smoothing=0.1)]
    sum(out).backward()
    return out, a.grad


@conformance()
def test_double_backward(T):
    """Gradients of gradients (create_graph=True) through the loss kernels (bce through torch's own formulas)."""
    a, p, q = x(T, "float64"), prob(T, "float64", seed=2), prob(T, "float64")
    losses = [F(T).cross_entropy(a, labels(T, [0, 3, 1])), F(T).binary_cross_entropy(p, q)]
    out = []
    for loss, leaf in zip(losses, [a, p]):
        (g,) = T.autograd.grad(loss, [leaf], create_graph=True)
        out.append(T.autograd.grad((g * g).sum(), [leaf]))
    return out


# --- modules ----------------------------------------------------------------------------------------------------


def _w4(T):
    return prob(T, F32, seed=3, shape=(4,), grad=False)


MODULES = {  # name -> (module(T), inputs(T) -> (args, leaves)); configs match CASES so kernels are shared
    "MSELoss": (lambda T: T.nn.MSELoss(reduction="sum"), lambda T: _args(x(T, F32), x(T, F32, seed=1))),
    "L1Loss": (lambda T: T.nn.L1Loss(reduction="none"), lambda T: _args(x(T, F32), x(T, F32, seed=1))),
    "SmoothL1Loss": (lambda T: T.nn.SmoothL1Loss(reduction="none", beta=0.5),
                     lambda T: _args(x(T, F32), x(T, F32, seed=1))),
    "HuberLoss": (lambda T: T.nn.HuberLoss(reduction="none", delta=0.5), lambda T: _args(x(T, F32), x(T, F32, seed=1))),
    "SoftMarginLoss": (lambda T: T.nn.SoftMarginLoss(reduction="none"), lambda T: _args(x(T, F32), signs(T, F32, PM))),
    "KLDivLoss": (lambda T: T.nn.KLDivLoss(reduction="batchmean"), lambda T: _args(x(T, F32), prob(T, F32))),
    "KLDivLoss-log_target": (lambda T: T.nn.KLDivLoss(reduction="none", log_target=True),
                             lambda T: _args(x(T, F32), x(T, F32, seed=1))),
    "PoissonNLLLoss": (lambda T: T.nn.PoissonNLLLoss(full=True, reduction="none"),
                       lambda T: _args(x(T, F32), counts(T, F32))),
    "GaussianNLLLoss": (lambda T: T.nn.GaussianNLLLoss(full=True, eps=0.3, reduction="none"),
                        lambda T: _args(x(T, F32), x(T, F32, seed=1), prob(T, F32, seed=3))),
    "NLLLoss": (lambda T: T.nn.NLLLoss(weight=_w4(T), reduction="mean"),
                lambda T: _args(x(T, F32), labels(T, [0, -100, 1]))),
    "CrossEntropyLoss": (lambda T: T.nn.CrossEntropyLoss(weight=_w4(T), ignore_index=1, label_smoothing=0.3),
                         lambda T: _args(x(T, F32), labels(T, [2, 1, 3]))),
    "CrossEntropyLoss-probs": (lambda T: T.nn.CrossEntropyLoss(), lambda T: _args(x(T, F32), dist(T, F32))),
    "BCELoss": (lambda T: T.nn.BCELoss(weight=_w4(T), reduction="none"),
                lambda T: _args(prob(T, F32, seed=2), prob(T, F32))),
    "BCEWithLogitsLoss": (lambda T: T.nn.BCEWithLogitsLoss(weight=prob(T, F32, seed=3, shape=(3, 1), grad=False),
                                                           pos_weight=_w4(T) * 3),
                          lambda T: _args(x(T, F32), prob(T, F32))),
    "MultiLabelSoftMarginLoss": (lambda T: T.nn.MultiLabelSoftMarginLoss(weight=_w4(T), reduction="none"),
                                 lambda T: _args(x(T, F32), prob(T, F32))),
    "HingeEmbeddingLoss": (lambda T: T.nn.HingeEmbeddingLoss(margin=0.5, reduction="none"),
                           lambda T: _args(x(T, F32), signs(T, F32, PM))),
    "MultiLabelMarginLoss": (lambda T: T.nn.MultiLabelMarginLoss(),
                             lambda T: _args(x(T, F32), labels(T, [[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]]))),
    "CosineEmbeddingLoss": (lambda T: T.nn.CosineEmbeddingLoss(margin=-0.3, reduction="none"),
                            lambda T: _args(x(T, F32), x(T, F32, seed=1), signs(T, F32, [1, -1, -1]))),
    "MarginRankingLoss": (lambda T: T.nn.MarginRankingLoss(margin=0.5, reduction="none"),
                          lambda T: _args(x(T, F32, shape=(3,)), x(T, F32, seed=1, shape=(3,)),
                                          signs(T, F32, [1, -1, 1]))),
    "MultiMarginLoss": (lambda T: T.nn.MultiMarginLoss(p=2, weight=_w4(T)),
                        lambda T: _args(x(T, F32), labels(T, [0, 3, 1]))),
    "TripletMarginLoss": (lambda T: T.nn.TripletMarginLoss(margin=2.0, p=1, swap=True, reduction="none"),
                          lambda T: _args(x(T, F32), x(T, F32, seed=1), x(T, F32, seed=2))),
    "TripletMarginWithDistanceLoss": (lambda T: T.nn.TripletMarginWithDistanceLoss(reduction="none"),
                                      lambda T: _args(x(T, F32), x(T, F32, seed=1), x(T, F32, seed=2))),
    "CTCLoss": (lambda T: T.nn.CTCLoss(blank=2, zero_infinity=True),
                lambda T: _args(*_ctc_inputs(T, F32), labels(T, [6, 2, 5]), labels(T, [4, 2, 1]))),
}


def _args(*args):
    return args, [a for a in args if a.requires_grad]


@pytest.mark.parametrize("name", list(MODULES))
@conformance()
def test_module(T, name):
    make, inputs = MODULES[name]
    m = make(T)
    args, leaves = inputs(T)
    loss = m(*args)
    (loss * _cotangent(T, loss)).sum().backward()
    buffers = {k: v for k, v in m.state_dict().items()}
    return loss, [t.grad for t in leaves], repr(m), buffers, m.reduction, m.training, loss.grad_fn.name()


@conformance()
def test_module_weight_buffer_follows_dtype(T):
    m = T.nn.CrossEntropyLoss(weight=_w4(T)).double()
    return m.weight, m(x(T, "float64"), labels(T, [0, 3, 1])), list(m.buffers())


@conformance()
def test_module_constructor_errors(T):
    return (message(lambda: T.nn.TripletMarginLoss(margin=0.0), "expected margin to be greater than 0"),
            message(lambda: T.nn.TripletMarginWithDistanceLoss(margin=-1.0), "expected margin to be greater than 0"),
            message(lambda: T.nn.MultiMarginLoss(p=3), "only p == 1 and p == 2 supported"),
            message(lambda: T.nn.MultiMarginLoss(weight=T.ones(2, 2)), "expected weight to be None or 1D tensor"),
            message(lambda: T.nn.HuberLoss(delta="1"), "delta must be a float or int"))

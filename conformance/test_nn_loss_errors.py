"""Conformance: the losses' argument handling: legacy size_average/reduce, reduction strings, warnings, errors."""

import numpy as np
import pytest
from harness import conformance, message
from test_nn_loss import F32, PM, F, _ctc_inputs, dist, labels, prob, signs, x

# --- legacy arguments, reduction strings, warnings ----------------------------------------------------------------

LEGACY = [(None, False), (False, None), (True, True), (False, False), (True, None)]


@pytest.mark.parametrize("size_average,reduce", LEGACY)
@conformance()
def test_legacy_size_average_reduce(T, size_average, reduce):
    """torch maps the deprecated flags to a reduction and warns naming it (functional and module forms)."""
    a, b, p, q = x(T, "float32"), x(T, "float32", seed=1), prob(T, "float32", seed=2), prob(T, "float32")
    kw = {"size_average": size_average, "reduce": reduce}
    match = "size_average and reduce args will be deprecated"
    with pytest.warns(UserWarning, match=match):
        mse = F(T).mse_loss(a, b, **kw)
    with pytest.warns(UserWarning, match=match):
        nll = F(T).nll_loss(a, labels(T, [0, 3, 1]), **kw)
    with pytest.warns(UserWarning, match=match):
        bce = F(T).binary_cross_entropy(p, q, **kw)
    with pytest.warns(UserWarning, match=match):
        kl = F(T).kl_div(a, q, **kw)
    with pytest.warns(UserWarning, match=match):
        module = T.nn.CrossEntropyLoss(**kw)
    return mse, nll, bce, kl, module.reduction, module(a, labels(T, [0, 3, 1]))


BAD_REDUCTION = {
    "mse": lambda T: F(T).mse_loss(x(T, "float32"), x(T, "float32"), reduction="foo"),
    "mse-weight": lambda T: F(T).mse_loss(x(T, "float32"), x(T, "float32"), reduction="foo",
                                          weight=x(T, "float32")),
    "l1": lambda T: F(T).l1_loss(x(T, "float32"), x(T, "float32"), reduction="foo"),
    "smooth_l1": lambda T: F(T).smooth_l1_loss(x(T, "float32"), x(T, "float32"), reduction="foo"),
    "huber": lambda T: F(T).huber_loss(x(T, "float32"), x(T, "float32"), reduction="foo"),
    "huber-weight": lambda T: F(T).huber_loss(x(T, "float32"), x(T, "float32"), reduction="foo",
                                              weight=x(T, "float32")),
    "kl_div": lambda T: F(T).kl_div(x(T, "float32"), prob(T, "float32"), reduction="foo"),
    "ce": lambda T: F(T).cross_entropy(x(T, "float32"), labels(T, [0, 1, 2]), reduction="foo"),
    "nll": lambda T: F(T).nll_loss(x(T, "float32"), labels(T, [0, 1, 2]), reduction="foo"),
    "bce": lambda T: F(T).binary_cross_entropy(prob(T, "float32"), prob(T, "float32"), reduction="foo"),
    "bce_logits": lambda T: F(T).binary_cross_entropy_with_logits(x(T, "float32"), prob(T, "float32"),
                                                                  reduction="foo"),
    "poisson": lambda T: F(T).poisson_nll_loss(x(T, "float32"), prob(T, "float32"), reduction="foo"),
    "gaussian": lambda T: F(T).gaussian_nll_loss(x(T, "float32"), x(T, "float32"), prob(T, "float32"),
                                                 reduction="foo"),
    "mlsm": lambda T: F(T).multilabel_soft_margin_loss(x(T, "float32"), prob(T, "float32"), reduction="foo"),
    "hinge": lambda T: F(T).hinge_embedding_loss(x(T, "float32"), signs(T, "float32", PM), reduction="foo"),
    "triplet": lambda T: F(T).triplet_margin_loss(x(T, "float32"), x(T, "float32"), x(T, "float32"),
                                                  reduction="foo"),
    "triplet_distance": lambda T: F(T).triplet_margin_with_distance_loss(x(T, "float32"), x(T, "float32"),
                                                                         x(T, "float32"), reduction="foo"),
    "multi_margin": lambda T: F(T).multi_margin_loss(x(T, "float32"), labels(T, [0, 1, 2]), reduction="foo"),
    "ctc": lambda T: F(T).ctc_loss(*_ctc_inputs(T, "float32"), (6, 4, 5), (4, 3, 0), reduction="foo"),
}


@pytest.mark.parametrize("name", list(BAD_REDUCTION))
@conformance()
def test_bad_reduction_string(T, name):
    """torch raises ValueError for an unknown reduction string (the message names it)."""
    return message(lambda: BAD_REDUCTION[name](T), "foo")


@conformance()
def test_size_mismatch_warnings(T):
    """mse/l1/smooth_l1/huber warn when target's size differs from input's (then broadcast)."""
    a, b = x(T, "float32", shape=(3, 1)), x(T, "float32", seed=1, shape=(3,))
    out = []
    for fn in (F(T).mse_loss, F(T).l1_loss, F(T).smooth_l1_loss, F(T).huber_loss):
        with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the "
                                             r"input size \(torch.Size\(\[3, 1\]\)\)"):
            out.append(fn(a, b, reduction="none"))
    return out


@conformance()
def test_kl_div_mean_and_elementwise_mean_warn(T):
    a, q = x(T, "float32"), prob(T, "float32")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        kl = F(T).kl_div(a, q)
    with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
        mse = F(T).mse_loss(a, q, reduction="elementwise_mean")
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        module = T.nn.NLLLoss2d()
    return kl, mse, repr(module), F(T).kl_div(a[0], q[0], reduction="batchmean")


# --- errors: torch's exception type, and the key part of its message ---------------------------------------------

ERRORS = {
    "nll-target-out-of-bounds": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, 5, 1])),
                                 "Target 5 is out of bounds."),
    "nll-negative-target": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, -1, 1]), reduction="none"),
                            "Target -1 is out of bounds."),
    "nll-4d-target-out-of-bounds": (lambda T: F(T).nll_loss(x(T, F32, shape=(2, 4, 3, 2)),
                                                            labels(T, np.full((2, 3, 2), 7))), "Target 7"),
    "ce-smooth-target-out-of-bounds": (lambda T: F(T).cross_entropy(x(T, F32), labels(T, [0, 4, 1]),
                                                                    label_smoothing=0.1), "Target 4"),
    "nll-batch-mismatch": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, 1])),
                           "Expected input batch_size (3) to match target batch_size (2)."),
    "nll-0d-input": (lambda T: F(T).nll_loss(x(T, F32, shape=()), labels(T, 0)), "Expected 1 or more dimensions"),
    "nll-2d-target": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [[0], [1], [2]])), "multi-target not supported"),
    "nll-1d-input-1d-target": (lambda T: F(T).nll_loss(x(T, F32, shape=(4,)), labels(T, [0, 1, 2])),
                               "For 1D input, 1D target must have size 1"),
    "nll-weight-size": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, 1, 2]), prob(T, F32, shape=(3,), grad=False)),
                        "weight tensor should be defined either for all 4 classes or no classes"),
    "nll-weight-dtype": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, 1, 2]), prob(T, "float64", shape=(4,),
                                                                                       grad=False)),
                         "expected scalar type Float but found Double"),
    "nll-int32-target": (lambda T: F(T).nll_loss(x(T, F32), labels(T, [0, 1, 2]).int()),
                         "expected target dtype to be Long or Byte, but got Int"),
    "nll-int-input": (lambda T: F(T).nll_loss(labels(T, PM), labels(T, [0, 1, 2])), "not implemented for 'Long'"),
    "nll-4d-target-size": (lambda T: F(T).nll_loss(x(T, F32, shape=(2, 4, 3, 2)), labels(T, np.zeros((2, 3, 3)))),
                           "size mismatch (got input: [2, 4, 3, 2] , target: [2, 3, 3]"),
    "nll-4d-target-dims": (lambda T: F(T).nll_loss(x(T, F32, shape=(2, 4, 3, 2)), labels(T, np.zeros((2, 3)))),
                           "only batches of spatial targets supported (3D tensors)"),
    "nll-3d-target-size": (lambda T: F(T).nll_loss(x(T, F32, shape=(2, 4, 3)), labels(T, np.zeros((2, 5)))),
                           "Expected target size [2, 3], got [2, 5]"),
    "ce-probs-int-target": (lambda T: F(T).cross_entropy(x(T, F32), labels(T, PM)),
                            "Expected floating point type for target with class probabilities, got Long"),
    "ce-probs-ignore-index": (lambda T: F(T).cross_entropy(x(T, F32), dist(T, F32), ignore_index=1),
                              "ignore_index is not supported for floating point target"),
    "ce-probs-weight-size": (lambda T: F(T).cross_entropy(x(T, F32), dist(T, F32), prob(T, F32, shape=(3,))),
                             "cross_entropy: weight tensor should be defined"),
    "ce-label-smoothing-range": (lambda T: F(T).cross_entropy(x(T, F32), labels(T, [0, 1, 2]), label_smoothing=1.5),
                                 "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    "ce-int-input": (lambda T: F(T).cross_entropy(labels(T, PM), labels(T, [0, 1, 2])), "not implemented for 'Long'"),
    "mse-broadcast": (lambda T: F(T).mse_loss(x(T, F32, shape=(3, 2)), x(T, F32, shape=(3,))),
                      "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
    "mse-weight-size": (lambda T: F(T).mse_loss(x(T, F32), x(T, F32), weight=prob(T, F32, shape=(4,))),
                        "Weights and input must have the same size."),
    "mse-int": (lambda T: F(T).mse_loss(labels(T, PM), labels(T, PM)), "\"mse_cpu\" not implemented for 'Long'"),
    "l1-bool-target": (lambda T: F(T).l1_loss(x(T, F32), T.tensor(np.array(PM) > 0)), "with a bool tensor"),
    "l1-int-mean": (lambda T: F(T).l1_loss(labels(T, PM), labels(T, PM)), "could not infer output dtype"),
    "smooth_l1-negative-beta": (lambda T: F(T).smooth_l1_loss(x(T, F32), x(T, F32), beta=-1.0),
                                "smooth_l1_loss does not support negative values for beta."),
    "huber-delta-zero": (lambda T: F(T).huber_loss(x(T, F32), x(T, F32), delta=0.0),
                         "huber_loss does not support non-positive values for delta."),
    "huber-int-input": (lambda T: F(T).huber_loss(labels(T, PM), x(T, F32)), "can't be cast to the desired output"),
    "kl_div-int": (lambda T: F(T).kl_div(x(T, F32), labels(T, PM)), "kl_div: Integral inputs not supported."),
    "bce-input-range": (lambda T: F(T).binary_cross_entropy(x(T, F32), prob(T, F32)),
                        "all elements of input should be between 0 and 1"),
    "bce-size": (lambda T: F(T).binary_cross_entropy(prob(T, F32), prob(T, F32, shape=(4,))),
                 "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([3, 4]))"),
    "bce-dtype": (lambda T: F(T).binary_cross_entropy(prob(T, F32), prob(T, "float64")),
                  "Found dtype Double but expected Float"),
    "bce_logits-size": (lambda T: F(T).binary_cross_entropy_with_logits(x(T, F32), prob(T, F32, shape=(4,))),
                        "Target size (torch.Size([4])) must be the same as input size (torch.Size([3, 4]))"),
    "bce_logits-pos_weight-shape": (lambda T: F(T).binary_cross_entropy_with_logits(
        x(T, F32), prob(T, F32), pos_weight=prob(T, F32, shape=(3,))), "The size of tensor a"),
    "bce_logits-int-target": (lambda T: F(T).binary_cross_entropy_with_logits(x(T, F32), labels(T, PM)),
                              "can't be cast to the desired output type Long"),
    "gaussian-negative-var": (lambda T: F(T).gaussian_nll_loss(x(T, F32), x(T, F32), x(T, F32)),
                              "var has negative entry/entries"),
    "gaussian-negative-float-var": (lambda T: F(T).gaussian_nll_loss(x(T, F32), x(T, F32), -1.0),
                                    "var has negative entry/entries"),
    "gaussian-var-size": (lambda T: F(T).gaussian_nll_loss(x(T, F32), x(T, F32), prob(T, F32, shape=(4,))),
                          "var is of incorrect size"),
    "gaussian-var-size-11": (lambda T: F(T).gaussian_nll_loss(x(T, F32), x(T, F32), prob(T, F32, shape=(1, 1))),
                             "var is of incorrect size"),
    "margin_ranking-dims": (lambda T: F(T).margin_ranking_loss(x(T, F32, shape=(3,)), x(T, F32, shape=(3, 1)),
                                                               x(T, F32, shape=(3,))),
                            "All input tensors should have same dimension"),
    "triplet-margin": (lambda T: F(T).triplet_margin_loss(x(T, F32), x(T, F32), x(T, F32), margin=0.0),
                       "margin must be greater than 0, got 0.0"),
    "triplet-dims": (lambda T: F(T).triplet_margin_loss(x(T, F32), x(T, F32, shape=(4,)), x(T, F32)),
                     "anchor 2D, positive 1D, and negative 2D inputs"),
    "triplet_distance-margin": (lambda T: F(T).triplet_margin_with_distance_loss(x(T, F32), x(T, F32), x(T, F32),
                                                                                 margin=-1.0),
                                "margin must be greater than 0"),
    "cosine-target-dims": (lambda T: F(T).cosine_embedding_loss(x(T, F32), x(T, F32), prob(T, F32, shape=(3, 1))),
                           "0D or 1D target tensor expected, multi-target not supported"),
    "cosine-input-dims": (lambda T: F(T).cosine_embedding_loss(x(T, F32, shape=(4,)), x(T, F32, shape=(4,)),
                                                               signs(T, F32, [1])),
                          "1D target tensor expects 2D input tensors, but found inputs with sizes [4] and [4]."),
    "multi_margin-p": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1, 2]), p=3),
                       "only p == 1 and p == 2 supported"),
    "multi_margin-weight-dims": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1, 2]),
                                                                  weight=prob(T, F32, shape=(1, 4))),
                                 "weight must be one-dimensional"),
    "multi_margin-target-size": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1])),
                                 "Expected target size [3], but got [2]"),
    "multi_margin-target-range": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 4, 1])),
                                  "target out of range"),
    "multi_margin-weight-size": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1, 2]),
                                                                  weight=prob(T, F32, shape=(3,), grad=False)),
                                 "inconsistent weight size, expected 4 but got [3]"),
    "multi_margin-int32-target": (lambda T: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1, 2]).int()),
                                  "expected scalar type Long but found Int"),
    "multilabel_margin-size": (lambda T: F(T).multilabel_margin_loss(x(T, F32), labels(T, [[0, 1, -1]] * 3)),
                               "inconsistent target size: [3, 3] for input of size: [3, 4]"),
    "multilabel_margin-range": (lambda T: F(T).multilabel_margin_loss(x(T, F32), labels(T, [[0, 4, -1, 0]] * 3)),
                                "'target' is out of range"),
    "ctc-blank": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), (6, 4, 5), (4, 3, 0), blank=5),
                  "blank must be in label range"),
    "ctc-input-length": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), (7, 4, 5), (4, 3, 0)),
                         "Expected input_lengths to have value at most 6, but got value 7"),
    "ctc-target-length": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), (6, 4, 5), (5, 3, 0)),
                          "Expected tensor to have size at least 5 at dimension 1, but got size 4"),
    "ctc-batch": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), (6, 4), (4, 3, 0)),
                  "input_lengths must be of size batch_size"),
    "ctc-float-lengths": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), prob(T, F32, shape=(3,)), labels(T, [4, 3, 0])),
                          "input_lengths must be integral"),
    "ctc-mixed-lengths": (lambda T: F(T).ctc_loss(*_ctc_inputs(T, F32), labels(T, [6, 4, 5]), (4, 3, 0)),
                          "invalid combination of arguments"),
    "ctc-concatenated-size": (lambda T: F(T).ctc_loss(_ctc_inputs(T, F32)[0], labels(T, [1, 2, 3]), (6, 4, 5),
                                                      (2, 2, 0)), "Expected tensor to have size 4 at dimension 0"),
}


@pytest.mark.parametrize("name", list(ERRORS))
@conformance()
def test_errors(T, name):
    fn, text = ERRORS[name]
    return message(lambda: fn(T), text)


NOT_DIFFERENTIABLE = {
    "nll-weight": lambda T, w: F(T).nll_loss(x(T, F32), labels(T, [0, 1, 2]), w),
    "ce-weight": lambda T, w: F(T).cross_entropy(x(T, F32), labels(T, [0, 1, 2]), w, label_smoothing=0.2),
    "bce-weight": lambda T, w: F(T).binary_cross_entropy(prob(T, F32), prob(T, F32), w),
    "bce_logits-weight": lambda T, w: F(T).binary_cross_entropy_with_logits(x(T, F32), prob(T, F32), w),
    "bce_logits-pos_weight": lambda T, w: F(T).binary_cross_entropy_with_logits(x(T, F32), prob(T, F32),
                                                                                pos_weight=w),
    "multi_margin-weight": lambda T, w: F(T).multi_margin_loss(x(T, F32), labels(T, [0, 1, 2]), weight=w),
    "soft_margin-target": lambda T, w: F(T).soft_margin_loss(x(T, F32, shape=(4,)), w),
}


@pytest.mark.parametrize("name", list(NOT_DIFFERENTIABLE))
@conformance()
def test_not_differentiable_argument(T, name):
    """torch refuses a weight (or target) that requires grad where its formula does not differentiate it, but not
    under no_grad."""
    w = prob(T, F32, seed=3, shape=(4,))
    with T.no_grad():
        value = NOT_DIFFERENTIABLE[name](T, w)
    return message(lambda: NOT_DIFFERENTIABLE[name](T, w), "is not differentiable with respect to argument"), value


@conformance()
def test_compared_targets_get_no_gradient(T):
    """hinge_embedding and cosine_embedding only compare their target: its .grad stays None."""
    a, b = x(T, F32), x(T, F32, seed=1)
    t1, t2 = signs(T, F32, PM).requires_grad_(True), signs(T, F32, [1, -1, -1]).requires_grad_(True)
    (F(T).hinge_embedding_loss(a, t1) + F(T).cosine_embedding_loss(a, b, t2)).backward()
    return a.grad, b.grad, t1.grad, t2.grad

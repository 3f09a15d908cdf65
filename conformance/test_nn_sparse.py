"""Conformance: embeddings (Embedding, EmbeddingBag, one_hot), distances and dropout layers."""

import pytest
from harness import conformance, fill_params, tensor

IDX = [[1, 4, 0, 4], [2, 2, 5, 1]]  # repeated indices (scale_grad_by_freq) and the padding rows 0 / 5


def _backward(T, y, seed=5):
    (y * tensor(T, tuple(y.shape), seed=seed)).sum().backward()


# --- embedding ----------------------------------------------------------------------------------------------------

EMB = [{}, {"padding_idx": 0}, {"padding_idx": -1}, {"scale_grad_by_freq": True}, {"max_norm": 1.0},
       {"max_norm": 0.5, "norm_type": 1.0}, {"padding_idx": 4, "scale_grad_by_freq": True}]


@pytest.mark.parametrize("kw", EMB, ids=[str(k) for k in EMB])
@conformance()
def test_embedding_module(T, kw):
    T.manual_seed(0)
    m = T.nn.Embedding(6, 3, **kw)
    init = m.weight.detach().clone()  # normal_ init with the padding row zeroed
    fill_params(T, m, low=-1, high=1)
    idx = T.tensor(IDX)
    y = m(idx)
    _backward(T, y)
    return y, m.weight.grad, m.weight, init, repr(m), list(m.state_dict())


@conformance()
def test_embedding_sparse_grad(T):
    """sparse=True: torch's weight gradient is a sparse COO tensor; torchax's is dense (same values)."""
    m = T.nn.Embedding(6, 3, sparse=True)
    m(T.tensor(IDX)).sum().backward()
    return repr(m), m.weight.grad.is_sparse


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@conformance()
def test_embedding_functional(T, dtype):
    w = tensor(T, (6, 3), dtype=dtype, grad=True)
    i32 = T.tensor(IDX, dtype=T.int32)
    y = T.nn.functional.embedding(i32, w, padding_idx=2)
    _backward(T, y.float())
    return y, w.grad, T.embedding(w.detach(), T.tensor(3)), T.embedding(w.detach(), T.tensor(IDX), 1, True)


@conformance()
def test_embedding_max_norm_in_place(T):
    """max_norm renormalises the rows it looks up, in the weight itself."""
    w = T.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    y = T.nn.functional.embedding(T.tensor([0, 0, 1]), w, max_norm=1.0)
    m = T.nn.Embedding.from_pretrained(w.clone() * 2, max_norm=2.0, norm_type=float("inf"))
    z = m(T.tensor([[2]]))
    v = T.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    r = T.embedding_renorm_(v, T.tensor([2, 1]), 2.0, 2.0)
    return y, w, z, m.weight, r is v, v


@pytest.mark.parametrize("freeze", [True, False])
@conformance()
def test_embedding_from_pretrained(T, freeze):
    w = tensor(T, (4, 3))
    m = T.nn.Embedding.from_pretrained(w, freeze=freeze, padding_idx=1)
    bag = T.nn.EmbeddingBag.from_pretrained(w, freeze=freeze, mode="max")
    return m.weight.requires_grad, bag.weight.requires_grad, repr(m), repr(bag), m(T.tensor([1, 3])), \
        bag(T.tensor([[1, 3], [0, 2]]))


EMB_ERRORS = {
    "out_of_range": lambda T, w: T.nn.functional.embedding(T.tensor([0, 6]), w),
    "negative_index": lambda T, w: T.nn.functional.embedding(T.tensor([0, -1]), w),
    "float_index": lambda T, w: T.nn.functional.embedding(T.tensor([0.0, 1.0]), w),
    "padding_too_big": lambda T, w: T.nn.functional.embedding(T.tensor([0]), w, padding_idx=6),
    "padding_too_small": lambda T, w: T.nn.functional.embedding(T.tensor([0]), w, padding_idx=-7),
    "weight_1d": lambda T, w: T.nn.functional.embedding(T.tensor([0]), w[0]),
    "module_padding": lambda T, w: T.nn.Embedding(3, 2, padding_idx=3),
    "pretrained_1d": lambda T, w: T.nn.Embedding.from_pretrained(w[0]),
    "bad_weight_shape": lambda T, w: T.nn.Embedding(3, 2, _weight=w),
    "bag_mode": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), w, mode="median"),
    "bag_2d_offsets": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), w, T.tensor([0])),
    "bag_1d_no_offsets": lambda T, w: T.nn.functional.embedding_bag(T.tensor([0, 1]), w),
    "bag_3d": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[[0]]]), w),
    "bag_psw_mean": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), w, per_sample_weights=T.ones(1, 2)),
    "bag_psw_shape": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), w, per_sample_weights=T.ones(2),
                                                                mode="sum"),
    "bag_psw_dtype": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), w, mode="sum",
                                                                per_sample_weights=T.ones(1, 2, dtype=T.float64)),
    "bag_offset0": lambda T, w: T.nn.functional.embedding_bag(T.tensor([0, 1, 2]), w, T.tensor([1, 2])),
    "bag_offset_last": lambda T, w: T.nn.functional.embedding_bag(T.tensor([0, 1, 2]), w, T.tensor([0, 4])),
    "bag_max_scale": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0]]), w, mode="max",
                                                                scale_grad_by_freq=True),
    "bag_int_weight": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0]]), w.long()),
    "bag_padding": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0]]), w, padding_idx=6),
    "bag_last_offset_empty": lambda T, w: T.nn.functional.embedding_bag(T.tensor([0]), w, T.tensor([], dtype=T.long),
                                                                        include_last_offset=True),
    "bag_out_of_range": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[0, 7]]), w),
}


@pytest.mark.parametrize("case", list(EMB_ERRORS))
@conformance(errors=True)
def test_embedding_errors(T, case):
    return EMB_ERRORS[case](T, tensor(T, (6, 3)))


# --- embedding_bag --------------------------------------------------------------------------------------------------

FLAT = [1, 2, 4, 5, 4, 3, 2, 0]
BAGS = [  # (mode, offsets, extra kwargs)
    ("sum", [0, 2, 2, 5], {}), ("mean", [0, 2, 2, 5], {}), ("max", [0, 2, 2, 5], {}),
    ("mean", [0, 2, 2, 5], {"padding_idx": 2}), ("max", [0, 3, 3, 5], {"padding_idx": -2}),
    ("sum", [0, 2, 2, 5], {"padding_idx": 4, "psw": True}), ("sum", [0, 2, 5, 8], {"include_last_offset": True}),
    ("mean", [0, 1, 5, 8], {"include_last_offset": True, "padding_idx": 0}),
    ("sum", [0, 4], {"scale_grad_by_freq": True}), ("mean", [0, 3, 3], {"scale_grad_by_freq": True}),
    ("mean", [0, 3], {"max_norm": 1.0}),
]


@pytest.mark.parametrize("mode,offsets,kw", BAGS, ids=[f"{m}-{'-'.join(k)}" for m, _, k in BAGS])
@conformance()
def test_embedding_bag_functional(T, mode, offsets, kw):
    kw = dict(kw)
    w = tensor(T, (6, 3), grad=True)
    psw = tensor(T, (8,), seed=2, grad=True) if kw.pop("psw", False) else None
    if "max_norm" in kw:
        w = w.detach().clone().requires_grad_()
    y = T.nn.functional.embedding_bag(T.tensor(FLAT), w, T.tensor(offsets), mode=mode, per_sample_weights=psw, **kw)
    _backward(T, y)
    return y, w.grad, None if psw is None else psw.grad, w


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@conformance()
def test_embedding_bag_toplevel(T, mode):
    """torch.embedding_bag's four results: output, offset2bag, bag_size, max_indices."""
    w = tensor(T, (6, 2))
    m = ["sum", "mean", "max"].index(mode)
    return T.embedding_bag(w, T.tensor(FLAT), T.tensor([0, 2, 2, 5]), False, m, False, None, False, 2), \
        T.embedding_bag(w, T.tensor(FLAT, dtype=T.int32), T.tensor([0, 2, 2, 5]), False, m)


@pytest.mark.parametrize("kw", [{}, {"mode": "sum", "padding_idx": 1}, {"mode": "max"},
                                {"mode": "sum", "scale_grad_by_freq": True, "max_norm": 1.5}])
@conformance()
def test_embedding_bag_module(T, kw):
    T.manual_seed(0)
    m = T.nn.EmbeddingBag(6, 3, **kw)
    init = m.weight.detach().clone()
    fill_params(T, m, low=-1, high=1)
    y = m(T.tensor(IDX))  # 2-D input: fixed-length bags
    z = m(T.tensor(FLAT), T.tensor([0, 3, 3]))
    _backward(T, y + z[:2])
    psw = None
    if kw.get("mode") == "sum":
        psw = m(T.tensor(IDX), per_sample_weights=tensor(T, (2, 4), seed=3))
    return y, z, m.weight.grad, init, psw, repr(m), list(m.state_dict())


# --- one_hot ------------------------------------------------------------------------------------------------------

@conformance()
def test_one_hot(T):
    f = T.nn.functional.one_hot
    return f(T.tensor([0, 2, 1])), f(T.tensor([[0, 2], [3, 3]]), 5), f(T.tensor(2), 3), \
        f(T.tensor([], dtype=T.long), 3), f(T.tensor([1, 0]), num_classes=-1)


@pytest.mark.parametrize("case", ["too_big", "negative", "float", "int32", "empty_infer", "bad_num_classes"])
@conformance(errors=True)
def test_one_hot_errors(T, case):
    f = T.nn.functional.one_hot
    return {"too_big": lambda: f(T.tensor([0, 2]), 2), "negative": lambda: f(T.tensor([0, -2])),
            "float": lambda: f(T.tensor([0.0, 2.0])), "int32": lambda: f(T.tensor([0, 2], dtype=T.int32), 3),
            "empty_infer": lambda: f(T.tensor([], dtype=T.long)),
            "bad_num_classes": lambda: f(T.tensor([0, 2]), -2)}[case]()


# --- distances ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s1,s2,dim", [((4, 3), (4, 3), 1), ((1, 3), (4, 3), 1), ((2, 3, 2), (3, 1), -2)])
@conformance()
def test_cosine_similarity(T, s1, s2, dim):
    x1, x2 = tensor(T, s1, grad=True), tensor(T, s2, grad=True, seed=1)
    y = T.nn.functional.cosine_similarity(x1, x2, dim)
    _backward(T, y)
    return y, x1.grad, x2.grad, T.nn.CosineSimilarity(dim, eps=0.5)(x1, x2), repr(T.nn.CosineSimilarity())


@conformance()
def test_cosine_similarity_eps(T):
    """Vectors shorter than eps: torch clamps each norm, and the clamp takes no part in the gradient."""
    x1 = T.tensor([[1e-9, 0.0], [0.0, 0.0], [1e-5, 2e-5]], requires_grad=True)
    x2 = T.tensor([[3.0, 4.0], [3.0, 4.0], [3e-5, -4e-5]], requires_grad=True)
    y = T.cosine_similarity(x1, x2)
    y.sum().backward()
    return y, x1.grad, x2.grad, T.cosine_similarity(T.tensor([1, 2]), T.tensor([3.0, 4.0]), dim=0), \
        T.cosine_similarity(x1.detach().double(), x2.detach(), eps=1e-3)


@pytest.mark.parametrize("p,keepdim", [(2.0, False), (2.0, True), (1.0, False), (3.0, False), (float("inf"), True)])
@conformance()
def test_pairwise_distance(T, p, keepdim):
    x1, x2 = tensor(T, (4, 3), grad=True), tensor(T, (4, 3), grad=True, seed=1)
    with T.no_grad():
        x2[0] = x1[0]  # a zero difference (up to eps)
    y = T.nn.functional.pairwise_distance(x1, x2, p, 1e-6, keepdim)
    _backward(T, y)
    m = T.nn.PairwiseDistance(p, eps=0.0, keepdim=keepdim)
    return y, x1.grad, x2.grad, m(x1, x2), repr(m), T.pairwise_distance(x1[0], x2[0], p)


@conformance()
def test_pairwise_distance_p0_grad(T):
    """p=0 counts non-zeros: torch's backward gives an undefined gradient (.grad stays None), torchax's zeros."""
    x1 = tensor(T, (4, 3), grad=True)
    y = T.pairwise_distance(x1, tensor(T, (4, 3), seed=1), 0.0)
    y.sum().backward()
    return y, x1.grad


@conformance()
def test_pairwise_distance_broadcast(T):
    a, b = tensor(T, (3,)), tensor(T, (2, 3), seed=1)
    return T.pairwise_distance(a, b), T.pairwise_distance(a, b, keepdim=True), \
        T.pairwise_distance(T.tensor(1.0), T.tensor(3.0)), T.pairwise_distance(T.tensor([[1, 2]]), T.tensor([[0, 4]]))


@pytest.mark.parametrize("p", [2.0, 1.0, 1.5, 0.0, float("inf")])
@conformance()
def test_pdist(T, p):
    x = tensor(T, (4, 3), grad=True)
    with T.no_grad():
        x[1] = x[0]  # a zero distance
        x[3, 0] = x[2, 0] + 1  # a tie for the inf-norm maximum
        x[3, 1] = x[2, 1] - 1
        x[3, 2] = x[2, 2]
    y = T.pdist(x, p)
    _backward(T, y)
    return y, x.grad, T.nn.functional.pdist(x.detach().double(), p), T.pdist(x.detach()[:1])


DIST_ERRORS = {
    "cos_shape": lambda T: T.nn.functional.cosine_similarity(tensor(T, (2, 3)), tensor(T, (3, 3))),
    "cos_dim": lambda T: T.nn.functional.cosine_similarity(tensor(T, (3,)), tensor(T, (3,)), dim=1),
    "cos_int": lambda T: T.nn.functional.cosine_similarity(T.tensor([1, 2]), T.tensor([3, 4]), dim=0),
    "pairwise_shape": lambda T: T.nn.functional.pairwise_distance(tensor(T, (2, 3)), tensor(T, (3, 3))),
    "pdist_3d": lambda T: T.pdist(tensor(T, (2, 3, 1))),
    "pdist_int": lambda T: T.pdist(T.tensor([[1, 2], [3, 4]])),
    "pdist_negative_p": lambda T: T.pdist(tensor(T, (2, 3)), -1.0),
}


@pytest.mark.parametrize("case", list(DIST_ERRORS))
@conformance(errors=True)
def test_distance_errors(T, case):
    return DIST_ERRORS[case](T)


# --- dropout ------------------------------------------------------------------------------------------------------

DROPOUTS = [  # (F name, module, input shape, p)
    ("dropout", "Dropout", (2, 3, 4), 0.3), ("dropout", "Dropout", (2, 3, 4), 0.0),
    ("dropout", "Dropout", (2, 3, 4), 1.0),
    ("dropout1d", "Dropout1d", (2, 3, 4), 0.3), ("dropout1d", "Dropout1d", (3, 4), 0.3),
    ("dropout2d", "Dropout2d", (2, 3, 2, 2), 0.3), ("dropout3d", "Dropout3d", (2, 3, 2, 2, 2), 0.3),
    ("dropout3d", "Dropout3d", (3, 2, 2, 2), 0.3), ("alpha_dropout", "AlphaDropout", (2, 3, 4), 0.3),
    ("alpha_dropout", "AlphaDropout", (2, 3, 4), 1.0), ("feature_alpha_dropout", "FeatureAlphaDropout", (2, 3, 4), 0.3),
    ("feature_alpha_dropout", "FeatureAlphaDropout", (2, 3, 4), 0.0),
]


@pytest.mark.parametrize("fn,module,shape,p", DROPOUTS, ids=[f"{f}-{len(s)}d-{p}" for f, _, s, p in DROPOUTS])
@conformance()
def test_dropout_seeded(T, fn, module, shape, p):
    """Training mode after manual_seed draws torch's masks; eval mode and p=0 return the input itself."""
    T.manual_seed(0)
    x = tensor(T, shape, grad=True)
    y = getattr(T.nn.functional, fn)(x, p, True)
    _backward(T, y)
    m = getattr(T.nn, module)(p)
    z = m(x)  # NOTE: inputs that require grad throughout, so that the kernels of y are reused
    m.eval()
    return y, x.grad, y is x, z, m(x) is x, getattr(T.nn.functional, fn)(x, p, False) is x, repr(m)


@pytest.mark.parametrize("fn", ["dropout", "dropout1d", "dropout2d", "dropout3d"])
@conformance()
def test_dropout_inplace(T, fn):
    T.manual_seed(1)
    x = tensor(T, (2, 3, 2, 2, 2)[:3 if fn == "dropout1d" else 5 if fn == "dropout3d" else 4], grad=True)
    h = x * 1.0
    y = getattr(T.nn.functional, fn)(h, 0.4, True, True)
    _backward(T, y)
    m = getattr(T.nn, fn.replace("dropout", "Dropout"))(0.4, inplace=True)
    k = x.detach().clone()
    return y, y is h, x.grad, m(k) is k, k, repr(m)


@conformance()
def test_dropout_toplevel(T):
    T.manual_seed(2)
    x = tensor(T, (2, 3, 4), dtype="float64")
    outs = [T.dropout(x, 0.5, True), T.feature_dropout(x, 0.5, True), T.alpha_dropout(x, 0.5, True),
            T.feature_alpha_dropout(x, 0.5, True), T.dropout(x, 0.5, False) is x]
    y = x.clone()
    return outs, T.dropout_(y, 0.2, True) is y, y, T.feature_alpha_dropout_(y, 0.2, True), y


@conformance()
def test_dropout_statistics(T):
    """The kept fraction and the 1/(1-p) scale, on a larger input (independent of the exact stream)."""
    x = T.ones(4000)
    y = T.nn.functional.dropout(x, 0.25)
    kept = (y != 0).double().mean()
    return bool(abs(float(kept) - 0.75) < 0.03), y.max(), y.unique().numel()


@pytest.mark.parametrize("fn,shape", [("dropout2d", (2, 3)), ("dropout2d", (2, 3, 4)), ("dropout3d", (2, 3, 4))])
@conformance()
def test_dropout_nd_warnings(T, fn, shape):
    with pytest.warns(UserWarning, match=fn):
        return getattr(T.nn.functional, fn)(tensor(T, shape), 0.5, False)


DROP_ERRORS = {
    "p_negative": lambda T, x: T.nn.functional.dropout(x, -0.1),
    "p_big": lambda T, x: T.nn.functional.alpha_dropout(x, 1.5),
    "module_p": lambda T, x: T.nn.Dropout(2.0),
    "dropout1d_4d": lambda T, x: T.nn.functional.dropout1d(x[None]),
    "feature_1d": lambda T, x: T.feature_dropout(x[0, 0], 0.5, True),
    "toplevel_p": lambda T, x: T.dropout(x, 1.5, True),
    "leaf_inplace": lambda T, x: T.nn.functional.dropout(x.requires_grad_(), 0.5, True, True),
}


@pytest.mark.parametrize("case", list(DROP_ERRORS))
@conformance(errors=True)
def test_dropout_errors(T, case):
    return DROP_ERRORS[case](T, tensor(T, (2, 3, 4)))

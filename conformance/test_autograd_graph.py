"""Conformance: the autograd graph — grad_fn names and next_functions, tensor and Node hooks, in-place ops."""

import pytest
from harness import conformance, message as _message, tensor


def _leaves(T):
    """Two float leaves that require grad: x (3,) and w (2, 3)."""
    return tensor(T, (3,), grad=True), tensor(T, (2, 3), grad=True, seed=1)


# --- grad_fn ----------------------------------------------------------------------------------------

GRAD_FNS = {
    "add": lambda T, x, w: x + w,
    "add_scalar": lambda T, x, w: x + 1,
    "sub": lambda T, x, w: x - w,
    "mul": lambda T, x, w: x * w,
    "mul_scalar": lambda T, x, w: x * 2,
    "div": lambda T, x, w: x / w,
    "neg": lambda T, x, w: -x,
    "pow_scalar": lambda T, x, w: x ** 2,
    "pow_tensor": lambda T, x, w: x ** w,
    "rpow": lambda T, x, w: 2 ** x,
    "exp": lambda T, x, w: x.exp(),
    "tanh": lambda T, x, w: x.tanh(),
    "sigmoid": lambda T, x, w: x.sigmoid(),
    "relu": lambda T, x, w: x.relu(),
    "clamp": lambda T, x, w: x.clamp(min=0),
    "sum": lambda T, x, w: w.sum(),
    "sum_dim": lambda T, x, w: w.sum(0),
    "mean": lambda T, x, w: w.mean(),
    "mean_dim": lambda T, x, w: w.mean(1),
    "matmul_mm": lambda T, x, w: w @ w.t(),
    "matmul_mv": lambda T, x, w: w @ x,
    "matmul_dot": lambda T, x, w: x @ x,
    "view": lambda T, x, w: w.view(6),
    "reshape": lambda T, x, w: w.reshape(3, 2),
    "transpose": lambda T, x, w: w.transpose(0, 1),
    "t": lambda T, x, w: w.t(),
    "permute": lambda T, x, w: w.permute(1, 0),
    "unsqueeze": lambda T, x, w: x.unsqueeze(0),
    "expand": lambda T, x, w: x.expand(2, 3),
    "select": lambda T, x, w: w[0],
    "slice": lambda T, x, w: x[1:],
    "index": lambda T, x, w: x[[0, 2]],
    "mask": lambda T, x, w: x[x > 0],
    "cat": lambda T, x, w: T.cat([x, x]),
    "stack": lambda T, x, w: T.stack([x, x]),
    "to_dtype": lambda T, x, w: x.to(T.float64),
    "double": lambda T, x, w: x.double(),
    "clone": lambda T, x, w: x.clone(),
    "where": lambda T, x, w: T.where(x > 0, x, w[0]),
    "pow_method": lambda T, x, w: x.pow(2.5),
    "pow_fn_scalar_base": lambda T, x, w: T.pow(2, x),
    "clip": lambda T, x, w: x.clip(0, 1),
    "clamp_tensor": lambda T, x, w: x.clamp(max=w[0]),
    "matmul_vm": lambda T, x, w: x[:2] @ w,
    "matmul_batched": lambda T, x, w: w.expand(2, 2, 3) @ x,
    "unbind": lambda T, x, w: w.unbind(0)[1],
    "split": lambda T, x, w: x.split(2)[1],
    "chunk": lambda T, x, w: w.chunk(2, 1)[0],
    "view_of_view_modified": lambda T, x, w: _sibling_view_modified(w * 1),
    "add_inplace": lambda T, x, w: (x * 1).add_(1),
    "mul_inplace": lambda T, x, w: (x * 1).mul_(x),
    "zero_inplace": lambda T, x, w: (x * 1).zero_(),
    "t_inplace": lambda T, x, w: (w * 1).t_(),
    "setitem": lambda T, x, w: _setitem(x * 1),
    "inplace_on_view_base": lambda T, x, w: _inplace_on_view(w * 1)[0],
    "inplace_on_view_view": lambda T, x, w: _inplace_on_view(w * 1)[1],
    "view_of_modified_base": lambda T, x, w: _view_then_modify(w * 1),
}


def _setitem(y):
    y[0] = 0.0
    return y


def _inplace_on_view(y):
    v = y[0]
    v.mul_(2)
    return y, v


def _view_then_modify(y):
    v = y[0]
    y.add_(1)
    return v


def _sibling_view_modified(y):
    u, v = y[0], y[1]
    v.mul_(3)
    return u


@pytest.mark.parametrize("name", list(GRAD_FNS))
@conformance()
def test_grad_fn_name(T, name):
    x, w = _leaves(T)
    return GRAD_FNS[name](T, x, w).grad_fn.name()


def _structure(fn, depth=4):
    """A grad_fn's graph as nested tuples of (name, ((child, index), ...))."""
    if fn is None:
        return None
    if depth == 0:
        return fn.name()
    return fn.name(), tuple((_structure(n, depth - 1), i) for n, i in fn.next_functions)


@pytest.mark.parametrize("name", ["mixed", "shared_input", "multi_output", "leaf_only", "setitem", "scalar_operand",
                                  "cat_mixed", "where_scalar", "where_tensors", "reflected_scalars", "div_scalar",
                                  "split", "gather_index", "masked_fill", "index_select", "view_of_modified_base"])
@conformance()
def test_next_functions(T, name):
    x, w = _leaves(T)
    c = tensor(T, (3,), seed=2)
    if name == "mixed":
        y = (x * c + w.exp()).sum()
    elif name == "shared_input":
        y = x * x + x
    elif name == "multi_output":
        a, b = x.unsqueeze(0).expand(2, 3).unbind(0)
        y = a * b
    elif name == "leaf_only":
        y = x.sum()
    elif name == "scalar_operand":  # torch keeps an edge (None, 0) for the Python scalar
        y = x * 2 + 1
    elif name == "cat_mixed":
        y = T.cat([x, c])
    elif name == "where_scalar":
        y = T.where(x > 0, x, 0.0)
    elif name == "where_tensors":  # the condition has no edge
        y = T.where(x > 0, x, w[0])
    elif name == "reflected_scalars":  # `2 * x` is x.__rmul__(2): the scalar's edge comes second
        y = 2 * x + 1 + (3 + x)
    elif name == "div_scalar":
        y = x / 2 + T.where(x > 0, 1.0, x)
    elif name == "split":
        y = sum(x.split(1))
    elif name == "gather_index":  # integer indices have no edge
        y = x.gather(0, T.tensor([2, 0])) * w[0].index_select(0, T.tensor([1]))
    elif name == "masked_fill":
        y = x.masked_fill(x > 0, 1.0) + x.masked_fill(x < 0, c[0])
    elif name == "index_select":
        y = w.index_select(1, T.tensor([0, 2]))
    elif name == "view_of_modified_base":
        y = _view_then_modify(w * 1)
    else:
        y = _setitem(x * 1)
    return _structure(y.grad_fn)


@conformance()
def test_accumulate_grad_node(T):
    x, w = _leaves(T)
    y = x * w
    acc = y.grad_fn.next_functions[0][0]
    acc_w = y.grad_fn.next_functions[1][0]
    again = (x + 1).grad_fn.next_functions[0][0]
    return (acc.variable is x, acc_w.variable is w, acc.name(), acc.next_functions, again is acc, x.grad_fn is None,
            y.grad_fn.next_functions[0][1])


# --- hooks ---------------------------------------------------------------------------------------------


@conformance()
def test_hook_on_leaf(T):
    x, w = _leaves(T)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))  # observes, returns None
    x.register_hook(lambda g: g * 2)  # replaces the gradient
    x.register_hook(lambda g: seen.append(g.clone()))  # sees the replaced gradient
    (x * x).sum().backward()
    return seen, x.grad


@conformance()
def test_hook_on_nonleaf(T):
    x, _ = _leaves(T)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    return seen, x.grad


@conformance()
def test_hook_remove(T):
    x, _ = _leaves(T)
    y = x * 3
    calls = []
    h1 = y.register_hook(lambda g: calls.append("y") or g * 10)
    h2 = x.register_hook(lambda g: calls.append("x"))
    h1.remove()
    h2.remove()
    h1.remove()  # removing twice is harmless
    y.sum().backward()
    return calls, x.grad


@conformance()
def test_hook_with_retain_grad(T):
    x, _ = _leaves(T)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)  # retain_grad sees the hooked gradient (its hook always runs last)
    (y * y).sum().backward()
    return y.grad, x.grad


@conformance()
def test_hook_fires_per_backward(T):
    x, _ = _leaves(T)
    count = []
    x.register_hook(lambda g: count.append(1))
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    T.autograd.grad((x * 2).sum(), x)
    return len(count), x.grad


@conformance(errors=True)
def test_hook_requires_grad(T):
    tensor(T, (3,)).register_hook(lambda g: g)


@conformance()
def test_node_hooks(T):
    x, w = _leaves(T)
    y = x * w
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append(("post", len(grad_inputs), len(grad_outputs), grad_outputs[0].clone(),
                     tuple(g.clone() for g in grad_inputs)))
        return grad_inputs[0] * 2, grad_inputs[1]

    def prehook(grad_outputs):
        seen.append(("pre", len(grad_outputs), grad_outputs[0].clone()))
        return (grad_outputs[0] + 1,)

    y.grad_fn.register_hook(hook)
    y.grad_fn.register_prehook(prehook)
    y.sum().backward()
    return seen, x.grad, w.grad


@conformance()
def test_node_hook_remove(T):
    x, _ = _leaves(T)
    y = x.exp()
    calls = []
    h = y.grad_fn.register_hook(lambda gi, go: calls.append("post"))
    p = y.grad_fn.register_prehook(lambda go: calls.append("pre"))
    h.remove()
    p.remove()
    y.sum().backward()
    return calls, x.grad


# --- in-place ------------------------------------------------------------------------------------------


@conformance()
def test_inplace_on_nonleaf(T):
    x, w = _leaves(T)
    y = x * 2
    y.add_(1)
    y.mul_(x)
    z = w + 1  # add saves nothing, so z may be changed in place before backward
    z.sub_(w.exp()).div_(2)
    (y * y).sum().backward()
    z.sum().backward()
    return y, z, y.is_leaf, x.grad, w.grad


@conformance()
def test_inplace_self_product(T):
    x, _ = _leaves(T)
    y = x * 2
    y.mul_(y)  # mul saved y itself, which the in-place op then changes
    return _message(lambda: y.sum().backward(), "modified by an inplace operation")


@conformance()
def test_inplace_through_views(T):
    x, w = _leaves(T)
    y = w * 1
    y[0] = 0.0
    y[1, 1:].mul_(3)
    y[:, 0].add_(x[:2])
    v = y.view(6)
    v[5] = v[4] * 2
    (y * tensor(T, (2, 3), seed=9)).sum().backward()
    return y, v, w.grad, x.grad


@conformance()
def test_inplace_t_(T):
    _, w = _leaves(T)
    y = w * 1
    y.t_()
    (y * tensor(T, (3, 2), seed=9)).sum().backward()
    return y.shape, w.grad


@conformance()
def test_setitem_value_requires_grad(T):
    x, w = _leaves(T)
    v = tensor(T, (), grad=True, seed=10)
    y = w * 2
    y[0] = x
    y[1, 2] = v
    (y * y).sum().backward()
    return y, x.grad, w.grad, v.grad


@conformance()
def test_inplace_base_sees_view_grads(T):
    x, _ = _leaves(T)
    base = x * 1
    view = base[1:]
    view.mul_(x[1:])  # the base's grad_fn is rebased: its gradient flows through the view's in-place op
    base.sum().backward()
    return base, view, x.grad


@pytest.mark.parametrize("case", ["leaf_add_", "leaf_setitem", "leaf_view_mul_", "leaf_zero_"])
@conformance()
def test_inplace_on_leaf_errors(T, case):
    x, w = _leaves(T)

    def run():
        if case == "leaf_add_":
            x.add_(1)
        elif case == "leaf_setitem":
            x[0] = 1.0
        elif case == "leaf_view_mul_":
            w[0].mul_(2)
        else:
            w.view(6).zero_()

    text = "a view of a leaf Variable" if case.startswith("leaf_view") or case in ("leaf_setitem", "leaf_zero_") else \
        "a leaf Variable that requires grad is being used in an in-place operation"
    return _message(run, text), x, w


@conformance()
def test_inplace_on_leaf_under_no_grad(T):
    """The SGD pattern: update parameters in place under no_grad; they stay leaves that require grad."""
    w = tensor(T, (2, 3), grad=True, seed=1)
    x = tensor(T, (3,), seed=2)
    history = []
    for _ in range(3):
        loss = ((w @ x).tanh() ** 2).sum()
        loss.backward()
        with T.no_grad():
            w -= 0.1 * w.grad
            w[0, 0] = w[0, 0] * 0.5
        w.grad.zero_()
        history.append(loss.detach())
    return history, w, w.requires_grad, w.is_leaf, w.grad_fn is None, w.grad


SAVED_CASES = {  # what the op saves, what is changed in place after it ran: torch raises or not
    "hypot_other": (lambda T, a, c: T.hypot(a, c), "other"),
    "atan2_other": (lambda T, a, c: T.atan2(a, c), "other"),
    "maximum_other": (lambda T, a, c: T.maximum(a, c), "other"),
    "clamp_input": (lambda T, a, c: a.clamp(-0.5, 0.5), "input"),
    "erfinv_input": (lambda T, a, c: (a * 0.4).erfinv(), "none"),
    "norm_output": (lambda T, a, c: a.norm(), "output"),
    "tanh_output": (lambda T, a, c: a.tanh(), "output"),
    "relu_input": (lambda T, a, c: a.relu(), "input"),
    "std_input": (lambda T, a, c: a.std(), "input"),
    "add_other": (lambda T, a, c: a + c, "other"),
    "sin_inplace": (lambda T, a, c: a.sin_(), "input"),  # torch keeps a copy of the original self
    "mul_inplace": (lambda T, a, c: a.mul_(c), "input"),
    "exp_inplace": (lambda T, a, c: a.exp_(), "input"),  # ...but saves the result, which is `a` now
    "tanh_inplace": (lambda T, a, c: a.tanh_(), "input"),
    "pow_inplace_other": (lambda T, a, c: a.pow_(c), "other"),
}


@pytest.mark.parametrize("case", list(SAVED_CASES))
@conformance()
def test_saved_tensor_table(T, case):
    x = tensor(T, (3,), grad=True)
    c = tensor(T, (3,), seed=2, low=0.5, high=1.5)
    a = x * 1
    fn, changed = SAVED_CASES[case]
    b = fn(T, a, c)
    {"input": a, "other": c, "output": b, "none": a.detach().clone()}[changed].add_(0.0)
    return _message(lambda: (b * 1).sum().backward(), "modified by an inplace operation"), x.grad


@conformance()
def test_view_read_after_base_changed(T):
    """A view's gradient goes through its base's in-place change (torch regenerates its grad_fn)."""
    x, w = _leaves(T)
    y = w * 1
    v, u = y[0], y[1]
    y.mul_(2)
    u2 = y[1]
    u2.add_(x)
    names = v.grad_fn.name(), u.grad_fn.name()
    ((v * v).sum() + (u * x).sum()).backward()
    return names, w.grad, x.grad


@pytest.mark.parametrize("case", ["sin_input", "exp_output", "pow_input", "view_of_saved"])
@conformance()
def test_saved_tensor_modified(T, case):
    x, _ = _leaves(T)
    a = x * 1
    if case == "sin_input":
        b = a.sin()
        a.add_(1)
    elif case == "exp_output":
        b = a.exp()
        b.mul_(2)
    elif case == "pow_input":
        b = a ** 2
        a[0] = 0.0
    else:
        b = a.tanh()
        b[1:].zero_()
    return _message(lambda: b.sum().backward(), "modified by an inplace operation")


@conformance()
def test_unsaved_tensor_modified(T):
    x, w = _leaves(T)
    a = x * 1
    b = a + w  # add saves neither input
    a.add_(1)
    c = a * 2  # mul by a Python scalar saves only the scalar
    a.sub_(3)
    (b.sum() + c.sum()).backward()
    return a, b, c, x.grad, w.grad


_LINEAR_INPUTS = {"1d": (4,), "2d": (2, 4), "3d": (2, 2, 4)}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("needs", ["all", "input_only", "weight_only"])
@pytest.mark.parametrize("shape", list(_LINEAR_INPUTS))
@conformance()
def test_linear_next_functions(T, shape, needs, bias):
    """F.linear shows aten::linear's decomposition: addmm/mm with t() of the weight, views for non-2-D inputs."""
    x = tensor(T, _LINEAR_INPUTS[shape], grad=needs != "weight_only") * 1
    w, b = tensor(T, (3, 4), grad=needs != "input_only", seed=1), tensor(T, (3,), grad=True, seed=2)
    y = T.nn.functional.linear(x, w, b if bias else None)
    first = y.grad_fn.next_functions[0][0]
    return _structure(y.grad_fn), first is y.grad_fn.next_functions[0][0]


@conformance()
def test_linear_vector_weight_next_functions(T):
    x, w = tensor(T, (2, 4), grad=True) * 1, tensor(T, (4,), grad=True, seed=1)
    return _structure(T.nn.functional.linear(x, w).grad_fn), _structure(T.nn.functional.linear(x[0], w).grad_fn)


@conformance()
def test_post_accumulate_grad_hook(T):
    """The hook sees `.grad` after each accumulation (so an optimizer can step per parameter), until removed."""
    w = tensor(T, (3,), grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.clone()))
    (w * 2).sum().backward()
    (w * w).sum().backward()
    T.autograd.grad((w * 5).sum(), w)  # no accumulation: no call
    handle.remove()
    (w * 3).sum().backward()
    with w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad * 10)):
        w.sum().backward()
    w.sum().backward()
    return seen, w.grad


@pytest.mark.parametrize("case", ["non_leaf", "no_grad"])
@conformance(errors=True)
def test_post_accumulate_grad_hook_errors(T, case):
    x = tensor(T, (3,), grad=case == "non_leaf")
    (x * 2 if case == "non_leaf" else x).register_post_accumulate_grad_hook(lambda p: None)


_OVERWRITES = {
    "fill": lambda T, y, x: y.fill_(0.5),
    "fill_tensor": lambda T, y, x: y.fill_(T.tensor(2.0)),
    "zero": lambda T, y, x: y.zero_(),
    "copy_constant": lambda T, y, x: y.copy_(T.ones(3)),
    "copy_from_graph": lambda T, y, x: y.copy_(x * 3),
    "copy_broadcast_cast": lambda T, y, x: y.copy_((x * 3)[:1].double()),
}


@pytest.mark.parametrize("dst", ["non_leaf", "plain"])
@pytest.mark.parametrize("name", list(_OVERWRITES))
@conformance()
def test_inplace_overwrite_gradient(T, name, dst):
    """An in-place op that overwrites a tensor of the graph gives its old value a zero gradient (FillBackward2,
    ZeroBackward0, CopyBackwards), as torch."""
    x = tensor(T, (3,), grad=True)
    y = x * 2 if dst == "non_leaf" else T.zeros(3)
    _OVERWRITES[name](T, y, x)
    if not y.requires_grad:
        return y, x.grad
    (y * tensor(T, (3,), seed=1)).sum().backward()
    return y, x.grad, _structure(y.grad_fn, 2)

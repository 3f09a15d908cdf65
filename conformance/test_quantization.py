"""torch.ao.quantization / torch.quantization: observers, quantized tensors, fusion, static PTQ, QAT, dynamic."""

import contextlib

import pytest
from harness import conformance, fill_params, tensor

# torch warns once per process (TORCH_WARN_ONCE) when a quantized tensor is first created; torchax does the same, so
# whether a given test sees it depends on test order
pytestmark = pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel:UserWarning")


@contextlib.contextmanager
def _warns(*categories):
    """Expect each warning category (torch's deprecation / reduce_range / creation warnings) in both libraries."""
    with contextlib.ExitStack() as stack:
        for c in categories:
            stack.enter_context(pytest.warns(c))
        yield


_OBSERVERS = [
    ("MinMaxObserver", {}),
    ("MinMaxObserver", {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}),
    ("MovingAverageMinMaxObserver", {"averaging_constant": 0.5}),
    ("PerChannelMinMaxObserver", {"dtype": "qint8", "qscheme": "per_channel_symmetric"}),
    ("PerChannelMinMaxObserver", {"ch_axis": 1}),
    ("MovingAveragePerChannelMinMaxObserver", {"averaging_constant": 0.5}),
    ("HistogramObserver", {}),
    ("HistogramObserver", {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}),
]


@pytest.mark.parametrize("name,kwargs", _OBSERVERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(_OBSERVERS)])
@conformance()
def test_observer_qparams(T, name, kwargs):
    kw = {k: getattr(T, v) if k in ("dtype", "qscheme") else v for k, v in kwargs.items()}
    obs = getattr(T.ao.quantization, name)(**kw)
    for seed, (lo, hi) in enumerate([(-1.0, 2.0), (-3.0, 1.0), (0.5, 4.0)]):
        obs(tensor(T, (4, 6), seed=seed, low=lo, high=hi))
    scale, zero_point = obs.calculate_qparams()
    return scale, zero_point, obs.quant_min, obs.quant_max


@conformance()
def test_histogram_observer_reduce_range(T):
    with _warns(UserWarning):
        obs = T.quantization.HistogramObserver(reduce_range=True)
    obs(tensor(T, (2, 3, 8, 8), seed=0, low=-1, high=3))
    obs(tensor(T, (2, 3, 8, 8), seed=1, low=-2, high=2))
    return obs.calculate_qparams(), obs.min_val, obs.max_val


@pytest.mark.parametrize("dtype", ["quint8", "qint8", "qint32"])
@conformance()
def test_quantize_per_tensor(T, dtype):
    x = tensor(T, (3, 5), low=-3, high=3)
    q = T.quantize_per_tensor(x, 0.05, 3, getattr(T, dtype))
    return q.int_repr(), q.dequantize(), T.dequantize(q), q.q_scale(), q.q_zero_point(), str(q.dtype), q.shape


@conformance()
def test_quantize_per_channel(T):
    x = tensor(T, (3, 4), low=-2, high=2)
    q = T.quantize_per_channel(x, T.tensor([0.01, 0.02, 0.03], dtype=T.float64), T.tensor([0, 2, -1]), 0, T.qint8)
    return q.int_repr(), q.dequantize(), q.q_per_channel_axis(), str(q.qscheme())


@conformance()
def test_fake_quantize_ste_gradient(T):
    x = tensor(T, (8,), grad=True, low=-2, high=2)
    y = T.fake_quantize_per_tensor_affine(x, 0.01, 10, 0, 255)
    (y * T.arange(8.0)).sum().backward()
    return y, x.grad


def _fusable(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn, self.relu = T.nn.Conv2d(2, 3, 3), T.nn.BatchNorm2d(3), T.nn.ReLU()
            self.fc, self.relu2 = T.nn.Linear(3, 4), T.nn.ReLU()

        def forward(self, x):
            return self.relu2(self.fc(self.relu(self.bn(self.conv(x))).mean((2, 3))))

    m = fill_params(T, M())
    m.bn.running_mean.copy_(T.tensor([0.1, -0.2, 0.3]))
    m.bn.running_var.copy_(T.tensor([0.5, 1.5, 2.0]))
    return m.eval()


@conformance(atol=1e-5)
def test_fuse_modules(T):
    m = _fusable(T)
    x = tensor(T, (2, 2, 5, 5))
    fused = T.quantization.fuse_modules(m, [["conv", "bn", "relu"], ["fc", "relu2"]])
    names = [type(c).__name__ for c in fused.children()]
    inner = [type(c).__name__ for c in fused.conv.children()]
    return names, inner, type(fused.conv).__module__.split(".")[-3:], fused(x), m(x)


@conformance(errors=True)
def test_fuse_modules_train_conv_bn_error(T):
    return T.quantization.fuse_modules(_fusable(T).train(), [["conv", "bn"]])


def _static_model(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = T.quantization.QuantStub()
            self.conv, self.relu = T.nn.Conv2d(3, 4, 3, padding=1), T.nn.ReLU()
            self.fc = T.nn.Linear(4, 5)
            self.dequant = T.quantization.DeQuantStub()

        def forward(self, x):
            return self.dequant(self.fc(self.relu(self.conv(self.quant(x))).mean((2, 3)).relu()))

    return fill_params(T, M())


@pytest.mark.parametrize("backend", ["fbgemm", "qnnpack"])
@conformance()
def test_static_quantization(T, backend):
    model = _static_model(T).eval()
    q = T.quantization
    with _warns(DeprecationWarning, *[UserWarning] * (backend == "fbgemm")):  # (reduce_range's warning)
        model = q.fuse_modules(model, [["conv", "relu"]])
        model.qconfig = q.get_default_qconfig(backend)
        q.prepare(model, inplace=True)
        with T.no_grad():
            for seed in range(3):
                model(tensor(T, (2, 3, 6, 6), seed=seed))
        q.convert(model, inplace=True)
    x = tensor(T, (1, 3, 6, 6), seed=9)
    xq = model.quant(x)
    hidden = model.conv(xq)
    # NOTE: .mean of a quantized tensor is not provided; the quantized Linear is checked on the dequantized path
    return (type(model.conv).__name__, type(model.relu).__name__, type(model.quant).__name__,
            model.quant.scale, model.quant.zero_point, model.conv.scale, model.conv.zero_point,
            xq.int_repr(), hidden.int_repr(), hidden.dequantize(), model.conv.weight().int_repr())


@conformance()
def test_quantized_linear(T):
    lin = fill_params(T, T.nn.Sequential(T.quantization.QuantStub(), T.nn.Linear(6, 4), T.nn.ReLU(),
                                         T.quantization.DeQuantStub())).eval()
    q = T.quantization
    with _warns(DeprecationWarning, UserWarning):
        lin = q.fuse_modules(lin, [["1", "2"]])
        lin.qconfig = q.get_default_qconfig("fbgemm")
        q.prepare(lin, inplace=True)
        lin(tensor(T, (8, 6)))
        q.convert(lin, inplace=True)
        out = lin[1](lin[0](tensor(T, (3, 6), seed=4)))
    return type(lin[1]).__name__, out.int_repr(), lin[1].scale, lin[1].zero_point


@conformance(atol=1e-6)
def test_qat(T):
    model = _static_model(T).train()
    q = T.quantization
    with _warns(DeprecationWarning, UserWarning):
        model = q.fuse_modules(model, [["conv", "relu"]])
        model.qconfig = q.get_default_qat_qconfig("fbgemm")
        q.prepare_qat(model, inplace=True)
    names = type(model.conv).__name__, type(model.conv.weight_fake_quant).__name__
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    for seed in range(2):
        loss = model(tensor(T, (2, 3, 6, 6), seed=seed)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    grads = model.conv.weight.grad, model.fc.weight.grad
    model.eval()
    with _warns(DeprecationWarning):
        q.convert(model, inplace=True)
    out = model(tensor(T, (1, 3, 6, 6), seed=9))
    return names, loss, grads, type(model.conv).__name__, model.conv.scale, model.conv.weight().int_repr(), out


@conformance(rtol=1e-4, atol=1e-5)
def test_quantize_dynamic(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.fc = T.nn.LSTM(4, 6, batch_first=True), T.nn.Linear(6, 3)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.fc(out[:, -1]), h, c

    model = fill_params(T, M()).eval()
    with _warns(DeprecationWarning):
        q = T.quantization.quantize_dynamic(model, {T.nn.Linear, T.nn.LSTM}, dtype=T.qint8)
    x = tensor(T, (2, 3, 4))
    yq = q(x)
    return (type(q.lstm).__module__.split(".")[-2:], type(q.fc).__name__, type(model.fc).__name__,
            q.fc.weight().int_repr(), yq, T.allclose(yq[0], model(x)[0], atol=0.05))

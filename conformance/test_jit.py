"""torch.jit (trace, script, save/load, annotations) against real torch: outputs, grads, names, errors."""

import pytest
import torch
from harness import conformance, fill_params, tensor

import torchax

# NOTE: torch 2.13 deprecates TorchScript; test_jit_deprecation_warnings checks that torchax warns alike.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.*deprecated:DeprecationWarning")


def _mlp(T):
    return fill_params(T, T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2)))


def _net(T):
    class Net(T.nn.Module):
        scale: T.jit.Final[float]

        def __init__(self):
            super().__init__()
            self.fc = T.nn.Linear(3, 2)
            self.scale = 2.0

        def forward(self, x):
            return self.helper(T.relu(self.fc(x))) * self.scale

        def helper(self, y):
            return y + 1

        @T.jit.ignore
        def debug(self, y):
            return y

        @T.jit.unused
        def unused_method(self, y):
            return y

    return fill_params(T, Net())


MODELS = {"mlp": _mlp, "net": _net}


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("how", ["script", "trace"])
@conformance()
def test_jit_module_outputs_and_surface(T, model, how):
    m = MODELS[model](T)
    x = tensor(T, (2, 3))
    j = T.jit.script(m) if how == "script" else T.jit.trace(m, x)
    y = j(x)
    y.sum().backward()  # grads reach the original module's parameters
    grads = [p.grad for p in m.parameters()]
    return (y, j(tensor(T, (5, 3), seed=1)), m(x), grads, type(j).__name__, repr(j), list(j.state_dict()),
            j.original_name, j.training, j.eval().training, m.training)


@pytest.mark.parametrize("how", ["script", "trace"])
@conformance()
def test_jit_save_load_roundtrip(T, how, tmp_path):
    m = _net(T)
    x = tensor(T, (2, 3))
    j = T.jit.script(m) if how == "script" else T.jit.trace(m, x)
    path = str(tmp_path / f"{how}.pt")
    j.save(path)
    loaded = T.jit.load(path, map_location="cpu")
    loaded.eval()
    y = loaded(x)
    y.sum().backward()
    return (y, m(x), loaded(tensor(T, (4, 3), seed=2)), type(loaded).__name__, repr(loaded),
            loaded.state_dict(), [p.grad for p in loaded.parameters()], loaded.training)


@conformance()
def test_jit_save_function_and_file_object(T, tmp_path):
    import io

    m = _mlp(T)
    x = tensor(T, (2, 3))
    buf = io.BytesIO()
    T.jit.save(T.jit.trace(m, x), buf)
    buf.seek(0)
    return T.jit.load(buf)(x), m(x)


@conformance()
def test_jit_trace_function(T):
    def f(a, b):
        return (a * b + 1).tanh(), a - b

    x, y = tensor(T, (2, 3)), tensor(T, (2, 3), seed=1)
    g = T.jit.trace(f, (x, y))
    return g(x, y), f(x, y), type(g).__name__.rsplit(".", 1)[-1]


@conformance()
def test_jit_is_tracing_and_is_scripting(T):
    class M(T.nn.Module):
        def forward(self, x):
            return x * (2 if T.jit.is_tracing() else 3) + (1 if T.jit.is_scripting() else 0)

    x = tensor(T, (2,))
    return T.jit.trace(M(), x, check_trace=False)(x), M()(x), T.jit.is_tracing(), T.jit.is_scripting()


@conformance()
def test_jit_annotate_and_script_function(T):
    @T.jit.script
    def f(x):
        y = T.jit.annotate(list[int], [])
        return x + len(y)

    class M(T.nn.Module):
        def forward(self, x):
            return self.helper(x)

        @T.jit.export
        def helper(self, x):
            return x * 2

    m = T.jit.script(M())
    with T.no_grad():  # NOTE: a frozen module's parameters are constants in torch
        frozen = T.jit.freeze(T.jit.script(_mlp(T)).eval())(tensor(T, (1, 3)))
    return f(tensor(T, (3,))), m(tensor(T, (2,))), m.helper(tensor(T, (2,))), frozen


@conformance(errors=True)
def test_jit_load_missing_file(T, tmp_path):
    return T.jit.load(str(tmp_path / "missing.pt"))


@conformance(errors=True)
def test_jit_load_not_a_zip(T, tmp_path):
    path = tmp_path / "garbage.pt"
    path.write_text("hello")
    return T.jit.load(str(path))


@conformance(errors=True)
def test_jit_load_state_dict_checkpoint(T, tmp_path):
    path = str(tmp_path / "sd.pt")
    T.save(_mlp(T).state_dict(), path)
    return T.jit.load(path)


@pytest.mark.parametrize("loaded", [False, True])
@conformance(errors=True)
def test_jit_traced_wrong_input_shape(T, loaded, tmp_path):
    j = T.jit.trace(_mlp(T), tensor(T, (2, 3)))
    if loaded:
        j.save(str(tmp_path / "m.pt"))
        j = T.jit.load(str(tmp_path / "m.pt"))
    return j(tensor(T, (2, 4)))


@conformance(errors=True)
def test_jit_trace_bad_example(T):
    return T.jit.trace(_mlp(T), tensor(T, (2, 4)))


def test_jit_load_refuses_torch_torchscript_archive(tmp_path):
    path = str(tmp_path / "torch.pt")
    torch.jit.trace(torch.nn.Linear(3, 2), torch.ones(1, 3)).save(path)
    with pytest.raises(RuntimeError, match="TorchScript archives written by PyTorch"):
        torchax.jit.load(path)


@conformance()
def test_jit_deprecation_warnings(T, tmp_path):
    import warnings

    m, x = _mlp(T), tensor(T, (1, 3))
    path = str(tmp_path / "m.pt")
    seen = []
    for fn in (lambda: T.jit.script(m), lambda: T.jit.trace(m, x), lambda: T.jit.save(T.jit.trace(m, x), path),
               lambda: T.jit.load(path), lambda: T.jit.freeze(T.jit.script(m).eval())):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn()
        seen.append(sorted({(c.category.__name__, str(c.message)) for c in w}))
    return seen

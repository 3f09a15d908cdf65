"""torch.onnx.export on torchax: onnxruntime runs the exported model and must give torch's outputs (same weights)."""

import io

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from harness import data, fill_params

import torchax


def _models(T):
    return {
        "linear": (T.nn.Linear(3, 2), (4, 3)),
        "mlp": (T.nn.Sequential(T.nn.Linear(3, 8), T.nn.ReLU(), T.nn.Linear(8, 2)), (4, 3)),
        "cnn": (T.nn.Sequential(T.nn.Conv2d(1, 2, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2), T.nn.Flatten(),
                                T.nn.Linear(2 * 3 * 3, 3)), (2, 1, 6, 6)),
        "softmax": (T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Softmax(dim=-1)), (4, 3)),
        "gelu_layernorm": (T.nn.Sequential(T.nn.Linear(3, 4), T.nn.LayerNorm(4), T.nn.GELU(), T.nn.Sigmoid()),
                           (4, 3)),
    }


def _run_onnx(proto_bytes, x):
    session = onnxruntime.InferenceSession(proto_bytes, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})


@pytest.mark.parametrize("name", list(_models(torch)))
def test_onnx_export_matches_torch(name, capsys):
    model, shape = _models(torchax)[name]
    reference, _ = _models(torch)[name]
    fill_params(torchax, model), fill_params(torch, reference)
    x = data(shape)
    buf = io.BytesIO()
    program = torchax.onnx.export(model.eval(), (torchax.tensor(x),), buf, input_names=["input"],
                                  output_names=["output"], verbose=False)
    assert capsys.readouterr().out == ""
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["input"] and [o.name for o in proto.graph.output] == ["output"]
    (got,) = _run_onnx(buf.getvalue(), x)
    with torch.no_grad():
        expected = reference.eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(program(torchax.tensor(x))[0].numpy(), expected, rtol=1e-5, atol=1e-5)


def test_onnx_export_progress_lines_and_file(tmp_path, capsys):
    model = fill_params(torchax, torchax.nn.Linear(3, 1))
    path = tmp_path / "model.onnx"
    torchax.onnx.export(model, torchax.tensor(data((1, 3))), str(path), input_names=["input"])
    step = "[torch.onnx] Obtain model graph for `Linear(in_features=3, out_features=1, bias=True)` with " \
           "`torch.export.export(..., strict=False)`..."
    lines = [step, step + " ✅"]
    for s in ("Run decompositions...", "Translate the graph into ONNX...", "Optimize the ONNX graph..."):
        lines += ["[torch.onnx] " + s, "[torch.onnx] " + s + " ✅"]
    assert capsys.readouterr().out.splitlines() == lines
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version == 18 and [o.name for o in proto.graph.output] == ["output_0"]
    (got,) = _run_onnx(path.read_bytes(), data((1, 3)))
    np.testing.assert_allclose(got, model(torchax.tensor(data((1, 3)))).detach().numpy(), rtol=1e-6)


def test_onnx_export_unsupported_primitive():
    class Sorter(torchax.nn.Module):
        def forward(self, x):
            return torchax.sort(x).values

    with pytest.raises(NotImplementedError, match="'sort'"):
        torchax.onnx.export(Sorter(), (torchax.tensor(data((4,))),), io.BytesIO(), verbose=False)


def test_onnx_is_in_onnx_export():
    seen = []

    class M(torchax.nn.Module):
        def forward(self, x):
            seen.append(torchax.onnx.is_in_onnx_export())
            return x + 1

    torchax.onnx.export(M(), (torchax.tensor(data((2,))),), io.BytesIO(), verbose=False)
    assert seen and all(seen) and not torchax.onnx.is_in_onnx_export() and not torch.onnx.is_in_onnx_export()

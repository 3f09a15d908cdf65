"""torchax.utils.tensorboard.SummaryWriter: the event files it writes, read back record by record.

torch.utils.tensorboard needs the `tensorboard` package, which the test environment does not have, so the expected
values are what TensorBoard's format says the records hold."""

import glob
import os
import struct

import numpy as np
import pytest

import torchax
from torchax.utils.tensorboard import SummaryWriter

event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")


def _records(path):
    """The Event protos of one TFRecord event file (length, crc, payload, crc)."""
    out = []
    with open(path, "rb") as f:
        while header := f.read(12):
            (n,) = struct.unpack("<Q", header[:8])
            payload = f.read(n)
            f.read(4)
            ev = event_pb2.Event()
            ev.ParseFromString(payload)
            out.append(ev)
    return out


def _events(log_dir):
    events = []
    for path in sorted(glob.glob(os.path.join(log_dir, "**", "events.out.tfevents.*"), recursive=True)):
        events += [(os.path.relpath(os.path.dirname(path), log_dir), ev) for ev in _records(path)]
    return events


def test_scalars_histograms_images_text(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        assert w.get_logdir() == str(tmp_path)
        for step in range(3):
            w.add_scalar("loss", torchax.tensor(1.0 / (step + 1)), step)
        w.add_scalar("lr", 0.1, 5)
        w.add_scalars("acc", {"train": torchax.tensor(0.5), "val": 0.25}, 7)
        w.add_histogram("weights", torchax.arange(10.0), 1)
        w.add_image("img", torchax.ones(3, 4, 5) * 0.5, 2)
        w.add_images("imgs", torchax.zeros(2, 1, 4, 4), 2)
        w.add_text("note", "hello", 3)
        w.flush()
    events = _events(str(tmp_path))
    scalars = [(d, v.tag, ev.step, round(v.simple_value, 6)) for d, ev in events if ev.HasField("summary")
               for v in ev.summary.value if v.HasField("simple_value")]
    assert (".", "loss", 0, 1.0) in scalars and (".", "loss", 2, round(1 / 3, 6)) in scalars
    assert (".", "lr", 5, 0.1) in scalars
    assert ("acc_train", "acc", 7, 0.5) in scalars and ("acc_val", "acc", 7, 0.25) in scalars
    values = {v.tag: v for _, ev in events if ev.HasField("summary") for v in ev.summary.value}
    hist = values["weights"].histo
    assert (hist.min, hist.max, hist.num, hist.sum) == (0.0, 9.0, 10.0, 45.0)
    assert (values["img"].image.height, values["img"].image.width, values["img"].image.colorspace) == (4, 5, 3)
    assert values["imgs"].image.height == 4
    assert "note" in "".join(values)


def test_hparams_and_graph(tmp_path):
    w = SummaryWriter(str(tmp_path))
    w.add_hparams({"lr": 0.01, "bs": 8, "opt": "sgd"}, {"hparam/acc": torchax.tensor(0.75)}, run_name="run1")
    model = torchax.nn.Sequential(torchax.nn.Linear(4, 3), torchax.nn.ReLU(), torchax.nn.Linear(3, 2))
    w.add_graph(model, torchax.zeros(5, 4))
    w.close()
    events = _events(str(tmp_path))
    graphs = [ev for _, ev in events if ev.graph_def]
    from tensorboardX.proto.graph_pb2 import GraphDef

    g = GraphDef()
    g.ParseFromString(graphs[0].graph_def)
    assert [(n.name, n.op, list(n.input)) for n in g.node] == [
        ("input", "IO Node", []), ("0", "Linear", ["input"]), ("1", "ReLU", ["0"]), ("2", "Linear", ["1"])]
    assert g.node[3].attr["_output_shapes"].s == b"(5, 2)"
    metric = [(d, v.tag, v.simple_value) for d, ev in events if ev.HasField("summary") for v in ev.summary.value
              if v.HasField("simple_value")]
    assert metric == [("run1", "hparam/acc", 0.75)]
    plugins = {v.metadata.plugin_data.plugin_name for _, ev in events if ev.HasField("summary")
               for v in ev.summary.value}
    assert "hparams" in plugins


def test_default_log_dir_and_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_exp")
    w.close()
    assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_exp")
    assert os.path.isdir(w.get_logdir())
    assert np.isfinite(len(_events(w.get_logdir())))

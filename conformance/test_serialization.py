"""torch.save / torch.load: checkpoints move both ways between torch and torchax, in torch's own format.

Each object kind is saved and loaded three ways — T -> T, T -> real torch (`torch.load(weights_only=True)`) and
real torch -> T — and the loaded objects compared (values, dtypes, Parameter types, attributes, and storage
sharing: an in-place write through one loaded view must show in the others).
"""

import collections
import io
import os
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch
from harness import conformance, fill_params, message, tensor

import torchax

DTYPES = ["float32", "float64", "float16", "bfloat16", "bool", "uint8", "int8", "int16", "int32", "int64",
          "complex64", "complex128"]


class Point:
    """A user class for the allow-list tests (module level, so pickle finds it)."""

    def __init__(self, x, y):
        self.x, self.y = x, y


def _dtypes(T):
    out = {d: tensor(T, (2, 3), dtype=d) for d in DTYPES}
    out["uint16"] = tensor(T, (3,), dtype="int32").abs().to(T.uint16)  # saved with _rebuild_tensor_v3
    out["zero_dim"] = tensor(T, ())
    out["empty"] = T.zeros(0, 3)
    out["empty_int"] = T.zeros(2, 0, dtype=T.int64)
    return out


def _views(T):
    a = tensor(T, (4, 6))
    return {"base": a, "row": a[1], "col": a[:, 2], "t": a.t(), "block": a[1:3, 2:5], "flat": a.view(-1),
            "step": a[::2, 1::3], "expand": a[0, :1].expand(3, 2)}


def _module(T):
    return fill_params(T, T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.BatchNorm1d(4), T.nn.Linear(4, 2)))


def _optimizer(T):
    return {"state": {0: {"step": T.tensor(3.0), "exp_avg": tensor(T, (4, 3)), "exp_avg_sq": tensor(T, (4, 3)).abs()},
                      1: {"step": T.tensor(3.0), "exp_avg": tensor(T, (4,), seed=1),
                          "exp_avg_sq": tensor(T, (4,), seed=2).abs()}},
            "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
                              "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
                              "fused": None, "params": [0, 1]}]}


def _nested(T):
    return {"ints": [1, -7, 2**40, -(2**70)], "floats": (0.5, -1e300, float("inf")), "str": "ünïcode", "none": None,
            "bools": [True, False], "bytes": b"\x00\xffraw", "complex": 1 + 2j, "set": {1, 2, 3},
            "deep": {"list": [tensor(T, (2,)), {"t": tensor(T, (3,), dtype="int64")}], "tuple": (tensor(T, ()), "x")}}


def _parameters(T):
    p = T.nn.Parameter(tensor(T, (2, 3)))
    q = T.nn.Parameter(tensor(T, (3,), seed=1), requires_grad=False)
    tagged = T.nn.Parameter(tensor(T, (2,), seed=2))
    tagged.note = "kept"
    plain = tensor(T, (2,), seed=3)
    plain.tag = 7
    return {"p": p, "q": q, "tagged": tagged, "plain_with_attr": plain, "grad": tensor(T, (2,), grad=True)}


KINDS = {
    "dtypes": _dtypes,
    "views": _views,
    "state_dict": lambda T: _module(T).state_dict(),
    "optimizer": _optimizer,
    "nested": _nested,
    "parameters": _parameters,
    "metadata": lambda T: [T.float16, T.bfloat16, T.device("cpu"), T.Size([2, 3]), T.Size([])],
}


def _describe(T, obj):
    """The loaded object plus what the tree comparison cannot see: types, attributes, strides, shared memory."""
    extra = {"type": type(obj).__name__}
    if isinstance(obj, dict):
        extra["types"] = {k: type(v).__name__ for k, v in obj.items()}
        for k, v in obj.items():
            if isinstance(v, (torch.Tensor, torchax.Tensor)):
                extra[k] = (v.stride(), v.storage_offset(), v.is_contiguous(), getattr(v, "note", None),
                            getattr(v, "tag", None))
        if "base" in obj:  # views: one storage after loading, and a write through the base shows everywhere
            ptr = obj["base"].untyped_storage().data_ptr()
            extra["shared"] = [obj[k].untyped_storage().data_ptr() == ptr for k in obj]
            with T.no_grad():
                obj["base"].mul_(10)
    return obj, extra


def _bytes(T, obj, **kw):
    buf = io.BytesIO()
    T.save(obj, buf, **kw)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("kind", list(KINDS))
@conformance()
def test_round_trip(T, kind):
    return _describe(T, T.load(_bytes(T, KINDS[kind](T))))


@pytest.mark.parametrize("kind", list(KINDS))
@conformance()
def test_torch_reads_it(T, kind):
    """What T saves, real torch loads (weights_only=True)."""
    return _describe(torch, torch.load(_bytes(T, KINDS[kind](T)), weights_only=True))


@pytest.mark.parametrize("kind", list(KINDS))
@conformance()
def test_reads_torch_checkpoint(T, kind):
    """What real torch saves, T loads."""
    return _describe(T, T.load(_bytes(torch, KINDS[kind](torch))))


@pytest.mark.parametrize("kind", ["dtypes", "views", "nested", "parameters"])
@conformance()
def test_legacy_format(T, kind):
    """_use_new_zipfile_serialization=False: T writes the pre-1.6 stream torch reads, and reads torch's."""
    obj = KINDS[kind](T)
    if kind == "dtypes":
        del obj["uint16"]  # torch cannot load its own legacy uint16 storages
    ours = torch.load(_bytes(T, obj, _use_new_zipfile_serialization=False), weights_only=True)
    theirs = KINDS[kind](torch)
    if kind == "dtypes":
        del theirs["uint16"]
    return _describe(torch, ours), _describe(T, T.load(_bytes(torch, theirs, _use_new_zipfile_serialization=False)))


def test_legacy_format_uint16_round_trip():
    """torch cannot read back its own legacy uint16 storages (no dtype on UntypedStorage); torchax can."""
    buf = _bytes(torchax, {"u": torchax.tensor([1, 2, 60000], dtype=torchax.uint16)},
                 _use_new_zipfile_serialization=False)
    u = torchax.load(buf)["u"]
    assert u.dtype is torchax.uint16 and u.tolist() == [1, 2, 60000]


@conformance()
def test_archive_layout(T):
    """Same records, same names, same 64-byte-aligned offsets and same data.pkl bytes as torch writes."""
    buf = _bytes(T, collections.OrderedDict(_views(T)) | {"half": tensor(T, (3,), dtype="float16"),
                                                           "b": tensor(T, (2,), dtype="bool")})
    z = zipfile.ZipFile(buf)
    raw = buf.getvalue()
    records = []
    for info in z.infolist():
        start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28],
                                                         "little")
        start += int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        content = None if info.filename.endswith("serialization_id") else z.read(info)
        records.append((info.filename, info.header_offset, start % 64, info.file_size, info.flag_bits, content))
    return records, len(raw)


def test_zip64_records_read_by_torch(monkeypatch, tmp_path):
    """Past 4 GiB, sizes and offsets move to zip64 fields; lowering the threshold exercises that path on small data
    (torch's miniz reader and Python's zipfile must both accept it, mapped or read)."""
    from torchax._serialization import _zip

    monkeypatch.setattr(_zip, "_ZIP64_AT", 100)
    ours = _views(torchax) | {"big": tensor(torchax, (60,), dtype="float64")}
    path = tmp_path / "z64.pt"
    torchax.save(ours, path)
    assert zipfile.ZipFile(path).testzip() is None
    for mmap in (False, True):
        theirs = torch.load(path, mmap=mmap)
        for k, v in ours.items():
            assert np.array_equal(theirs[k].numpy(), v.numpy()), k
        again = torchax.load(path, mmap=mmap)
        assert all(np.array_equal(again[k].numpy(), v.numpy()) for k, v in ours.items())


def test_torch_computes_our_record_offsets(monkeypatch, tmp_path):
    """torch's offset arithmetic (config.load.calculate_storage_offsets, checked by TORCH_SERIALIZATION_DEBUG)
    assumes miniz's exact layout: headers, 64-byte padding and data descriptors; ours must match it."""
    from torch.utils.serialization import config

    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    monkeypatch.setattr(config.load, "calculate_storage_offsets", True)
    ours = _dtypes(torchax)
    torchax.save(ours, tmp_path / "o.pt")
    loaded = torch.load(tmp_path / "o.pt", mmap=True)
    assert list(loaded) == list(ours) and loaded["int64"].tolist() == ours["int64"].tolist()


@pytest.mark.parametrize("where", ["str", "pathlib", "file"])
@conformance()
def test_paths_and_files(T, where, tmp_path):
    path = tmp_path / f"model.{where}.pt"
    obj = {"w": tensor(T, (2, 3)), "n": 3}
    if where == "file":
        with open(path, "wb") as f:
            T.save(obj, f)
        with open(path, "rb") as f:
            return T.load(f), zipfile.ZipFile(path).namelist()[0]
    target = str(path) if where == "str" else pathlib.Path(path)
    T.save(obj, target)
    return T.load(target), zipfile.ZipFile(path).namelist()[0], sorted(os.listdir(tmp_path))


class WriteOnly:
    """A file object that can only be written (no seek/tell), like a pipe."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass


@conformance()
def test_save_to_write_only_stream(T):
    out = WriteOnly()
    T.save(_views(T), out)
    return _describe(torch, torch.load(io.BytesIO(b"".join(out.chunks))))


@conformance()
def test_load_from_an_offset_in_a_file(T):
    """A checkpoint embedded after other bytes in a stream loads from the stream's current position."""
    buf = io.BytesIO(b"header bytes" + _bytes(torch, _views(torch)).getvalue())
    buf.seek(12)
    return _describe(T, T.load(buf))


MAP_LOCATIONS = {
    "none": lambda T: None,
    "str": lambda T: "cpu",
    "device": lambda T: T.device("cpu"),
    "dict": lambda T: {"cpu": "cpu"},
    "callable": lambda T: lambda storage, loc: storage,
    "callable_none": lambda T: lambda storage, loc: None,
    "callable_cpu": lambda T: lambda storage, loc: storage.cpu(),
}


@pytest.mark.parametrize("where", list(MAP_LOCATIONS))
@conformance()
def test_map_location(T, where):
    buf = _bytes(T, _views(T))
    return _describe(T, T.load(buf, map_location=MAP_LOCATIONS[where](T)))


@conformance()
def test_map_location_callable_sees_location(T):
    seen = []
    T.load(_bytes(T, {"a": tensor(T, (3,)), "b": tensor(T, (2,), dtype="int64")}),
           map_location=lambda s, loc: seen.append((loc, s.nbytes(), str(s.device))))
    return seen


@pytest.mark.parametrize("where", ["str", "device", "dict"])
@conformance(errors=True)
def test_map_location_to_missing_cuda(T, where):
    target = {"str": "cuda:0", "device": T.device("cuda", 0), "dict": {"cpu": "cuda:0"}}[where]
    return T.load(_bytes(T, {"a": tensor(T, (3,))}), map_location=target)


def _cuda_tagged(buf: io.BytesIO) -> io.BytesIO:
    """A torch checkpoint whose storages say they were saved on cuda:0."""
    return rewrite(buf, lambda pkl: pkl.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))


def rewrite(buf: io.BytesIO, edit) -> io.BytesIO:
    """The archive in `buf` with its data.pkl passed through `edit` (other records copied as they are)."""
    src = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, edit(data) if info.filename.endswith("/data.pkl") else data)
    out.seek(0)
    return out


@conformance(errors=True)
def test_cuda_checkpoint_without_cuda(T):
    return T.load(_cuda_tagged(_bytes(torch, {"a": torch.ones(2)})))


@conformance()
def test_cuda_checkpoint_mapped_to_cpu(T):
    return T.load(_cuda_tagged(_bytes(torch, {"a": torch.ones(2)})), map_location="cpu")


@conformance()
def test_mmap(T, tmp_path):
    path = tmp_path / f"m_{T.__name__}.pt"  # torch's mapping of a file rewritten in place would see the new bytes
    torch.save(_views(torch) | {"i": torch.arange(5)}, path)
    return _describe(T, T.load(path, mmap=True))


@conformance(errors=True)
def test_mmap_needs_a_path(T):
    return T.load(_bytes(T, {"a": tensor(T, (2,))}), mmap=True)


@conformance(errors=True)
def test_mmap_refuses_legacy_format(T, tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"a": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    return T.load(path, mmap=True)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@conformance()
def test_pickle_protocol_full_load(T, protocol):
    return T.load(_bytes(T, _nested(T), pickle_protocol=protocol), weights_only=False)


@conformance()
def test_pickle_protocol_3_warns_in_weights_only(T):
    buf = _bytes(T, {"a": tensor(T, (2,))}, pickle_protocol=3)
    with pytest.warns(UserWarning, match="Detected pickle protocol 3"):
        return T.load(buf)


@pytest.mark.parametrize("protocol", [4, 5])
@conformance(errors=True)
def test_pickle_protocol_4_refused_in_weights_only(T, protocol):
    return T.load(_bytes(T, {"a": tensor(T, (2,))}, pickle_protocol=protocol))


@conformance()
def test_pickle_protocol_4_message(T):
    buf = _bytes(T, {"a": tensor(T, (2,))}, pickle_protocol=4)
    return message(lambda: T.load(buf), "Unsupported operand 149")


MODELS = {
    "sequential": (_module, (5, 3)),
    "transformer": (lambda T: fill_params(T, T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)), (3, 2, 8)),
}


@pytest.mark.parametrize("model", list(MODELS))
@conformance()
def test_whole_module_both_ways(T, model):
    """weights_only=False: a pickled nn.Module from torch loads as a T module, and the reverse (classes and
    functions such as F.relu stored on the module resolve to the loading library's own)."""
    make, shape = MODELS[model]
    x = tensor(T, shape)
    mine = T.load(_bytes(torch, make(torch)), weights_only=False).eval()
    theirs = torch.load(_bytes(T, make(T)), weights_only=False).eval()
    with T.no_grad(), torch.no_grad():
        return (type(mine).__name__, repr(mine), mine.state_dict(), mine(x), type(theirs).__name__,
                theirs.state_dict(), theirs(torch.from_numpy(x.numpy())))


def _trained_adam(T):
    model = fill_params(T, T.nn.Linear(3, 2))
    opt = T.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (model(tensor(T, (4, 3))) ** 2).sum().backward()
        opt.step()
    return model, opt


@conformance()
def test_optimizer_state_dict_both_ways(T):
    """A real optimizer's state_dict: T's read by torch, and torch's loaded into a T optimizer that steps on."""
    _, opt = _trained_adam(T)
    read_by_torch = torch.load(_bytes(T, opt.state_dict()))
    _, theirs = _trained_adam(torch)
    model, mine = _trained_adam(T)
    mine.load_state_dict(T.load(_bytes(torch, theirs.state_dict())))
    mine.zero_grad()
    (model(tensor(T, (4, 3))) ** 2).sum().backward()
    mine.step()
    return read_by_torch, mine.state_dict(), model.weight


@conformance(errors=True)
def test_whole_module_refused_by_default(T):
    return T.load(_bytes(T, _module(T)))


@conformance()
def test_whole_module_allowlisted(T):
    lin = fill_params(T, T.nn.Linear(3, 2))
    buf = _bytes(T, lin)
    refused = message(lambda: T.load(buf), "GLOBAL torch.nn.modules.linear.Linear was not an allowed global")
    buf.seek(0)
    with T.serialization.safe_globals([T.nn.Linear]):
        loaded = T.load(buf)
    return refused, type(loaded).__name__, loaded.state_dict()


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".bin"])
@conformance()
def test_state_dict_into_model(T, suffix, tmp_path):
    """A torch checkpoint holding a state_dict loads into a fresh T model with load_state_dict."""
    path = tmp_path / f"weights{suffix}"
    torch.save(_module(torch).state_dict(), path)
    model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.BatchNorm1d(4), T.nn.Linear(4, 2))
    result = model.load_state_dict(T.load(path))
    return str(result), model.eval()(tensor(T, (5, 3))), model.state_dict()


@conformance()
def test_safe_globals_user_class(T):
    buf = _bytes(T, {"p": Point(1, 2.5)})
    refused = message(lambda: T.load(buf), "Point was not an allowed global by default")
    buf.seek(0)
    with T.serialization.safe_globals([Point]):
        p = T.load(buf)["p"]
        inside = Point in T.serialization.get_safe_globals()
    after = Point in T.serialization.get_safe_globals()
    buf.seek(0)
    T.serialization.add_safe_globals([Point])
    q = T.load(buf)["p"]
    added = Point in T.serialization.get_safe_globals()
    T.serialization.clear_safe_globals()
    return refused, (type(p).__name__, p.x, p.y), inside, after, (q.x, q.y), added, T.serialization.get_safe_globals()


@conformance()
def test_safe_globals_by_name(T):
    buf = _bytes(T, {"p": Point(3, 4)})
    with T.serialization.safe_globals([(Point, f"{Point.__module__}.Point")]):
        p = T.load(buf)["p"]
    return p.x, p.y


@conformance()
def test_unsafe_globals_in_checkpoint(T):
    buf = _bytes(torch, {"p": Point(1, 2), "m": torch.nn.ReLU(), "t": torch.ones(2)})
    return sorted(T.serialization.get_unsafe_globals_in_checkpoint(buf))


@conformance(errors=True)
def test_weights_only_with_pickle_module(T):
    return T.load(_bytes(T, {"a": 1}), pickle_module=pickle, weights_only=True)


@conformance()
def test_pickle_module_means_full_load(T):
    buf = _bytes(T, {"p": Point(5, 6)})
    p = T.load(buf, pickle_module=pickle)["p"]
    return type(p).__name__, p.x, p.y


@conformance()
def test_pickle_load_args_warn(T):
    buf = _bytes(T, {"a": 1})
    with pytest.warns(UserWarning, match="pickle_load_args only works"):
        return T.load(buf, encoding="latin1")


@conformance(errors=True)
def test_save_to_object_without_write(T):
    T.save({"a": 1}, object())


@conformance(errors=True)
def test_save_into_missing_folder(T, tmp_path):
    T.save({"a": 1}, tmp_path / "missing" / "x.pt")


@conformance(errors=True)
def test_load_missing_file(T, tmp_path):
    return T.load(tmp_path / "missing.pt")


# --- safetensors (torchax.utils.safetensors; the `safetensors` package is not installed, so checked against the
# format's reference test vectors and against torch's tensors built from the same data) ---------------------------



def _st_tensors(T):
    out = {d: tensor(T, (2, 3), dtype=d) for d in DTYPES[:-1]}
    out["uint16"] = tensor(T, (3,), dtype="int32").abs().to(T.uint16)
    out["scalar"] = tensor(T, ())
    out["empty"] = T.zeros(0, 4)
    return out


def test_safetensors_reference_vectors():
    from torchax.utils import safetensors as st

    attn = torchax.tensor([0.0, 1, 2, 3, 4, 5]).reshape(1, 2, 3)
    header = b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
    assert st.save({"attn.0": attn}) == struct.pack("<Q", 64) + header + np.arange(6, dtype="<f4").tobytes()
    assert st.save({}) == b"\x08" + b"\x00" * 7 + b"{}      "
    assert st.save({}, metadata={"framework": "pt"}) == (struct.pack("<Q", 40) + b'{"__metadata__":{"framework":"pt"}}'
                                                         + b" " * 5)
    loaded = st.load(st.save({"attn.0": attn}))
    assert list(loaded) == ["attn.0"] and np.array_equal(loaded["attn.0"].numpy(), attn.numpy())


def test_safetensors_round_trip_matches_torch_values(tmp_path):
    from torchax.utils import safetensors as st

    ours = _st_tensors(torchax)
    st.save_file(ours, tmp_path / "a.safetensors", metadata={"format": "pt"})
    loaded = st.load_file(str(tmp_path / "a.safetensors"))
    expected = _st_tensors(torch)
    assert list(loaded) == sorted(expected)  # the reference returns names sorted
    for k, v in expected.items():
        got = loaded[k]
        assert str(got.dtype) == str(v.dtype) and tuple(got.shape) == tuple(v.shape), k
        want = v.float() if v.dtype is torch.bfloat16 else v
        have = got.float() if got.dtype is torchax.bfloat16 else got
        assert np.array_equal(have.numpy(), want.numpy()), k
    with st.safe_open(tmp_path / "a.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt"} and f.keys() == sorted(expected)
        assert np.array_equal(f.get_tensor("int64").numpy(), expected["int64"].numpy())
    assert list(torchax.load(tmp_path / "a.safetensors", map_location="cpu")) == sorted(expected)


def test_safetensors_layout_follows_reference_order(tmp_path):
    """Data is laid out by descending dtype (reference enum order), then name; offsets tile the buffer."""
    import json

    from torchax.utils import safetensors as st

    raw = st.save(_st_tensors(torchax))
    (n,) = struct.unpack("<Q", raw[:8])
    head = json.loads(raw[8:8 + n])
    order = sorted(head, key=lambda k: head[k]["data_offsets"][0])
    assert order == ["int64", "float64", "complex64", "empty", "float32", "scalar", "int32", "bfloat16", "float16",
                     "uint16", "int16", "int8", "uint8", "bool"]
    assert n % 8 == 0 and head["int64"]["data_offsets"][0] == 0 and len(raw) == 8 + n + max(
        v["data_offsets"][1] for v in head.values())


def test_safetensors_reads_any_header_order():
    from torchax.utils import safetensors as st

    header = b'{"b":{"dtype":"I16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F64","shape":[1],' \
             b'"data_offsets":[0,8]}}'
    data = np.array([2.5]).tobytes() + np.array([-3, 7], "<i2").tobytes()
    out = st.load(struct.pack("<Q", len(header)) + header + data)
    assert out["a"].tolist() == [2.5] and out["b"].tolist() == [-3, 7] and out["b"].dtype is torchax.int16


def test_safetensors_refuses_shared_and_non_contiguous():
    from torchax.utils import safetensors as st

    a = torchax.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        st.save({"a": a, "b": a[1]})
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        st.save({"t": a.t()})
    assert len(st.save({"top": a[0], "bottom": a[2]})) > 0  # disjoint parts of one storage are fine
    with pytest.raises(ValueError, match="Expected a dict"):
        st.save([a])
    with pytest.raises(ValueError, match="Key `x` is invalid"):
        st.save({"x": 1})


@pytest.mark.parametrize("case", ["too_small", "too_large", "bad_json", "not_object", "gap", "overlap", "bad_size",
                                  "incomplete", "dtype", "shape"])
def test_safetensors_corrupt(case):
    from torchax.utils import safetensors as st

    good = b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    body = {"bad_json": b"{not json", "not_object": b"[1, 2]",
            "gap": b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
            "overlap": b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],'
                       b'"data_offsets":[0,4]}}',
            "bad_size": b'{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',
            "dtype": b'{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}',
            "shape": b'{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}'}.get(case, good)
    raw = struct.pack("<Q", len(body)) + body + bytes(8)
    raw = {"too_small": raw[:5], "too_large": struct.pack("<Q", 10**9) + raw[8:], "incomplete": raw[:-1]}.get(case,
                                                                                                           raw)
    with pytest.raises(st.SafetensorError):
        st.load(raw)


def test_safetensors_model_helpers(tmp_path):
    from torchax.utils import safetensors as st

    model = fill_params(torchax, torchax.nn.Linear(3, 2))
    st.save_model(model, tmp_path / "m.safetensors")
    fresh = torchax.nn.Linear(3, 2)
    st.load_model(fresh, tmp_path / "m.safetensors")
    for k, v in model.state_dict().items():
        assert np.array_equal(fresh.state_dict()[k].numpy(), v.numpy())

"""A checkpoint is untrusted input: malicious pickles are refused and run nothing, corrupt files fail clearly.

Every crafted file goes through torch's `torch.load` too: both must refuse it with the same kind of error and the
same wording, and the payload's canary file must not appear. The last tests check what torch does not promise:
errors that name the file, no allocation from a forged size, and saves that never leave a half-written file.
"""

import io
import os
import pickle
import struct
import subprocess
import zipfile

import pytest
import torch
from harness import conformance, message
from test_serialization import rewrite

import torchax


class Payload:
    """Pickles as `func(*args)`: what an attacker puts in a checkpoint."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _touch_payloads(canary: str) -> dict:
    code = f"open({canary!r}, 'w').close()"
    return {
        "os_system": Payload(os.system, f"touch {canary}"),
        "eval": Payload(eval, code),
        "exec": Payload(exec, code),
        "subprocess": Payload(subprocess.Popen, ["touch", canary]),
        "import": Payload(__import__, "os"),
    }


def _zip_with(obj) -> io.BytesIO:
    """A real torch archive whose pickle holds `obj` next to an ordinary tensor."""
    buf = io.BytesIO()
    torch.save({"weight": torch.ones(2), "evil": obj}, buf)
    buf.seek(0)
    return buf


def _legacy_with(obj) -> io.BytesIO:
    buf = io.BytesIO()
    torch.save({"weight": torch.ones(2), "evil": obj}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    return buf


def _zip_pickle(pkl: bytes) -> io.BytesIO:
    """A torch archive whose data.pkl is replaced by `pkl`."""
    buf = io.BytesIO()
    torch.save({"a": torch.ones(2)}, buf)
    buf.seek(0)
    return rewrite(buf, lambda _: pkl)


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
@pytest.mark.parametrize("payload", ["os_system", "eval", "exec", "subprocess", "import"])
@conformance()
def test_malicious_reduce_runs_nothing(T, payload, fmt, tmp_path):
    canary = str(tmp_path / f"pwned_{T.__name__}")
    buf = (_zip_with if fmt == "zip" else _legacy_with)(_touch_payloads(canary)[payload])
    outcome = message(lambda: T.load(buf), "Weights only load failed")
    return outcome, os.path.exists(canary)


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
@conformance()
def test_malicious_message_names_the_blocked_module(T, fmt, tmp_path):
    buf = (_zip_with if fmt == "zip" else _legacy_with)(Payload(os.system, "true"))
    return message(lambda: T.load(buf), f"GLOBAL {os.system.__module__}.system whose module "
                                        f"{os.system.__module__} is blocked")


@conformance()
def test_malicious_message_strips_builtins(T):
    buf = _zip_with(Payload(eval, "1"))
    return (message(lambda: T.load(buf), "GLOBAL eval was not an allowed global by default"),
            message(lambda: T.load(_zip_with(Payload(eval, "1"))), "add_safe_globals([eval])"))


@conformance()
def test_allowlisting_os_is_still_refused(T):
    buf = _zip_with(Payload(os.system, "true"))
    with T.serialization.safe_globals([os.system]):
        return message(lambda: T.load(buf), "is blocked")


CRAFTED = {
    "unknown_module": b"\x80\x02cnot_a_module\nthing\n)R.",
    "stack_global": b"\x80\x02X\x08\x00\x00\x00builtinsX\x04\x00\x00\x00eval\x93.",
    "inst": b"\x80\x02(X\x01\x00\x00\x001ibuiltins\nint\n.",
    "obj": b"\x80\x02(cbuiltins\nint\no.",
    "build_on_dict": b"\x80\x02}}b.",
    "append_to_dict": b"\x80\x02}Ja.",
    "setitem_on_list": b"\x80\x02]K\x00K\x01s.",
    "reduce_of_dtype": b"\x80\x02ctorch\nfloat32\n)R.",
    "persistent_module": b"\x80\x02(X\x06\x00\x00\x00modulecbuiltins\nint\nNNtQ.",
    "persistent_string": b"\x80\x02X\x01\x00\x00\x00xQ.",
    "frame": b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01.",
    "ext1": b"\x80\x02\x82\x01.",
}


@pytest.mark.parametrize("case", list(CRAFTED))
@conformance(errors=True)
def test_crafted_pickle_refused(T, case):
    return T.load(_zip_pickle(CRAFTED[case]))


@pytest.mark.parametrize("case", ["unknown_module", "stack_global", "build_on_dict", "append_to_dict",
                                  "setitem_on_list", "reduce_of_dtype", "persistent_string"])
@conformance()
def test_crafted_pickle_message(T, case):
    """The same wording as torch (the refusal names the first reason; checked by its key phrase)."""
    phrase = {"unknown_module": "GLOBAL not_a_module.thing was not an allowed global", "stack_global":
              "Unsupported operand 147", "build_on_dict": "Can only build Tensor, Parameter, OrderedDict",
              "append_to_dict": "Can only append to lists", "setitem_on_list": "Can only SETITEM for dict",
              "reduce_of_dtype": "Trying to call reduce for unrecognized function",
              "persistent_string": "persistent_load id must be tuple or int"}[case]
    return message(lambda: T.load(_zip_pickle(CRAFTED[case])), phrase)


# --- corrupt files -------------------------------------------------------------------------------------------------


def _good(fmt="zip") -> bytes:
    buf = io.BytesIO()
    torch.save({"a": torch.arange(40.0), "b": torch.ones(3)}, buf, _use_new_zipfile_serialization=fmt == "zip")
    return buf.getvalue()


def _edit_record(name: str, edit) -> bytes:
    good = _good()
    z = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in z.infolist():
            data = z.read(info)
            dst.writestr(info.filename, edit(data) if info.filename.endswith(name) else data)
    return out.getvalue()


CORRUPT = {
    "empty": lambda: b"",
    "truncated_half": lambda: _good()[:len(_good()) // 2],
    "truncated_tail": lambda: _good()[:-10],
    "truncated_head": lambda: _good()[:100],
    "missing_record": lambda: _good().replace(b"archive/data/1", b"archive/data/9"),
    "bad_pickle": lambda: _edit_record("data.pkl", lambda p: p[:5] + b"\xff" * 15 + p[20:]),
    "numel_too_small": lambda: _edit_record("data.pkl", lambda p: p.replace(b"K(tq", b"K\x01tq")),
    "numel_too_large": lambda: _edit_record("data.pkl", lambda p: p.replace(b"K(tq", b"KPtq")),
    "offset_out_of_range": lambda: _edit_record("data.pkl", lambda p: p.replace(b"QK\x00K(", b"QK\x05K(")),
    "legacy_truncated_data": lambda: _good("legacy")[:-20],
    "legacy_bad_magic": lambda: pickle.dumps(12345, protocol=2) + _good("legacy")[14:],
}


@pytest.mark.parametrize("case", list(CORRUPT))
@conformance(errors=True)
def test_corrupt_file_raises(T, case, tmp_path):
    path = tmp_path / f"{case}.pt"
    path.write_bytes(CORRUPT[case]())
    return T.load(path)


@conformance()
def test_flipped_data_byte_loads_as_torch_does(T):
    """Neither library checks record CRCs on load: a flipped payload byte loads as the flipped value."""
    good = _good()
    z = zipfile.ZipFile(io.BytesIO(good))
    info = z.getinfo("archive/data/0")
    start = info.header_offset + 30 + len(info.filename) + struct.unpack("<H", good[info.header_offset + 28:
                                                                                info.header_offset + 30])[0]
    bad = bytearray(good)
    bad[start + 7] ^= 0x40
    return T.load(io.BytesIO(bytes(bad)))


@conformance(errors=True)
def test_garbage_file_error_type(T, tmp_path):
    """torch leaks a KeyError from its pickle interpreter here; torchax raises UnpicklingError."""
    path = tmp_path / "garbage.pt"
    path.write_bytes(b"hello world this is not a checkpoint")
    return T.load(path)


@conformance(errors=True)
def test_legacy_truncated_pickle_error_type(T, tmp_path):
    """torch leaks an IndexError from its pickle interpreter here; torchax raises UnpicklingError."""
    path = tmp_path / "short.pt"
    path.write_bytes(_good("legacy")[:150])
    return T.load(path)


# --- what torchax adds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_file_error_names_the_file(case, tmp_path):
    path = tmp_path / f"{case}.pt"
    path.write_bytes(CORRUPT[case]())
    with pytest.raises((RuntimeError, EOFError, pickle.UnpicklingError)) as err:
        torchax.load(path)
    assert str(path) in str(err.value)


def test_forged_storage_size_allocates_nothing():
    """A pickle claiming a 2**40-element storage fails on the record size check, before any allocation."""
    forged = _zip_pickle(zipfile.ZipFile(io.BytesIO(_good())).read("archive/data.pkl").replace(
        b"K(tq", b"\x8a\x06\x00\x00\x00\x00\x00\x01tq"))
    with pytest.raises(RuntimeError, match="but the pickle expects 4398046511104"):
        torchax.load(forged)


def _fail_midway(tmp_path, obj, monkeypatch=None):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"previous checkpoint")
    with pytest.raises(Exception) as err:  # noqa: PT011 - whatever the failure, the old file must survive
        torchax.save(obj, path)
    assert path.read_bytes() == b"previous checkpoint"
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    return err.value


def test_atomic_save_pickling_fails(tmp_path):
    class Unpicklable:
        def __reduce__(self):
            raise ValueError("cannot pickle this")

    err = _fail_midway(tmp_path, {"w": torchax.ones(1000), "bad": Unpicklable()})
    assert "cannot pickle this" in str(err)


def test_atomic_save_writing_fails(tmp_path, monkeypatch):
    """A failure after records are written (disk full, device error) also leaves the old file."""
    from torchax._serialization import _pickler

    real, calls = _pickler.host_bytes, []

    def flaky(cell):
        calls.append(cell)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(cell)

    monkeypatch.setattr(_pickler, "host_bytes", flaky)
    _fail_midway(tmp_path, {f"w{i}": torchax.ones(100) * i for i in range(5)})
    assert len(calls) == 3


def test_atomic_save_interrupted(tmp_path, monkeypatch):
    from torchax._serialization import _zip

    def interrupt(self, name, data):
        if name.startswith("data/"):
            raise KeyboardInterrupt
        return real(self, name, data)

    real = _zip.ZipWriter.write_record
    monkeypatch.setattr(_zip.ZipWriter, "write_record", interrupt)
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"previous checkpoint")
    with pytest.raises(KeyboardInterrupt):
        torchax.save({"w": torchax.ones(3)}, path)
    assert path.read_bytes() == b"previous checkpoint" and os.listdir(tmp_path) == ["ckpt.pt"]


def test_atomic_save_keeps_mode_and_follows_links(tmp_path):
    target = tmp_path / "real.pt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    torchax.save({"w": torchax.arange(3)}, link)
    assert link.is_symlink() and oct(os.stat(target).st_mode & 0o777) == "0o640"
    assert torch.equal(torch.load(target)["w"], torch.arange(3))
    assert sorted(os.listdir(tmp_path)) == ["link.pt", "real.pt"]


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "rename"])
def test_atomic_overwrite_never_touches_the_old_file(tmp_path, monkeypatch, exchange):
    """Overwriting swaps a complete new file in (renameat2 exchange, or a rename where that is missing) after
    releasing the old file's cached pages, never its bytes: a reader that opened the old file still reads it whole,
    and nothing else is left in the folder."""
    from torchax._serialization import _save

    if not exchange:
        monkeypatch.setattr(_save, "_exchange", lambda a, b: False)
    path = tmp_path / "ckpt.pt"
    torchax.save({"w": torchax.arange(1000)}, path)
    old = path.read_bytes()
    with open(path, "rb") as reader:
        torchax.save({"w": torchax.arange(5)}, path)
        assert reader.read() == old
    assert torch.equal(torch.load(path)["w"], torch.arange(5)) and os.listdir(tmp_path) == ["ckpt.pt"]

"""torchax.profiler / torchax.autograd.profiler: tables in torch's layout, call counts, record_function regions,
schedules, Chrome traces; the hooks are gone once profiling stops."""

import json
import re
import warnings

import pytest

import torchax as torch
from torchax import _registry
from torchax.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule

HEADER = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]


def _rows(table: str):
    lines = table.splitlines()
    assert lines[0].startswith("-") and lines[2].startswith("-")
    assert re.split(r"\s{2,}", lines[1].strip()) == HEADER
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", lines[-1])
    return [re.split(r"\s{2,}", ln.strip()) for ln in lines[3:-2]]


def test_key_averages_table_counts_calls():
    x = torch.ones(4, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            y = (x @ x).relu()
        y.sum()
    rows = {r[0]: r for r in _rows(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))}
    assert rows["aten::matmul"][-1] == "3" and rows["aten::relu"][-1] == "3" and rows["aten::sum"][-1] == "1"
    assert rows["aten::mm"][-1] == "3"  # the kernel torch's matmul runs, as a child event
    for r in rows.values():
        assert re.fullmatch(r"\d+\.\d{2}%", r[1]) and re.fullmatch(r"\d+\.\d{3}(us|ms|s)", r[2])
    assert len(_rows(prof.key_averages().table(row_limit=2))) == 2


def test_hooks_removed_after_profiling():
    before = _registry.dispatch, torch.sum, torch.Tensor.sum
    with profile():
        assert _registry.dispatch is not before[0]
    assert (_registry.dispatch, torch.sum, torch.Tensor.sum) == before


def test_record_function_regions_and_nesting():
    x = torch.ones(3)
    with profile() as prof:
        with record_function("my_block"):
            x.exp()
            x.exp()
    evts = prof.events()
    block = next(e for e in evts if e.name == "my_block")
    assert [c.name for c in block.cpu_children] == ["aten::exp", "aten::exp"]
    assert block.cpu_time_total >= sum(c.cpu_time_total for c in block.cpu_children)
    assert block.self_cpu_time_total == pytest.approx(block.cpu_time_total - sum(c.cpu_time_total
                                                                                for c in block.cpu_children))
    assert {e.key: e.count for e in prof.key_averages()}["aten::exp"] == 2


def test_record_function_outside_profiler_is_a_noop():
    with record_function("nothing"):
        assert torch.ones(2).sum().item() == 2


def test_schedule_actions_and_trace_ready():
    s = schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [s(i) for i in range(6)] == [ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
                                        ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE, ProfilerAction.NONE]
    ready = []
    x = torch.ones(2)
    with profile(schedule=s, on_trace_ready=lambda p: ready.append(
            sorted(e.name for e in p.events() if e.name.startswith("ProfilerStep")))) as prof:
        for _ in range(6):
            x.exp()
            prof.step()
    assert ready == [["ProfilerStep#2", "ProfilerStep#3"]]
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=0, warmup=0, active=1)
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        schedule(wait=0, warmup=1, active=0)


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    x = torch.ones(2, 2)
    with profile(record_shapes=True, on_trace_ready=torch.profiler.tensorboard_trace_handler(
            str(tmp_path / "tb"), worker_name="w")) as prof:
        with record_function("region"):
            x.mm(x)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    names = {e["name"]: e for e in trace["traceEvents"]}
    assert names["aten::mm"]["ph"] == "X" and names["aten::mm"]["args"]["Input Dims"] == [[2, 2], [2, 2]]
    assert names["region"]["cat"] == "user_annotation"
    files = [p.name for p in (tmp_path / "tb").iterdir()]
    assert len(files) == 1 and files[0].startswith("w.") and files[0].endswith(".pt.trace.json")
    table = prof.key_averages(group_by_input_shape=True).table()
    assert "Input Shapes" in table.splitlines()[1] and "[[2, 2], [2, 2]]" in table


def test_cuda_activity_warns_without_cuda():
    x = torch.ones(2)
    with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            x.exp().neg()
    table = prof.key_averages().table(sort_by="cuda_time_total", row_limit=10)
    assert [r[0] for r in _rows(table)] == ["aten::exp", "aten::neg"]  # all CUDA times 0: first-seen order


def test_legacy_autograd_profiler_print():
    x = torch.ones(8, 8)
    with torch.autograd.profiler.profile(enabled=True, use_cuda=False) as prof:
        (x @ x).relu().sum()
    rows = _rows(str(prof))
    assert [r[0] for r in rows] == ["aten::matmul", "aten::mm", "aten::relu", "aten::sum"]
    assert all(r[-1] == "1" for r in rows)
    assert any("mm" in e.name for e in prof.function_events)
    assert prof.self_cpu_time_total > 0
    with torch.autograd.profiler.profile(enabled=False) as off:
        x.exp()
    assert str(off) == "<unfinished torch.autograd.profile>"


def test_with_stack_records_user_frames(tmp_path):
    with profile(with_stack=True) as prof:
        torch.ones(2).exp()
    evt = next(e for e in prof.events() if e.name == "aten::exp")
    assert evt.stack and "test_profiler.py" in evt.stack[0]
    assert "Source Location" in prof.key_averages(group_by_stack_n=1).table().splitlines()[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prof.export_stacks(str(tmp_path / "stacks.txt"))
    line = (tmp_path / "stacks.txt").read_text().splitlines()[0]
    assert re.fullmatch(r".*test_profiler\.py\(\d+\): test_with_stack_records_user_frames \d+", line)

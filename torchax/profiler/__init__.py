"""torch.profiler: time torchax ops (per-op wall time around each call, the result waited for) into torch's
tables and Chrome traces. Activities other than CPU are accepted; device timings are not collected.
Differences: numbers are JAX kernel times (no aten decomposition children such as aten::t under aten::linear);
memory columns read 0."""

from __future__ import annotations

import enum
import os
import socket
import time
import warnings

from torchax.profiler._events import EventList, FunctionEvent, FunctionEventAvg, write_chrome_trace
from torchax.profiler._record import Collector, record_function

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule", "supported_activities",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    """torch.profiler.ProfilerActivity."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """torch.profiler.ProfilerAction: what a schedule asks for at a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    """torch.profiler.supported_activities: CPU (device activities are not traced)."""
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0, skip_first_wait: int = 0):
    """torch.profiler.schedule: skip_first, then cycles of wait / warmup / active steps (repeat times; 0: forever)."""

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False,
                              use_python_export: bool = False):
    """torch.profiler.tensorboard_trace_handler: an on_trace_ready writing `<worker>.<ns>.pt.trace.json[.gz]`."""

    def handler_fn(prof) -> None:
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


class _KinetoProfile:
    """The recording half of torch.profiler.profile: start/stop a trace, read its events."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, custom_trace_id_callback=None):
        self.activities = set(activities) if activities else supported_activities()
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self._collector = None
        self._events = EventList()
        self._metadata: dict = {}
        self._base_ns = 0
        if ProfilerActivity.CUDA in self.activities:
            import torchax

            if not torchax.cuda.is_available():
                warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=3)
                self.activities.discard(ProfilerActivity.CUDA)

    def prepare_trace(self) -> None:
        pass

    def start_trace(self) -> None:
        self._collector = Collector(self.record_shapes, self.with_stack)
        self._base_ns = time.time_ns() - time.perf_counter_ns()
        self._collector.start()

    def stop_trace(self) -> None:
        if self._collector is None:
            return
        self._collector.stop()
        events = self._collector.events
        if self.acc_events:
            events = list(self._events) + events
        self._events = EventList(events, profile_memory=self.profile_memory, with_flops=self.with_flops)
        self._collector = None

    def start(self) -> None:
        self.prepare_trace()
        self.start_trace()

    def stop(self) -> None:
        self.stop_trace()

    def events(self) -> EventList:
        """The recorded events, in start order (nested events follow their parent)."""
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """Events grouped by name (optionally by input shapes / stack)."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path: str) -> None:
        """Write a Chrome trace JSON (`.gz`: gzipped)."""
        write_chrome_trace(path, self._events, self._base_ns)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Flame-graph stacks (needs with_stack=True)."""
        self._events.export_stacks(path, metric)

    def add_metadata(self, key: str, value: str) -> None:
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        self._metadata[key] = value


class profile(_KinetoProfile):
    """torch.profiler.profile(*, activities, schedule, on_trace_ready, record_shapes, profile_memory, with_stack,
    ...): a context manager; `step()` advances the schedule (ProfilerStep#N regions when a schedule is given)."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=2)
            activities = set(activities or supported_activities())
            if use_cuda:
                activities.add(ProfilerActivity.CUDA)
        super().__init__(activities=activities, record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops, with_modules=with_modules,
                         acc_events=acc_events)
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()

    def start(self) -> None:
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def stop(self) -> None:
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
        self._transit_action(self.current_action, None)

    def step(self) -> None:
        """Signal the end of a step: the schedule may start, save or stop a trace."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
        prev_action = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(prev_action, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _trace_ready(self) -> None:
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit_action(self, prev, cur) -> None:
        A = ProfilerAction
        recording = (A.RECORD, A.RECORD_AND_SAVE)
        if prev == A.RECORD_AND_SAVE:  # a finished cycle: hand the trace over, maybe start the next
            self.stop_trace()
            self._trace_ready()
            if cur in recording:
                self.start_trace()
            return
        if prev in recording:
            if cur in recording:
                return
            if cur is not None:
                warnings.warn(f"Incorrect schedule: RECORD followed by {cur.name}", stacklevel=3)
            self.stop_trace()
            if cur is None:
                self._trace_ready()
            return
        if cur in recording:  # NONE/WARMUP -> RECORD
            self.start_trace()
        elif prev == A.WARMUP and cur == A.NONE:
            warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
        elif prev == A.WARMUP and cur is None:
            self.start_trace()
            self.stop_trace()

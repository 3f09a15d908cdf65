"""torch.autograd.profiler: the legacy profiler (`with profile() as prof: ...; print(prof)`) and record_function,
on the same recorder as torchax.profiler."""

from __future__ import annotations

import warnings

from torchax.profiler._events import EventList, FunctionEvent, FunctionEventAvg, write_chrome_trace
from torchax.profiler._record import Collector, record_function

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:
    """torch.autograd.profiler.profile(enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
    with_flops=False, profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
    ...): times torchax ops in the block; `print(prof)` gives torch's event table."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self._function_events = None
        if not enabled:
            return
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use "
                          "``use_device = 'cuda'`` instead.", FutureWarning, stacklevel=2)
        self.use_device = "cuda" if use_cuda else use_device
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.entered = False
        self._collector = None

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._collector = Collector(self.record_shapes, self.with_stack)
        self._collector.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        self._collector.stop()
        events = self._collector.events
        if self.acc_events and self._function_events is not None:
            events = list(self._function_events) + events
        self._function_events = EventList(events, profile_memory=self.profile_memory, with_flops=self.with_flops)
        return False

    def _check_finish(self) -> None:
        if self._function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def __repr__(self):
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self._function_events)

    def __str__(self):
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self._function_events)

    @property
    def function_events(self) -> EventList:
        self._check_finish()
        return self._function_events

    def events(self) -> EventList:
        return self.function_events

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """profile.table: the events' table (torch's layout)."""
        self._check_finish()
        return self._function_events.table(sort_by, row_limit, max_src_column_width, max_name_column_width,
                                           max_shapes_column_width, header, top_level_events_only, time_unit)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """profile.key_averages: events grouped by name."""
        self._check_finish()
        return self._function_events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def total_average(self):
        self._check_finish()
        return self._function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        self._check_finish()
        return self._function_events.self_cpu_time_total

    def export_chrome_trace(self, path: str) -> None:
        """profile.export_chrome_trace: a Chrome trace JSON file."""
        self._check_finish()
        write_chrome_trace(path, self._function_events)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        self._check_finish()
        self._function_events.export_stacks(path, metric)

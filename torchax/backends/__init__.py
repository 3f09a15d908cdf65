"""torch.backends: the flags scripts set and the questions they ask about the build.

torchax runs on XLA: cuDNN/MKL/MPS switches are accepted and remembered (so scripts that set them run),
and the availability questions answer for torchax's own build.
"""

from __future__ import annotations

import contextlib
import sys
import types

from torchax import cuda as _cuda


def _module(name: str, doc: str, **attrs) -> types.ModuleType:
    m = types.ModuleType(f"{__name__}.{name}", doc)
    m.__dict__.update(attrs)
    sys.modules[m.__name__] = m
    return m


def _gpu() -> bool:
    return _cuda.is_available()


@contextlib.contextmanager
def _flags(module, **values):
    old = {k: getattr(module, k) for k in values}
    module.__dict__.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        module.__dict__.update(old)


cudnn = _module("cudnn", "torch.backends.cudnn: flags (XLA picks its own convolution algorithms).",
                enabled=True, benchmark=False, deterministic=False, allow_tf32=True, benchmark_limit=10,
                is_available=lambda: _gpu(), version=lambda: None)
cudnn.flags = lambda enabled=False, benchmark=False, deterministic=False, allow_tf32=True: _flags(
    cudnn, enabled=enabled, benchmark=benchmark, deterministic=deterministic, allow_tf32=allow_tf32)

cuda = _module("cuda", "torch.backends.cuda: matmul precision flags and build questions.",
               is_built=lambda: _gpu(),
               matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                                            allow_bf16_reduced_precision_reduction=True),
               flash_sdp_enabled=lambda: False, mem_efficient_sdp_enabled=lambda: False,
               math_sdp_enabled=lambda: True, enable_flash_sdp=lambda enabled: None,
               enable_mem_efficient_sdp=lambda enabled: None, enable_math_sdp=lambda enabled: None)

mps = _module("mps", "torch.backends.mps: Apple GPUs (not a torchax backend).",
              is_available=lambda: False, is_built=lambda: False)
mkl = _module("mkl", "torch.backends.mkl.", is_available=lambda: False)
mkldnn = _module("mkldnn", "torch.backends.mkldnn.", is_available=lambda: False, enabled=True)
openmp = _module("openmp", "torch.backends.openmp.", is_available=lambda: False)
cpu = _module("cpu", "torch.backends.cpu.", get_cpu_capability=lambda: "DEFAULT")
opt_einsum = _module("opt_einsum", "torch.backends.opt_einsum: XLA plans contractions itself.",
                     is_available=lambda: False, enabled=True, strategy="auto")

"""torchax: the PyTorch API on JAX. `import torchax as torch`."""

# NOTE: torch's default integer dtype is int64 and float64 arrays stay float64, so JAX's 64-bit mode
# is on; every creation op passes an explicit dtype, so float32 stays the default float. torch's
# default device is the CPU, so JAX places new arrays there until a tensor is moved (`.cuda()`, `.to`).
import jax as _jax

_jax.config.update("jax_enable_x64", True)
_jax.config.update("jax_default_device", "cpu")  # a platform name: JAX starts no backend at import

from torchax._device import device as device  # noqa: E402
from torchax._dtype import (  # noqa: E402
    bfloat16 as bfloat16, bool as bool, complex64 as complex64, complex128 as complex128, dtype as dtype,
    finfo as finfo, float16 as float16, float32 as float32, float64 as float64, iinfo as iinfo, int8 as int8,
    int16 as int16, int32 as int32, int64 as int64, uint8 as uint8, uint16 as uint16, uint32 as uint32,
    uint64 as uint64, get_default_dtype as get_default_dtype, promote_types as promote_types,
    set_default_dtype as set_default_dtype, result_type as _result_type,
)
# torch's dtype aliases
from torchax._dtype import float16 as half, float32 as float, float64 as double  # noqa: E402,A004
from torchax._dtype import int16 as short, int32 as int, int64 as long  # noqa: E402,A004
from torchax._dtype import complex64 as cfloat, complex128 as cdouble, complex64 as chalf  # noqa: E402
from torchax._tensor import Size as Size, Tensor as Tensor  # noqa: E402
from torchax import _casting, _dispatch  # noqa: E402,F401 - Tensor conversions; the dispatcher's run hook
from torchax._casting import can_cast as can_cast  # noqa: E402
from torchax._state import set_default_device as set_default_device  # noqa: E402
from torchax._printing import set_printoptions as set_printoptions, get_printoptions as get_printoptions  # noqa: E402
from torchax import _ops  # noqa: E402
from torchax._ops.creation import *  # noqa: E402,F401,F403
from torchax._ops.pointwise import *  # noqa: E402,F401,F403
from torchax._ops.pointwise_unary import *  # noqa: E402,F401,F403
from torchax._ops.comparison import *  # noqa: E402,F401,F403
from torchax._ops.reduction import *  # noqa: E402,F401,F403
from torchax._ops.sorting import *  # noqa: E402,F401,F403
from torchax._ops.shape import *  # noqa: E402,F401,F403
from torchax._ops.views import *  # noqa: E402,F401,F403
from torchax._ops.indexing import *  # noqa: E402,F401,F403
from torchax._ops.gather import *  # noqa: E402,F401,F403
from torchax._ops.linalg import *  # noqa: E402,F401,F403
from torchax._ops.random import *  # noqa: E402,F401,F403
from torchax._ops.view_copies import *  # noqa: E402,F401,F403
from torchax._ops.numeric import *  # noqa: E402,F401,F403
from torchax._ops.native_norms import *  # noqa: E402,F401,F403
from torchax import random as random  # noqa: E402
from torchax.random import (  # noqa: E402
    Generator as Generator, default_generator as default_generator, get_rng_state as get_rng_state,
    initial_seed as initial_seed, manual_seed as manual_seed, seed as seed, set_rng_state as set_rng_state,
)
from torchax import cuda as cuda, linalg as linalg  # noqa: E402
from torchax._alias import alias_torch as alias_torch  # noqa: E402


from torchax.version import __version__ as __version__  # noqa: E402
from torchax import version as version, storage as storage, torch_version as torch_version  # noqa: E402
from torchax import backends as backends  # noqa: E402
from torchax._config import (  # noqa: E402
    are_deterministic_algorithms_enabled as are_deterministic_algorithms_enabled,
    get_float32_matmul_precision as get_float32_matmul_precision, get_num_interop_threads as get_num_interop_threads,
    get_num_threads as get_num_threads, is_deterministic_algorithms_warn_only_enabled as
    is_deterministic_algorithms_warn_only_enabled, is_storage as is_storage,
    is_warn_always_enabled as is_warn_always_enabled, set_default_tensor_type as set_default_tensor_type,
    set_float32_matmul_precision as set_float32_matmul_precision, set_num_interop_threads as set_num_interop_threads,
    set_num_threads as set_num_threads, set_warn_always as set_warn_always, typename as typename,
    use_deterministic_algorithms as use_deterministic_algorithms,
)
strided = "torch.strided"  # the only layout torchax has


def result_type(tensor1, tensor2) -> dtype:
    """torch.result_type: the dtype torch's type promotion gives these two operands."""
    ts, ss = [], []
    for x in (tensor1, tensor2):
        (ts.append((x.dtype, x.ndim)) if isinstance(x, Tensor) else ss.append(x))
    return _result_type(ts, ss)


def is_tensor(obj) -> bool:  # noqa: A001
    """torch.is_tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """torch.is_floating_point."""
    return input.is_floating_point()


def is_complex(input) -> bool:
    """torch.is_complex."""
    return input.is_complex()


def numel(input) -> int:
    """torch.numel."""
    return input.numel()


def get_default_device() -> device:
    """torch.get_default_device."""
    from torchax import _state

    return _state.default_device()


from torchax import autograd as autograd  # noqa: E402
from torchax.autograd import (  # noqa: E402
    enable_grad as enable_grad, inference_mode as inference_mode, is_grad_enabled as is_grad_enabled,
    no_grad as no_grad, set_grad_enabled as set_grad_enabled,
)
from torchax.autograd.grad_mode import is_inference_mode_enabled as is_inference_mode_enabled  # noqa: E402
from torchax.autograd.anomaly_mode import (  # noqa: E402
    is_anomaly_check_nan_enabled as is_anomaly_check_nan_enabled, is_anomaly_enabled as is_anomaly_enabled,
    set_detect_anomaly as _set_detect_anomaly,
)
from torchax import utils as utils  # noqa: E402
import torchax.utils.checkpoint  # noqa: E402,F401
from torchax import nn as nn  # noqa: E402

# functional ops torch also exposes as torch.<name> (torch.softmax, torch.conv2d, torch.dropout, ...)
globals().update(nn.functional.TOPLEVEL)
_ops.install(Tensor)
from torchax import optim as optim  # noqa: E402
from torchax.serialization import save as save, load as load  # noqa: E402
from torchax import serialization as serialization  # noqa: E402

# --- further torch namespaces (one import line each) ---
from torchax import compiler as compiler  # noqa: E402
from torchax.compiler import compile as compile  # noqa: E402
from torchax import interop as interop  # noqa: E402
from torchax.amp import autocast as autocast  # noqa: E402 - also loads torchax.amp, torchax.cpu.amp, torchax.cuda.amp
from torchax.amp._state import *  # noqa: E402,F401,F403 - torch.is_autocast_enabled, get_autocast_dtype, ...
from torchax import distributed as distributed, multiprocessing as multiprocessing  # noqa: E402
from torchax import fft as fft  # noqa: E402
from torchax import special as special  # noqa: E402
from torchax import masked as masked  # noqa: E402
from torchax import signal as signal  # noqa: E402
from torchax import distributions as distributions  # noqa: E402
from torchax import testing as testing  # noqa: E402
from torchax import hub as hub  # noqa: E402
from torchax import profiler as profiler  # noqa: E402
from torchax import jit as jit  # noqa: E402
from torchax import onnx as onnx  # noqa: E402
from torchax.ao import *  # noqa: E402,F401,F403 - torch.ao, torch.quantization, torch.qint8, torch.quantize_per_tensor, ...

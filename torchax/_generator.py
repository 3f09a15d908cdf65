"""torch.Generator: torch's CPU random engine (mt19937 and its state layout), drawn on the host with numpy.

torch's CPU generator is a 32-bit Mersenne Twister seeded with `init_genrand(seed & 0xffffffff)`; every
distribution is a transform of its 32-bit (`random()`) or paired 64-bit (`random64()`) outputs. numpy's
MT19937 bit generator is the same engine, so we hold one and read raw outputs from it in bulk: the draws,
in order, are torch's. Transforms live in `torchax._ops.random_host`.
"""

from __future__ import annotations

import os

import numpy as np

from torchax import _device

_N = 624  # mt19937 state words
_DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val: a new Generator() starts from it
_STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState)
_LEGACY_SIZE = 5048  # where its float-normal cache starts (after the legacy THGeneratorState)
_MASK64 = (1 << 64) - 1


def _key(seed: int) -> np.ndarray:
    """mt19937 init_genrand: the 624-word state for a 32-bit seed (torch and numpy's legacy seeding agree)."""
    return np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1]


class Generator:
    """torch.Generator(device='cpu'): a random engine with its own seed and state."""

    __slots__ = ("_device", "_bits", "_reader", "_seed", "_normal", "_normal_float", "_key")

    def __init__(self, device="cpu"):
        self._device = _device.device(device)
        self._bits = np.random.MT19937(0)
        self._reader = np.random.RandomState(self._bits)
        self._key = None  # a JAX key, while random ops run inside compiled code
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self) -> _device.device:
        return self._device

    def manual_seed(self, seed) -> Generator:
        """Seed the engine; drops cached normal samples (as torch does)."""
        seed = _seed_value(seed)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _key(seed), "pos": _N}}
        self._seed = seed
        self._key = None  # compiled code re-derives its JAX key from the new seed
        self._normal = None  # Box-Muller's second sample, kept for the next scalar normal draw
        self._normal_float = None
        return self

    def seed(self) -> int:
        """Seed from the OS's entropy; returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    # --- raw draws: torch's random() and random64() -------------------------------------------------------

    def random32(self, n: int) -> np.ndarray:
        """n outputs of torch's `random()`, as uint32."""
        # RandomState.randint over the full 32-bit range returns the engine's raw outputs, and is the
        # fastest bulk reader numpy has
        return self._reader.randint(0, 1 << 32, size=n, dtype=np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """n outputs of torch's `random64()`: two 32-bit draws, the first the high word."""
        r = self.random32(2 * n).reshape(n, 2).astype(np.uint64)
        return (r[:, 0] << np.uint64(32)) | r[:, 1]

    # --- state: torch's CPUGeneratorImplState, byte for byte ----------------------------------------------

    def get_state(self):
        """The state as a uint8 tensor of 5056 bytes, in torch's layout (so torch can load it)."""
        from torchax import _dtype
        from torchax._ops.creation import tensor

        return tensor(self._state_bytes(), dtype=_dtype.uint8)

    def _state_bytes(self) -> np.ndarray:
        st = self._bits.state["state"]
        pos = int(st["pos"])
        buf = np.zeros(_STATE_SIZE, np.uint8)
        buf[0:8] = np.frombuffer(np.uint64(self._seed).tobytes(), np.uint8)
        left, nxt = (1, 0) if pos >= _N else (_N + 1 - pos, pos)
        buf[8:16] = np.frombuffer(np.array([left, 1], np.int32).tobytes(), np.uint8)
        buf[16:24] = np.frombuffer(np.uint64(nxt).tobytes(), np.uint8)
        buf[24:24 + 8 * _N] = np.frombuffer(st["key"].astype(np.uint64).tobytes(), np.uint8)
        o = 24 + 8 * _N  # normal_x, normal_y, normal_rho (double), normal_is_valid (int)
        if self._normal is not None:
            buf[o + 8:o + 16] = np.frombuffer(np.float64(self._normal).tobytes(), np.uint8)
            buf[o + 24] = 1
        if self._normal_float is not None:
            buf[_LEGACY_SIZE:_LEGACY_SIZE + 4] = np.frombuffer(np.float32(self._normal_float).tobytes(), np.uint8)
            buf[_LEGACY_SIZE + 4] = 1
        return buf

    def set_state(self, new_state) -> Generator:
        from torchax import _dtype
        from torchax._tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype != _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        buf = np.asarray(new_state._numpy()).reshape(-1)
        if buf.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input RNG "
                               f"state size to be {buf.size}")
        left = int(buf[8:12].view(np.int32)[0])
        if not 1 <= left <= _N:
            raise RuntimeError(f"The left value of the state must be between 1 and {_N}, but got {left}")
        key = buf[24:24 + 8 * _N].view(np.uint64).astype(np.uint32)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N + 1 - left}}
        self._seed = int(buf[0:8].view(np.uint64)[0])
        o = 24 + 8 * _N
        self._normal = float(buf[o + 8:o + 16].view(np.float64)[0]) if buf[o + 24:o + 28].any() else None
        self._normal_float = None
        if buf[_LEGACY_SIZE + 4]:
            self._normal_float = float(buf[_LEGACY_SIZE:_LEGACY_SIZE + 4].view(np.float32)[0])
        return self

    def clone_state(self):
        """Internal: a snapshot to restore (fork_rng)."""
        return (self._bits.state, self._seed, self._normal, self._normal_float, self._key)

    def restore_state(self, snap) -> None:
        self._bits.state, self._seed, self._normal, self._normal_float, self._key = snap

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"

    def __reduce__(self):
        return (_rebuild, (str(self._device), self._state_bytes()))


def _rebuild(device, state) -> Generator:
    from torchax import _dtype
    from torchax._ops.creation import tensor

    return Generator(device).set_state(tensor(state, dtype=_dtype.uint8))


def _seed_value(seed) -> int:
    """torch's seed argument: `int(seed)`, wrapped to uint64 (so -1 is 2**64 - 1)."""
    s = int(seed)
    if s < -(1 << 63) or s > _MASK64:
        raise ValueError("Overflow when unpacking long long")
    return s & _MASK64


default_generator = Generator()
default_generator.seed()  # torch seeds its default CPU generator from the OS at start-up
_device_generators: dict = {}  # (type, index) -> Generator for accelerators, made on first use


def for_device(device) -> Generator:
    """The default generator of `device` (torch keeps one per device)."""
    d = _device.device(device)
    if d.type == "cpu":
        return default_generator
    key = (d.type, d.index or 0)
    if key not in _device_generators:
        g = _device_generators[key] = Generator(d)
        if d.type in _pending_seeds:  # torch.cuda.manual_seed before the device existed: applied lazily
            g.manual_seed(_pending_seeds[d.type])
    return _device_generators[key]


_pending_seeds: dict = {}  # device type -> seed requested before any generator of that type was made

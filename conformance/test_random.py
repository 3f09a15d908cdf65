"""Random streams: after manual_seed, torchax draws torch's CPU numbers bit for bit.

Where torch's float32 normal kernel is vectorised (16 or more contiguous elements) it uses Sleef's
log/sin/cos, which differ from numpy's in the last bit: those cases compare to 2 ulps (`ULP`).
"""

import pickle

import numpy as np
import pytest
import torch
from harness import conformance

import torchax

EXACT = dict(rtol=0, atol=0)
ULP = dict(rtol=4e-7, atol=2.5e-7)  # a few ulps of N(0, 1) draws
SEEDS = (0, 1, 2**40 + 7)
FLOATS = ("float32", "float64")


def dt(T, name):
    return getattr(T, name)


# --- uniform, normal and integer streams over seeds, shapes and dtypes ----------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ("float16", "bfloat16"))
@conformance(**EXACT)
def test_rand(T, seed, dtype):
    T.manual_seed(seed)
    return T.rand(5, dtype=dt(T, dtype)), T.rand(2, 3, dtype=dt(T, dtype)), T.rand((40, 30), dtype=dt(T, dtype))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", (1, 3, 15))
@conformance(**EXACT)
def test_randn_scalar_path(T, seed, dtype, n):
    """Fewer than 16 elements: Box-Muller in double, the second sample cached across calls."""
    T.manual_seed(seed)
    return T.randn(n, dtype=dt(T, dtype)), T.randn(n, dtype=dt(T, dtype)), T.randn(2, dtype=dt(T, dtype))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (16, 17, 31, 1000, 12345))
@conformance(**EXACT)
def test_randn_float64_vector_path(T, seed, n):
    T.manual_seed(seed)
    return T.randn(n, dtype=T.float64), T.randn(3, dtype=T.float64)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (16, 17, 31, 1000, 12345))
@conformance(**ULP)
def test_randn_float32_vector_path(T, seed, n):
    T.manual_seed(seed)
    return T.randn(n), T.randn(3)


@conformance(**EXACT)
def test_randn_float32_bitwise(T):
    """Pins the last-bit differences of the vectorised float32 kernel (see KNOWN_DIFFERENCES)."""
    T.manual_seed(0)
    return T.randn(1000)


@pytest.mark.parametrize("dtype", ("float16", "bfloat16"))
@pytest.mark.parametrize("n", (5, 16, 20, 40))
@conformance(rtol=1e-2, atol=1e-3)
def test_randn_half(T, dtype, n):
    """Half types compute in float32 and round: a last-bit difference there can move the rounded value."""
    T.manual_seed(3)
    return T.randn(n, dtype=dt(T, dtype)), T.randn(5, dtype=dt(T, dtype)), T.rand(3)


@pytest.mark.parametrize("dtype", FLOATS)
@conformance(**EXACT)
def test_uniform_bounds(T, dtype):
    T.manual_seed(0)
    b = 0.1825741858350554  # a kaiming bound: (to - from) rounds in the tensor's type, then one FMA
    return T.empty(30, 20, dtype=dt(T, dtype)).uniform_(-b, b), T.empty(7, dtype=dt(T, dtype)).uniform_(2, 5)


@pytest.mark.parametrize("dtype", FLOATS)
@conformance(**ULP)
def test_normal_mean_std(T, dtype):
    T.manual_seed(0)
    return (T.empty(100, dtype=dt(T, dtype)).normal_(0.1, 0.3), T.empty(5, dtype=dt(T, dtype)).normal_(-1, 2),
            T.empty(4, 8, dtype=dt(T, dtype)).t().normal_())


RANDOM_CASES = {
    "int64": lambda T: T.empty(10, dtype=T.int64).random_(),
    "int32": lambda T: T.empty(10, dtype=T.int32).random_(),
    "int16": lambda T: T.empty(10, dtype=T.int16).random_(),
    "uint8": lambda T: T.empty(10, dtype=T.uint8).random_(),
    "bool": lambda T: T.empty(10, dtype=T.bool).random_(),
    "float32": lambda T: T.empty(10).random_(),
    "float64": lambda T: T.empty(10, dtype=T.float64).random_(),
    "to": lambda T: T.empty(10).random_(10),
    "from_to": lambda T: T.empty(10, dtype=T.int64).random_(-5, 5),
    "from_to_kw": lambda T: T.empty(10, dtype=T.int32).random_(**{"from": 2, "to": 9}),
    "wide": lambda T: T.empty(10, dtype=T.int64).random_(0, 2**40),
    "full_64": lambda T: T.empty(5, dtype=T.int64).random_(-2**63, None),
    "from_only": lambda T: T.empty(5, dtype=T.int16).random_(3, None),
}


@pytest.mark.parametrize("case", RANDOM_CASES)
@conformance(**EXACT)
def test_random_(T, case):
    T.manual_seed(11)
    return RANDOM_CASES[case](T), T.rand(2)


@pytest.mark.parametrize("seed", SEEDS)
@conformance(**EXACT)
def test_randint(T, seed):
    T.manual_seed(seed)
    return (T.randint(10, (5,)), T.randint(-3, 3, (2, 3), dtype=T.int32), T.randint(0, 5, (4,), dtype=T.float32),
            T.randint(low=2, high=7, size=(3,)), T.randint(2**33, (3,)))


@pytest.mark.parametrize("seed", SEEDS)
@conformance(**EXACT)
def test_randperm(T, seed):
    T.manual_seed(seed)
    return T.randperm(10), T.randperm(1000), T.randperm(5, dtype=T.float32), T.randperm(0), T.randperm(1)


@conformance(**EXACT)
def test_like_factories(T):
    T.manual_seed(5)
    x = T.zeros(3, 2, dtype=T.float64)
    return T.rand_like(x), T.randn_like(x), T.randint_like(x, 5), T.randint_like(x, 3, 9), T.rand_like(x[0])


# --- bernoulli, multinomial and the other distributions -----------------------------------------------------

@conformance(**EXACT)
def test_bernoulli(T):
    T.manual_seed(2)
    p = T.linspace(0, 1, 12).reshape(3, 4)
    return (T.empty(20).bernoulli_(0.3), T.bernoulli(p), T.bernoulli(p.double()), T.bernoulli(T.zeros(10), 0.5),
            p.bernoulli(), T.empty(4, 3).t().bernoulli_(T.linspace(0, 1, 4)), T.empty(6, dtype=T.int64).bernoulli_(),
            T.empty(5, dtype=T.bool).bernoulli_(0.5))


@conformance(**EXACT)
def test_multinomial(T):
    T.manual_seed(4)
    p = T.tensor([[0.1, 0.2, 0.7, 0.0], [0.5, 0.5, 0.0, 0.0]])
    return (T.multinomial(p[0], 3), T.multinomial(p, 1), T.multinomial(p, 6, replacement=True),
            T.multinomial(p.double(), 5, replacement=True), p.multinomial(2), T.multinomial(T.ones(50), 50))


@conformance(**EXACT)
def test_distributions(T):
    T.manual_seed(9)
    f64 = T.float64
    return (T.empty(20).exponential_(), T.empty(5, dtype=f64).exponential_(0.7),
            T.empty(10).geometric_(0.3), T.empty(10, dtype=T.int64).geometric_(0.6),
            T.empty(10).log_normal_(), T.empty(10, dtype=f64).log_normal_(0.3, 0.7),
            T.empty(10).cauchy_(), T.empty(10, dtype=f64).cauchy_(0.3, 0.7),
            T.poisson(T.tensor([0.5, 3.0, 12.0, 50.0, 0.0, 1e3])), T.poisson(T.full((2, 3), 4.0, dtype=f64)))


@conformance(**EXACT)
def test_normal_overloads(T):
    T.manual_seed(6)
    m, s = T.arange(6.0).reshape(2, 3), T.full((3,), 2.0)
    return (T.normal(m, s), T.normal(m, 0.5), T.normal(1.0, s), T.normal(1.0, 2.0, (4,)),
            T.normal(0.0, 1.0, size=(2, 2), dtype=T.float64), T.normal(m, s, out=T.empty(2, 3)))


@conformance(**EXACT)
def test_memory_order_fill(T):
    """torch fills non-contiguous tensors in memory order, not index order."""
    T.manual_seed(8)
    base = T.zeros(4, 6)
    view = base[:, ::2]
    view.uniform_()
    return T.empty(3, 4).t().uniform_(), T.empty(4, 8).t().normal_(), base, T.empty(2, 3, 4).permute(2, 0, 1).random_(7)


@conformance(**EXACT)
def test_generator_objects(T):
    g = T.Generator().manual_seed(3)
    h = T.Generator()
    a = T.rand(3, generator=g)
    T.manual_seed(3)
    return (a, T.rand(3), T.randn(2, generator=g), T.randint(5, (3,), generator=g), T.randperm(4, generator=g),
            T.empty(3).uniform_(generator=g), T.bernoulli(T.full((3,), 0.5), generator=g), h.initial_seed(),
            g.initial_seed(), g.device, T.multinomial(T.ones(4), 2, generator=g))


# --- seeds and states ----------------------------------------------------------------------------------------

@conformance(**EXACT)
def test_seed_values(T):
    out = []
    for s in (0, -1, 2**63, 2.0, 7.9):
        out.append(T.manual_seed(s).initial_seed())
        out.append(T.initial_seed())
    return out


@pytest.mark.parametrize("bad", [2**64, "a", None])
@conformance(errors=True)
def test_seed_errors(T, bad):
    T.manual_seed(bad)


@conformance(**EXACT)
def test_rng_state_layout(T):
    """get_rng_state is torch's 5056-byte CPUGeneratorImplState, including the cached normal."""
    T.manual_seed(5)
    s0 = T.get_rng_state()
    T.randn(3, dtype=T.float64)  # leaves one cached Box-Muller sample
    s1 = T.get_rng_state()
    T.rand(700)  # crosses a twist of the 624-word state
    return s0, s1, T.get_rng_state()


@conformance(**EXACT)
def test_rng_state_round_trip(T):
    T.manual_seed(1)
    T.randn(5)
    state = T.get_rng_state()
    a = T.randn(5)
    T.rand(50)
    T.set_rng_state(state)
    g = T.Generator()
    g.set_state(state)
    return a, T.randn(5), T.randn(5, generator=g), g.get_state()


def test_state_moves_between_libraries():
    """A state saved by torch restores in torchax (and back): the streams continue identically."""
    torch.manual_seed(12)
    torch.randn(3)
    state = torch.get_rng_state()
    torchax.set_rng_state(torchax.tensor(state.numpy()))
    np.testing.assert_array_equal(torchax.randn(7).numpy(), torch.randn(7).numpy())
    torch.set_rng_state(torch.from_numpy(torchax.get_rng_state().numpy()))
    np.testing.assert_array_equal(torchax.rand(9).numpy(), torch.rand(9).numpy())


@pytest.mark.parametrize("case", ["short", "dtype", "list"])
@conformance(errors=True)
def test_set_state_errors(T, case):
    bad = {"short": lambda: T.zeros(10, dtype=T.uint8), "dtype": lambda: T.zeros(5056), "list": lambda: [1, 2]}
    T.set_rng_state(bad[case]())


@conformance(**EXACT)
def test_fork_rng(T):
    T.manual_seed(3)
    with T.random.fork_rng():
        inner = T.rand(3)
    after = T.rand(3)
    with T.random.fork_rng(enabled=False):
        T.rand(1)
    return inner, after, T.rand(2)


def test_generator_pickles():
    g = torchax.Generator().manual_seed(21)
    torchax.rand(3, generator=g)
    h = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(torchax.rand(4, generator=g).numpy(), torchax.rand(4, generator=h).numpy())


def test_seed_is_fresh():
    a = torchax.seed()
    assert torchax.initial_seed() == a
    b = torchax.seed()
    assert a != b  # 63 random bits: a collision is not a realistic flake


# --- errors ------------------------------------------------------------------------------------------------

ERRORS = {
    "uniform_int": lambda T: T.empty(3, dtype=T.int64).uniform_(),
    "uniform_bounds": lambda T: T.empty(3).uniform_(2, 1),
    "normal_int": lambda T: T.empty(3, dtype=T.int64).normal_(),
    "normal_std": lambda T: T.empty(3).normal_(0, -1),
    "randint_empty": lambda T: T.randint(5, 5, (3,)),
    "randint_no_size": lambda T: T.randint(5),
    "randn_int": lambda T: T.randn(3, dtype=T.int64),
    "bernoulli_p": lambda T: T.empty(3).bernoulli_(1.5),
    "multinomial_neg": lambda T: T.multinomial(T.tensor([0.5, -0.1]), 1),
    "multinomial_many": lambda T: T.multinomial(T.tensor([0.5, 0.5]), 3),
    "multinomial_3d": lambda T: T.multinomial(T.ones(2, 2, 2), 1),
    "multinomial_int": lambda T: T.multinomial(T.ones(3, dtype=T.int64), 1),
    "randperm_neg": lambda T: T.randperm(-1),
    "exponential_lambda": lambda T: T.empty(3).exponential_(-1),
    "geometric_p": lambda T: T.empty(3).geometric_(1.5),
    "generator_type": lambda T: T.rand(3, generator=5),
    "normal_neg_std_tensor": lambda T: T.normal(T.zeros(3), -T.ones(3)),
    "leaf_requires_grad": lambda T: T.zeros(3, requires_grad=True).uniform_(),
}


@pytest.mark.parametrize("case", ERRORS)
@conformance(errors=True)
def test_random_errors(T, case):
    return ERRORS[case](T)


@conformance(**EXACT)
def test_requires_grad_factories(T):
    T.manual_seed(0)
    x = T.rand(3, requires_grad=True)
    with T.no_grad():
        y = T.zeros(3, requires_grad=True).normal_()
    return x, y, x.is_leaf, y.is_leaf



@conformance(errors=True)
def test_cuda_seeding_without_a_device(T):
    """torch.cuda.manual_seed(_all)/seed_all are lazy (no error without a GPU); reading a CUDA state needs one."""
    T.cuda.manual_seed(0)
    T.cuda.manual_seed_all(1)
    T.cuda.seed_all()
    return T.cuda.initial_seed()

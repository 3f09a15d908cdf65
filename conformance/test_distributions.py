"""torch.distributions: values, gradients, shapes, reprs, validation errors, and seeded samples (torch's own
samplers on torchax's bit-exact random streams, torch's CPU gamma / Dirichlet / binomial samplers)."""

import pytest
from harness import conformance, data, message

EXACT = dict(rtol=0, atol=0)
# float32 draws of 16+ normals use torch's vectorised (Sleef) kernels, and transforms of draws (log1p, exp, tanh)
# are computed by XLA: both agree with torch to the last bit or two (see test_random.py), not bit for bit
SAMPLES = dict(rtol=2e-6, atol=1e-6)


def pos(T, shape, seed=0, low=0.5, high=3.0, grad=False, dtype="float32"):
    t = T.tensor(data(shape, seed=seed, low=low, high=high, dtype=dtype))
    return t.requires_grad_(True) if grad else t


def unit(T, shape, seed=0, grad=False):
    return pos(T, shape, seed, 0.1, 0.9, grad)


def real(T, shape, seed=0, grad=False):
    return pos(T, shape, seed, -2.0, 2.0, grad)


def probs(T, shape, seed=0, grad=False):
    p = pos(T, shape, seed, 0.1, 1.0)
    p = p / p.sum(-1, keepdim=True)
    return p.detach().requires_grad_(True) if grad else p


# name -> (builder(T, D, grad) -> (distribution, params), value builder(T) for log_prob/cdf)
CASES = {
    "Normal": (lambda T, D, g: _p(D.Normal, real(T, (2, 3), 0, g), pos(T, (2, 3), 1, grad=g)),
               lambda T: real(T, (2, 3), 5)),
    "Uniform": (lambda T, D, g: _p(D.Uniform, real(T, (2, 3), 0, g) - 2.5, pos(T, (2, 3), 1, grad=g)),
                lambda T: pos(T, (2, 3), 5, -0.4, 0.4)),
    "Bernoulli": (lambda T, D, g: _p(D.Bernoulli, unit(T, (2, 3), 0, g)),
                  lambda T: T.tensor(data((2, 3), seed=5) > 0).float()),
    "Bernoulli_logits": (lambda T, D, g: _p(lambda x: D.Bernoulli(logits=x), real(T, (2, 3), 0, g)),
                         lambda T: T.tensor(data((2, 3), seed=5) > 0).float()),
    "Categorical": (lambda T, D, g: _p(D.Categorical, probs(T, (2, 4), 0, g)),
                    lambda T: T.tensor([[0, 3], [1, 2], [2, 2]])),
    "Categorical_logits": (lambda T, D, g: _p(lambda x: D.Categorical(logits=x), real(T, (2, 4), 0, g)),
                           lambda T: T.tensor([1, 3])),
    "OneHotCategorical": (lambda T, D, g: _p(D.OneHotCategorical, probs(T, (2, 4), 0, g)),
                          lambda T: T.eye(4)[[1, 3]]),
    "Beta": (lambda T, D, g: _p(D.Beta, pos(T, (2, 3), 0, grad=g), pos(T, (2, 3), 1, grad=g)),
             lambda T: unit(T, (2, 3), 5)),
    "Gamma": (lambda T, D, g: _p(D.Gamma, pos(T, (2, 3), 0, grad=g), pos(T, (2, 3), 1, grad=g)),
              lambda T: pos(T, (2, 3), 5)),
    "Dirichlet": (lambda T, D, g: _p(D.Dirichlet, pos(T, (2, 3), 0, grad=g)),
                  lambda T: probs(T, (2, 3), 5)),
    "Exponential": (lambda T, D, g: _p(D.Exponential, pos(T, (2, 3), 0, grad=g)),
                    lambda T: pos(T, (2, 3), 5)),
    "Laplace": (lambda T, D, g: _p(D.Laplace, real(T, (2, 3), 0, g), pos(T, (2, 3), 1, grad=g)),
                lambda T: real(T, (2, 3), 5)),
    "Poisson": (lambda T, D, g: _p(D.Poisson, pos(T, (2, 3), 0, grad=g)),
                lambda T: T.tensor(data((2, 3), seed=5, low=0, high=4, dtype="int64")).abs().float()),
    "Binomial": (lambda T, D, g: _p(lambda p: D.Binomial(5, p), unit(T, (2, 3), 0, g)),
                 lambda T: T.tensor([[0., 1., 5.], [2., 3., 4.]])),
    "Multinomial": (lambda T, D, g: _p(lambda p: D.Multinomial(6, p), probs(T, (2, 3), 0, g)),
                    lambda T: T.tensor([[1., 2., 3.], [6., 0., 0.]])),
    "MultivariateNormal": (lambda T, D, g: _p(_mvn(D, T), real(T, (2, 3), 0, g)), lambda T: real(T, (2, 3), 5)),
    "LogNormal": (lambda T, D, g: _p(D.LogNormal, real(T, (2, 3), 0, g), pos(T, (2, 3), 1, grad=g)),
                  lambda T: pos(T, (2, 3), 5)),
    "Independent": (lambda T, D, g: _p(lambda a, b: D.Independent(D.Normal(a, b), 1), real(T, (2, 3), 0, g),
                                       pos(T, (2, 3), 1, grad=g)), lambda T: real(T, (2, 3), 5)),
    "RelaxedBernoulli": (lambda T, D, g: _p(lambda p: D.RelaxedBernoulli(T.tensor(0.7), p), unit(T, (2, 3), 0, g)),
                         lambda T: unit(T, (2, 3), 5)),
    "RelaxedOneHotCategorical": (lambda T, D, g: _p(lambda p: D.RelaxedOneHotCategorical(T.tensor(0.7), p),
                                                    probs(T, (2, 3), 0, g)), lambda T: probs(T, (2, 3), 5)),
}


def _p(cls, *params):
    return cls(*params), params


def _mvn(D, T):
    def make(loc):
        a = T.tensor(data((3, 3), seed=3, low=-1, high=1))
        return D.MultivariateNormal(loc, covariance_matrix=a @ a.T + T.eye(3))
    return make


def _has(d, name):
    try:
        getattr(d, name)
        return True
    except NotImplementedError:
        return False


def _try(f):
    try:
        return f()
    except NotImplementedError as e:
        return ("NotImplementedError", str(e).rpartition(".")[2])  # (class path differs: torch vs torchax module)


STATS = ("mean", "variance", "stddev", "mode")


@pytest.mark.parametrize("name", sorted(CASES))
@conformance(rtol=2e-5, atol=2e-5)
def test_values(T, name):
    make, value = CASES[name]
    d, _ = make(T, T.distributions, False)
    v = value(T)
    out = {s: _try(lambda s=s: getattr(d, s)) for s in STATS}
    out["log_prob"] = d.log_prob(v)
    out["entropy"] = _try(d.entropy)
    for f in ("cdf", "icdf"):
        if name in ("Normal", "Uniform", "Exponential", "Laplace", "LogNormal", "Gamma"):
            arg = v if f == "cdf" else unit(T, (2, 3), 7)
            out[f] = _try(lambda f=f, arg=arg: getattr(d, f)(arg))
    out["shapes"] = (d.batch_shape, d.event_shape, d.has_rsample, d.has_enumerate_support)
    return out


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in ("RelaxedBernoulli",
                                                                      "RelaxedOneHotCategorical")))
@conformance(rtol=2e-5, atol=2e-5)
def test_gradients(T, name):
    make, value = CASES[name]
    d, params = make(T, T.distributions, True)
    loss = d.log_prob(value(T)).sum()
    if name not in ("Independent",):
        ent = _try(d.entropy)
        if not isinstance(ent, tuple):
            loss = loss + ent.sum()
    return T.autograd.grad(loss, params)


@pytest.mark.parametrize("name", sorted(CASES))
@conformance()
def test_repr_and_expand(T, name):
    make, _ = CASES[name]
    d, _ = make(T, T.distributions, False)
    e = d.expand((4,) + tuple(d.batch_shape))
    return repr(d), e.batch_shape, e.event_shape, e.sample().shape, d.sample((5,)).shape


@pytest.mark.parametrize("seed", (0, 3))
@pytest.mark.parametrize("name", sorted(CASES))
@conformance(**SAMPLES)
def test_seeded_samples(T, name, seed):
    """After manual_seed both libraries draw the same numbers (torch's samplers on torch's streams)."""
    make, _ = CASES[name]
    d, _ = make(T, T.distributions, False)
    T.manual_seed(seed)
    out = [d.sample(), d.sample((2,))]
    if d.has_rsample:
        out.append(d.rsample((3,)).detach())
    return out


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@conformance(**EXACT)
def test_seeded_gamma_family(T, dtype):
    D = T.distributions
    T.manual_seed(1)
    conc = pos(T, (7,), 0, 0.05, 12.0, dtype=dtype)  # alpha < 1 (boosted), around 1, large
    return (D.Gamma(conc, 2.0).sample((3,)), D.Beta(conc, conc.flip(0)).sample(),
            D.Dirichlet(conc[:5].reshape(1, 5)).sample((2,)), D.Beta(0.4, 0.4).sample([]).item())


@conformance(**EXACT)
def test_seeded_binomial_branches(T):
    D = T.distributions
    T.manual_seed(2)
    n = T.tensor([3., 40., 200., 50., 0., 7.])
    p = T.tensor([0.2, 0.3, 0.6, 0.9, 0.5, 1.0])
    return D.Binomial(n, p).sample((4,))


@pytest.mark.parametrize("name", ("Normal", "Uniform", "Exponential", "Laplace", "LogNormal", "Gamma", "Beta",
                                  "Dirichlet", "MultivariateNormal"))
@conformance(rtol=1e-4, atol=1e-5)
def test_rsample_gradients(T, name):
    """Reparameterised samples are differentiable (Gamma/Beta/Dirichlet: torch's implicit gradients)."""
    make, _ = CASES[name]
    d, params = make(T, T.distributions, True)
    T.manual_seed(4)
    x = d.rsample((2,))
    return x.detach(), T.autograd.grad((x * x).sum(), params)


KL_PAIRS = [("Normal", "Normal"), ("Uniform", "Uniform"), ("Bernoulli", "Bernoulli"), ("Categorical", "Categorical"),
            ("OneHotCategorical", "OneHotCategorical"), ("Beta", "Beta"), ("Gamma", "Gamma"),
            ("Dirichlet", "Dirichlet"), ("Exponential", "Exponential"), ("Laplace", "Laplace"),
            ("Poisson", "Poisson"), ("MultivariateNormal", "MultivariateNormal"), ("LogNormal", "LogNormal"),
            ("Independent", "Independent"), ("Binomial", "Binomial"), ("Normal", "Laplace"),
            ("Exponential", "Gamma"), ("Normal", "Gamma")]


@pytest.mark.parametrize("pq", KL_PAIRS, ids="-".join)
@conformance(rtol=2e-5, atol=2e-5)
def test_kl_divergence(T, pq):
    D = T.distributions
    p, params = CASES[pq[0]][0](T, D, True)
    q = _other(T, D, pq[1])
    kl = D.kl_divergence(p, q)
    return kl, (T.autograd.grad(kl.sum(), params) if kl.requires_grad else None)


def _other(T, D, name):
    """A second distribution of the kind `name`, with other parameters (seeds 9 and 10)."""
    a, b = real(T, (2, 3), 9), pos(T, (2, 3), 10)
    return {
        "Normal": lambda: D.Normal(a, b), "LogNormal": lambda: D.LogNormal(a, b), "Laplace": lambda: D.Laplace(a, b),
        "Independent": lambda: D.Independent(D.Normal(a, b), 1), "Gamma": lambda: D.Gamma(b, pos(T, (2, 3), 9)),
        "Beta": lambda: D.Beta(b, pos(T, (2, 3), 9)), "Exponential": lambda: D.Exponential(b),
        "Poisson": lambda: D.Poisson(b), "Dirichlet": lambda: D.Dirichlet(b),
        "Uniform": lambda: D.Uniform(a - 4.0, pos(T, (2, 3), 10, 3, 4)),
        "Binomial": lambda: D.Binomial(5, unit(T, (2, 3), 9)), "Bernoulli": lambda: D.Bernoulli(unit(T, (2, 3), 9)),
        "Categorical": lambda: D.Categorical(probs(T, (2, 4), 9)),
        "OneHotCategorical": lambda: D.OneHotCategorical(probs(T, (2, 4), 9)),
        "MultivariateNormal": lambda: D.MultivariateNormal(a, scale_tril=T.diag_embed(b) + T.tensor(
            data((3, 3), seed=11, low=-0.5, high=0.5)).tril(-1)),
    }[name]()


@conformance()
def test_kl_errors_and_registration(T):
    D = T.distributions

    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Laplace)
    def _kl(p, q):
        return p.loc * 0 + 42.0

    kl = D.kl_divergence(MyNormal(T.zeros(2), T.ones(2)), D.Laplace(T.zeros(2), T.ones(2)))
    err = message(lambda: D.kl_divergence(D.Poisson(T.ones(2)), D.Normal(T.zeros(2), T.ones(2))),
                  "No KL(p || q) is implemented for p type Poisson and q type Normal")
    return kl, err


ERRORS = {
    "normal_scale": lambda T, D: D.Normal(T.zeros(2), T.tensor([1.0, -1.0])),
    "uniform_order": lambda T, D: D.Uniform(T.tensor([2.0]), T.tensor([1.0])),
    "bernoulli_both": lambda T, D: D.Bernoulli(probs=T.tensor(0.5), logits=T.tensor(0.0)),
    "bernoulli_range": lambda T, D: D.Bernoulli(T.tensor([1.5])),
    "categorical_0d": lambda T, D: D.Categorical(T.tensor(1.0)),
    "categorical_simplex": lambda T, D: D.Categorical(T.tensor([0.5, -0.5])),
    "dirichlet_0d": lambda T, D: D.Dirichlet(T.tensor(1.0)),
    "mvn_two": lambda T, D: D.MultivariateNormal(T.zeros(2), covariance_matrix=T.eye(2), scale_tril=T.eye(2)),
    "logprob_support": lambda T, D: D.Exponential(T.ones(2)).log_prob(T.tensor([-1.0, 1.0])),
    "logprob_shape": lambda T, D: D.Normal(T.zeros(2), T.ones(2)).log_prob(T.zeros(3)),
    "logprob_not_tensor": lambda T, D: D.Normal(T.zeros(2), T.ones(2)).log_prob(1.0),
    "independent_ndims": lambda T, D: D.Independent(D.Normal(T.zeros(2), T.ones(2)), 2),
    "transforms_type": lambda T, D: D.TransformedDistribution(D.Normal(0.0, 1.0), "exp"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
@conformance()
def test_validation_errors(T, case):
    """torch's exception type and message text (the message names the parameter, the constraint, the values)."""
    try:
        ERRORS[case](T, T.distributions)
    except Exception as e:  # noqa: BLE001 - the error is the result
        return type(e).__name__, str(e).replace("torch.", "")
    return None


@conformance()
def test_validate_args_off(T):
    D = T.distributions
    d = D.Normal(T.zeros(2), T.tensor([1.0, -1.0]), validate_args=False)
    lp = D.Exponential(T.ones(2), validate_args=False).log_prob(T.tensor([-1.0, 1.0]))
    return d.scale, lp


@conformance()
def test_transforms(T):
    D = T.distributions
    x = real(T, (2, 3), 0, grad=True)
    outs = []
    for t in (D.ExpTransform(), D.AffineTransform(1.5, -2.0), D.AffineTransform(real(T, (3,), 2), 3.0),
              D.SigmoidTransform(), D.TanhTransform(), D.SoftplusTransform(), D.PowerTransform(T.tensor(2.0)),
              D.ComposeTransform([D.AffineTransform(0.5, 0.3), D.TanhTransform()])):
        y = t(x.abs() if isinstance(t, D.PowerTransform) else x)
        xi = t.inv(y)
        outs += [y, xi, t.log_abs_det_jacobian(xi, y), t.sign if isinstance(t.sign, int) else t.sign]
    outs.append(T.autograd.grad(sum(o.sum() for o in outs if isinstance(o, type(x)) and o.requires_grad), x))
    td = D.TransformedDistribution(D.Normal(real(T, (3,), 3), pos(T, (3,), 4)),
                                   [D.AffineTransform(1.0, 2.0), D.SigmoidTransform()])
    v = unit(T, (3,), 6)
    outs += [td.log_prob(v), td.cdf(v), td.icdf(v), td.batch_shape, repr(D.ExpTransform().inv),
             repr(D.ComposeTransform([D.ExpTransform(), D.TanhTransform()])), str(td.support)]
    return outs


@conformance()
def test_constraints(T):
    C = T.distributions.constraints
    v = T.tensor([[-1.0, 0.0, 0.5], [0.2, 0.3, 0.5]])
    cs = [C.real, C.positive, C.nonnegative, C.unit_interval, C.simplex, C.boolean, C.nonnegative_integer,
          C.interval(-0.5, 0.5), C.half_open_interval(0.0, 0.5), C.greater_than(0.1), C.less_than(0.3),
          C.integer_interval(0, 2), C.real_vector, C.independent(C.positive, 1)]
    return [(repr(c), c.check(v), c.event_dim, c.is_discrete) for c in cs] + [
        C.lower_cholesky.check(T.tensor([[1.0, 0.0], [2.0, 3.0]])),
        C.positive_definite.check(T.tensor([[2.0, 1.0], [1.0, 2.0]])),
        C.is_dependent(T.distributions.Uniform.support), C.is_dependent(C.real)]


@conformance()
def test_enumerate_support_and_perplexity(T):
    D = T.distributions
    b = D.Bernoulli(unit(T, (2,), 0))
    c = D.Categorical(probs(T, (2, 3), 1))
    o = D.OneHotCategorical(probs(T, (2, 3), 1))
    n = D.Binomial(3, unit(T, (2,), 2))
    return (b.enumerate_support(), b.enumerate_support(False), c.enumerate_support(), o.enumerate_support(False),
            n.enumerate_support(), c.perplexity(), n.entropy())


@conformance()
def test_module_layout(T):
    """torch's module paths: torch.distributions.normal.Normal, .beta.Beta, .log_normal.LogNormal, ..."""
    import importlib

    base = T.__name__ + ".distributions."
    paths = ["normal.Normal", "beta.Beta", "categorical.Categorical", "log_normal.LogNormal",
             "multinomial.Multinomial", "one_hot_categorical.OneHotCategorical", "exp_family.ExponentialFamily",
             "relaxed_bernoulli.RelaxedBernoulli", "relaxed_categorical.RelaxedOneHotCategorical",
             "transformed_distribution.TransformedDistribution", "kl.kl_divergence", "utils.broadcast_all",
             "transforms.ExpTransform", "distribution.Distribution", "constraints.positive"]
    found = []
    for p in paths:
        mod, _, attr = p.rpartition(".")
        found.append(getattr(importlib.import_module(base + mod), attr) is not None)
    return found

"""torch.distributions: probability distributions with torch's parameterisations, shapes, validation and samplers.

Samplers follow torch's own formulas on torchax's random primitives, so after `manual_seed` they draw torch's
numbers (Gamma/Beta/Dirichlet/Binomial use torch's CPU samplers, see `_samplers`).
"""

from torchax.distributions import constraints, transforms
from torchax.distributions.bernoulli import Bernoulli
from torchax.distributions.beta import Beta
from torchax.distributions.binomial import Binomial, Multinomial
from torchax.distributions.categorical import Categorical
from torchax.distributions.dirichlet import Dirichlet
from torchax.distributions.distribution import Distribution, ExponentialFamily
from torchax.distributions.exponential import Exponential
from torchax.distributions.gamma import Gamma
from torchax.distributions.independent import Independent
from torchax.distributions.kl import kl_divergence, register_kl
from torchax.distributions.laplace import Laplace
from torchax.distributions.multivariate_normal import MultivariateNormal
from torchax.distributions.normal import Normal
from torchax.distributions.one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from torchax.distributions.poisson import Poisson
from torchax.distributions.relaxed import (
    ExpRelaxedCategorical,
    LogitRelaxedBernoulli,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
)
from torchax.distributions.transformed_distribution import LogNormal, TransformedDistribution
from torchax.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from torchax.distributions.uniform import Uniform

__all__ = [
    "AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "ComposeTransform",
    "Dirichlet", "Distribution", "ExpTransform", "Exponential", "ExponentialFamily", "ExpRelaxedCategorical", "Gamma",
    "Independent", "IndependentTransform", "Laplace", "LogNormal", "LogitRelaxedBernoulli", "Multinomial",
    "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson",
    "PowerTransform", "RelaxedBernoulli", "RelaxedOneHotCategorical", "ReshapeTransform", "SigmoidTransform",
    "SoftmaxTransform", "SoftplusTransform", "TanhTransform", "Transform", "TransformedDistribution", "Uniform",
    "constraints", "identity_transform", "kl_divergence", "register_kl", "transforms",
]

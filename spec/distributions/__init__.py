"""Probability distributions, as ``torch.distributions``, written once against the protocol:
`Normal`, `Uniform`, `Exponential`, `Laplace`, `LogNormal`, `Gamma`, `Chi2`, `Beta`,
`Dirichlet`, `StudentT`, `MultivariateNormal`, `Categorical`, `OneHotCategorical`,
`Bernoulli`, `Binomial`, `Poisson`, `Independent`, `MixtureSameFamily`,
`TransformedDistribution` with the `transforms`, the `constraints`, and `kl_divergence`.

Each has torch's constructor, ``sample`` / ``rsample`` (``sample_shape + batch_shape +
event_shape``), ``log_prob``, ``entropy``, ``mean``, ``variance`` and ``stddev`` (``cdf``,
``icdf``, ``mode``, ``support``, ``arg_constraints`` where torch has them), with torch's
formulas, so log-probabilities, entropies, KL divergences and their gradients are torch's;
draws come from the backend's seeded generator (``manual_seed`` repeats them), not torch's
stream, and the gamma family's ``rsample`` carries torch's implicit reparameterization
gradient.  Reached through a backend (``torch.distributions`` of ``torch =
gradspec.load_backend(...)``), parameters given as plain numbers become tensors there.
"""

from __future__ import annotations

from . import constraints, transforms
from .continuous import Exponential, Laplace, Normal, Uniform
from .discrete import (
                       Bernoulli,
                       Binomial,
                       Categorical,
                       OneHotCategorical,
                       OneHotCategoricalStraightThrough,
                       Poisson,
)
from .distribution import Distribution
from .gamma import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .mixture import MixtureSameFamily
from .multivariate import MultivariateNormal
from .transformed import LogNormal, TransformedDistribution
from .transforms import (
                       AbsTransform,
                       AffineTransform,
                       ComposeTransform,
                       ExpTransform,
                       PowerTransform,
                       SigmoidTransform,
                       TanhTransform,
                       Transform,
)

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical",
           "Chi2", "ComposeTransform", "Dirichlet", "Distribution", "ExpTransform",
           "Exponential", "Gamma", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
           "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "PowerTransform", "SigmoidTransform",
           "StudentT", "TanhTransform", "Transform", "TransformedDistribution", "Uniform",
           "constraints", "kl_divergence", "register_kl", "transforms"]

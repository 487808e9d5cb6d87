"""Probability distributions, as ``torch.distributions``, written once against the protocol:
`Normal`, `Uniform`, `Categorical`, `Bernoulli`, `Independent`, and `kl_divergence`.

Each has torch's constructor, ``sample`` / ``rsample`` (``sample_shape + batch_shape +
event_shape``), ``log_prob``, ``entropy``, ``mean``, ``variance`` and ``stddev``, with torch's
formulas, so log-probabilities, entropies, KL divergences and their gradients are torch's;
draws come from the backend's seeded generator (``manual_seed`` repeats them), not torch's
stream.  Reached through a backend (``torch.distributions`` of ``torch =
gradspec.load_backend(...)``), parameters given as plain numbers become tensors there.
"""

from __future__ import annotations

from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal", "Uniform",
           "kl_divergence", "register_kl"]

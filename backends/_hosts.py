"""Host adapters shared by the engine's plugins: seeded random numbers and numpy conversion.

Each backend documents its generator: ``numpy`` and ``strict`` draw from numpy's PCG64
(``numpy.random.default_rng(seed)``), ``cupy`` from CuPy's on the GPU.  ``manual_seed(n)``
reseeds it; the default seed is 0, so runs are repeatable without seeding.
"""

from __future__ import annotations

from typing import Any, Callable

DEFAULT_SEED = 0


class NumpyRNG:
    """numpy's PCG64 generator; samples are converted with ``to_array``."""

    def __init__(self, np: Any, to_array: Callable[[Any], Any], seed: int = DEFAULT_SEED) -> None:
        self.np = np
        self.to_array = to_array
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self.initial = int(seed)
        self.gen = self.np.random.default_rng(self.initial)

    def normal(self, shape: tuple, dtype: str) -> Any:
        return self.to_array(normal_draw(self.np, self.gen, shape, dtype))

    def uniform(self, shape: tuple, dtype: str) -> Any:
        return self.to_array(uniform_draw(self.np, self.gen, shape, dtype))

    def integers(self, low: int, high: int, shape: tuple) -> Any:
        return self.to_array(self.gen.integers(low, high, size=shape, dtype=self.np.int64))

    def get_state(self) -> dict:
        """The generator's state as plain data (ints and strings): what ``get_rng_state``
        encodes."""
        return {"kind": "numpy-pcg64", "initial": self.initial,
                "state": self.gen.bit_generator.state}

    def set_state(self, state: dict) -> None:
        """Continue from a state `get_state` gave."""
        if not isinstance(state, dict) or state.get("kind") != "numpy-pcg64":
            raise RuntimeError("set_rng_state: not a state of this backend's generator (numpy's "
                               "PCG64); pass what get_rng_state() returned")
        gen = self.np.random.default_rng(0)
        gen.bit_generator.state = state["state"]
        self.initial, self.gen = int(state["initial"]), gen


def normal_draw(xp: Any, gen: Any, shape: tuple, dtype: str) -> Any:
    """Standard normal samples of ``dtype`` from a numpy-style generator, which draws float32
    and float64 only: half precision rounds float32 draws."""
    if dtype == "float16":
        return gen.standard_normal(shape, dtype=xp.float32).astype(xp.float16)
    return gen.standard_normal(shape, dtype=getattr(xp, dtype))


def uniform_draw(xp: Any, gen: Any, shape: tuple, dtype: str) -> Any:
    """Samples uniform in [0, 1) of ``dtype``; half precision takes multiples of 2**-11 (its
    mantissa's resolution), since rounding a float32 draw could give 1.0."""
    if dtype == "float16":
        return (gen.integers(0, 2048, size=shape) * (1 / 2048)).astype(xp.float16)
    return gen.random(shape, dtype=getattr(xp, dtype))


def numpy_quiet(np: Any) -> tuple[Any, Any] | None:
    """The ``Host.quiet`` of a namespace computing with numpy: the context variable in which
    numpy 2 keeps its floating-point error handling, and its value under
    ``numpy.errstate(all="ignore")``.

    Setting the variable directly costs a fraction of entering an ``errstate`` (which builds
    that value each time); the engine sets it once per backward call and around the forward
    of each op marked ``quiet``.  numpy 1.x keeps the state elsewhere: None there (its
    warnings then reach the user on the compiled core, as before).
    """
    try:
        from numpy._core._ufunc_config import _extobj_contextvar as state
    except ImportError:  # numpy 1.x
        return None
    with np.errstate(all="ignore"):
        return state, state.get()


def keep_bits(xp: Any) -> Callable[[Any, Any, bool], Any]:
    """The ``Host.keep`` of numpy and CuPy: ``g`` where the boolean ``keep`` is true, ``+0.0``
    elsewhere, as ``where(keep, g, 0)`` gives, bit for bit, for a floating ``g`` of ``keep``'s
    shape (``inplace``: written into ``g``).

    The floats' bits are multiplied, as integers of their width, by the mask: a kept element
    keeps its bits (NaN, inf and -0.0 included) and a dropped one becomes all zero bits
    (``+0.0``, even where ``g`` held inf or NaN, which a float product would turn into NaN).
    One pass, as cheap as ``g * keep``, where numpy's ``where`` branches per element (several
    times slower on the random masks of a ReLU layer)."""
    widths = {2: xp.int16, 4: xp.int32, 8: xp.int64}

    def keep(g: Any, mask: Any, inplace: bool) -> Any:
        ints = widths[g.dtype.itemsize]
        if inplace and g.ndim:  # (a 0-d sum can be a numpy scalar, which no view writes into)
            view = g.view(ints)
            view *= mask
            return g
        return xp.asarray((g.view(ints) * mask)).view(g.dtype)

    return keep


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("gradspec")
    except metadata.PackageNotFoundError:
        return "0+unknown"

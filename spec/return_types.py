"""PyTorch's named-tuple results (``torch.return_types``): ``max(x, dim)``, ``sort``, ``qr``, ...

The engine's ops and `gradspec.functions` return these.  Each type is a
`collections.namedtuple` subclass (a tuple: it indexes, unpacks, compares and hashes as one;
``_fields``/``_asdict`` work) that shows itself as PyTorch's does::

    >>> r = torch.max(torch.tensor([[3., 1.], [0., 5.]]), dim=0)  # doctest: +SKIP
    >>> r                                                          # doctest: +SKIP
    torch.return_types.max(
    values=tensor([3., 5.]),
    indices=tensor([0, 1]))
    >>> type(r).__name__, type(r).__module__                        # doctest: +SKIP
    ('max', 'torch.return_types')

The module is PyTorch's name, so ``type(r)`` prints ``<class 'torch.return_types.max'>``; for
pickling and copying, results are rebuilt through this module (`_rebuild`), not through that
name (which would need torch installed, and would give torch's type).  As PyTorch's, the
constructor also takes one sequence of the fields: ``max((values, indices))``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

#: every type, by PyTorch's name (``"linalg_qr"``), for `_rebuild`
TYPES: dict[str, type] = {}

# PyTorch's public return types and their fields, in order (torch 2.x, torch.return_types).
_FIELDS = {
    "aminmax": ("min", "max"),
    "cummax": ("values", "indices"),
    "cummin": ("values", "indices"),
    "frexp": ("mantissa", "exponent"),
    "geqrf": ("a", "tau"),
    "histogram": ("hist", "bin_edges"),
    "histogramdd": ("hist", "bin_edges"),
    "kthvalue": ("values", "indices"),
    "linalg_cholesky_ex": ("L", "info"),
    "linalg_eig": ("eigenvalues", "eigenvectors"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_inv_ex": ("inverse", "info"),
    "linalg_ldl_factor": ("LD", "pivots"),
    "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu": ("P", "L", "U"),
    "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_qr": ("Q", "R"),
    "linalg_slogdet": ("sign", "logabsdet"),
    "linalg_solve_ex": ("result", "info"),
    "linalg_svd": ("U", "S", "Vh"),
    "lu_unpack": ("P", "L", "U"),
    "max": ("values", "indices"),
    "median": ("values", "indices"),
    "min": ("values", "indices"),
    "mode": ("values", "indices"),
    "nanmedian": ("values", "indices"),
    "qr": ("Q", "R"),
    "slogdet": ("sign", "logabsdet"),
    "sort": ("values", "indices"),
    "svd": ("U", "S", "V"),
    "topk": ("values", "indices"),
    "triangular_solve": ("solution", "cloned_coefficient"),
}


def _rebuild(name: str, values: tuple) -> Any:
    """A result of type ``name`` holding ``values``: what pickled results unpickle through."""
    return TYPES[name](*values)


def _repr(self: tuple) -> str:
    # PyTorch's structseq layout: the type's full name, then one field per line.
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"torch.return_types.{type(self).__name__}(\n{fields})"


def _reduce(self: tuple) -> tuple:
    return _rebuild, (type(self).__name__, tuple(self))


def _make(name: str, fields: tuple[str, ...]) -> type:
    base = namedtuple(name, fields)  # type: ignore[misc]
    n = len(fields)

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        # PyTorch's form, one sequence of all the fields, as well as the namedtuple's
        if len(args) == 1 and not kwargs and n > 1 and isinstance(args[0], (tuple, list)):
            args = tuple(args[0])
        return base.__new__(cls, *args, **kwargs)

    return type(name, (base,), {
        "__slots__": (), "__new__": __new__, "__repr__": _repr, "__str__": _repr,
        "__reduce__": _reduce, "__module__": "torch.return_types", "__qualname__": name,
        "__doc__": f"torch.return_types.{name}: the named tuple ({', '.join(fields)}).",
        "n_fields": n, "n_sequence_fields": n, "n_unnamed_fields": 0,
    })


# Module attributes too (``return_types.sort``), so that this module can stand for
# ``torch.return_types``: ``max`` and ``min`` shadow the builtins here (nothing here calls them).
for _name, _fields in _FIELDS.items():
    TYPES[_name] = globals()[_name] = _make(_name, _fields)
del _name, _fields

# Python-safe aliases of the names that shadow builtins, for ``from .return_types import ...``.
max_ = TYPES["max"]
min_ = TYPES["min"]

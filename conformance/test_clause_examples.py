"""Every clause's own example, run on the backend under test.

The examples are the catalogue's minimal statement of each rule; the other test files check
each clause more thoroughly.
"""

import pytest

from gradspec.clauses import CLAUSES
from gradspec.conformance.helpers import run_example


@pytest.mark.parametrize(
    "clause", [pytest.param(c, id=c.id, marks=pytest.mark.clause(c.id)) for c in CLAUSES]
)
def test_clause_example(backend, clause):
    run_example(clause.example, backend)

"""The gradspec conformance suite: one set of tests that judges every autograd backend.

Run it on an installed backend with ``pytest --pyargs gradspec.conformance --backend=NAME``
(or ``pytest conformance --backend=NAME`` in the repository).  The pytest plugin that makes this
work is `gradspec.conformance.plugin`; helpers for tests are in
`gradspec.conformance.helpers`; the report format is `gradspec.conformance.report`.
"""

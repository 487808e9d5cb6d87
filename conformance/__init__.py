"""The gradspec conformance suite: one set of tests that judges every autograd backend.

Run it on an installed backend with ``pytest --pyargs gradspec.conformance --backend=NAME``
(or ``pytest conformance --backend=NAME`` in the repository).  The pytest plugin that makes this
work is :mod:`gradspec.conformance.plugin`; helpers for tests are in
:mod:`gradspec.conformance.helpers`; the report format is :mod:`gradspec.conformance.report`.
"""

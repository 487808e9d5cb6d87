"""tiny's gradspec plugin: the module the ``gradspec.backends`` entry point names.

It implements gradspec's hooks and imports nothing heavy at module level: gradspec imports
every plugin module to list backends, so listing must stay cheap.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from typing import Any, Mapping

from gradspec import hookimpl


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "tiny: a small numpy engine written for gradspec's docs", "device": "cpu"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("numpy") is None:
        return False, "numpy is not installed: pip install numpy"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    if options:
        raise ValueError(f"backend 'tiny' takes no options, got {sorted(options)}")
    from .backend import TinyBackend

    return TinyBackend(metadata.version("gradspec-tiny"))


@hookimpl
def gradspec_backend_known_failures(backend: Any) -> Mapping[str, str]:
    # Known bugs as {test id glob: reason}; a matching test that fails is reported xfailed with
    # its real failure beside the reason, and one that passes counts as a pass.  These came from the differential fuzzer and the
    # misuse catalogue (python -m gradspec.conformance.fuzz --backend tiny shows each one).
    shape = "numpy's ValueError escapes where PyTorch raises RuntimeError"
    retained = "a retained non-leaf grad is updated in place (PyTorch replaces it)"
    index = "advanced indexing keeps its index after a backward, so a second one runs"
    return {
        "test_fuzz.py::*": "views of a leaf (t(), permute) come back as leaves, and dim=0/-1 "
                           "reductions of 0-d tensors raise AxisError",
        "test_misuse.py::*[add_of_shapes_that_do_not_broadcast]": shape,
        "test_misuse.py::*[where_of_shapes_that_do_not_broadcast]": shape,
        "test_misuse.py::*[matmul_of_mismatched_shapes]": shape,
        "test_misuse.py::*[matmul_of_mixed_dtypes]": "matmul promotes float32 @ float64 as "
                                                     "numpy does",
        "test_misuse.py::*[cat_of_mismatched_shapes]": shape,
        "test_misuse.py::*[stack_of_different_shapes]": shape,
        "test_misuse.py::*[reshape_to_a_different_size]": shape,
        "test_misuse.py::*[cat_of_0d_tensors]": "cat of 0-d tensors raises IndexError",
        "test_misuse.py::*[tensor_from_a_string]": "tensor('abc') raises ValueError",
        "test_misuse.py::*[float_of_several_elements]": "float() of 2 elements raises "
                                                         "RuntimeError, not ValueError",
        "test_misuse.py::*[assigning_a_grad_of_the_wrong_dtype]": "the grad setter checks no dtype",
        "test_misuse.py::*[assigning_a_list_as_grad]": "the grad setter takes a list",
        "test_misuse.py::*[gradient_given_as_a_list]": "backward() takes a list as gradient",
        "test_misuse.py::*[requires_grad_given_a_string]": "requires_grad_() takes any truthy value",
        "test_misuse.py::*[backward_inputs_that_do_not_require_grad]": "backward(inputs=) "
                                                                       "ignores such inputs",
        "test_misuse.py::*[detach_in_place_of_a_view]": "detach_() of a view is allowed",
        "test_misuse.py::*[view_of_a_transposed_tensor]": "view() copies when it must not",
        # from the clauses of gradspec's issue 16 (ACC-5, RETAIN-4, NONDIFF-1, SHAPE-4)
        "test_accumulation.py::test_retained_grad_is_replaced_not_updated": retained,
        "test_clause_examples.py::test_clause_example[ACC-5]": retained,
        "test_accumulation.py::test_non_leaf_listed_in_inputs_retains_its_grad":
            "backward(inputs=[non-leaf]) does not make it retain its grad",
        "test_retain_graph.py::test_node_with_non_differentiable_saved_data_is_freed[index-*]":
            index,
        "test_retain_graph.py::test_autograd_grad_frees_non_differentiable_saved_data[index-*]":
            index,
        "test_retain_graph.py::test_every_op_is_freed_where_pytorch_frees_it[index-*]": index,
        "test_clause_examples.py::test_clause_example[RETAIN-4]": index,
        "test_grad_mode.py::test_no_grad_decorated_generator_runs_each_step_without_grad*":
            "the grad-mode decorators switch the mode only while a generator function makes "
            "its generator, not while it runs",
        "test_nondiff.py::test_relu_passes_nothing_where_masked_whatever_the_incoming_gradient*":
            "relu's gradient is g * (x > 0): an infinite incoming gradient gives NaN where masked",
        "test_nondiff.py::test_relu_passes_the_gradient_at_a_nan_input*":
            "relu's gradient is g * (x > 0): a NaN input passes nothing (PyTorch passes g)",
        "test_clause_examples.py::test_clause_example[SHAPE-4]": "tensors have no contiguous()",
    }

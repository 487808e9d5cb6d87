"""Messages of gradspec's own engine for every case of the misuse catalogue.

The conformance suite (conformance/test_misuse.py) checks kinds and that nothing changes on
every backend; here gradspec's engine must also say, in words, what was wrong (``what``) and
how to fix it (``how``).  Every catalogue case needs an entry, so a new misuse comes with its
message.
"""

from __future__ import annotations

import re
import warnings

import pytest

import gradspec
from gradspec import errors
from gradspec.conformance.test_misuse import CASES

ENGINES = ["numpy", "strict"]

# case name -> (what was wrong, how to fix it): regular expressions over the message
GRAPH_FREED = (r"second time", r"retain_graph=True")
LEAF = (r"leaf Variable that requires grad is being used in an in-place", r"no_grad\(\)|clone\(\)")
SAVED = (r"^one of the variables needed for gradient computation has been modified by an "
         r"inplace operation: \[torch\.FloatTensor \[2\]\].* saved by \w+Backward0",
         r"clone\(\)|after backward\(\)")
NON_SCALAR = (r"only for scalar outputs: output \d has shape \(2,\)", r"pass a gradient|\.sum\(\)")
SHAPE = (r"^Mismatch in shape: grad_output\[0\] has a shape of torch\.Size\(\[\d?\]\) and "
         r"output\[0\] has a shape of", r"must have exactly its output's")
COUNT = (r"got 2 tensors and 1 gradients", r"one gradient per output")
UNUSED = (r"index 1 appears to not have been used", r"allow_unused=True")
NO_PATH = (r"does not require grad and does not have a grad_fn", r"requires_grad=True")
HIGHER = (r"does not require grad and does not have a grad_fn", r"create_graph=True")
DTYPE = (r"^only Tensors of floating point dtype can require gradients \(.*got (int64|bool)",
         r"t\.float\(\)")
NON_LEAF = (r"only change requires_grad flags of leaf tensors", r"detach\(\)")
BROADCAST = (r"^The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) at "
             r"non-singleton dimension \d+: .*operands of shapes .* do not broadcast",
             r"equal or 1")

MESSAGES: dict[str, tuple[str, str]] = {
    "backward_twice": GRAPH_FREED,
    "grad_twice": GRAPH_FREED,
    "backward_of_an_output_sharing_a_freed_subgraph": GRAPH_FREED,
    "third_backward_after_one_retained_pass": GRAPH_FREED,
    "add_on_a_leaf": LEAF,
    "manual_sgd_step_outside_no_grad": LEAF,
    "zero_on_a_leaf": LEAF,
    "copy_into_a_leaf": LEAF,
    "mul_a_leaf_by_a_tensor_that_requires_grad": LEAF,
    "indexed_assignment_into_a_leaf": LEAF,
    "in_place_through_a_view_of_a_leaf": (r"view of a leaf Variable that requires grad",
                                          r"no_grad\(\)|clone the leaf"),
    "operand_saved_by_mul_modified": SAVED,
    "sigmoid_output_modified": SAVED,
    "saved_leaf_updated_under_no_grad": SAVED,
    "saved_tensor_modified_through_detach": SAVED,
    "saved_output_modified_by_indexed_assignment": SAVED,
    "non_scalar_backward_without_gradient": NON_SCALAR,
    "non_scalar_grad_without_grad_outputs": NON_SCALAR,
    "autograd_backward_of_a_vector_without_grad_tensors": NON_SCALAR,
    "gradient_of_the_wrong_shape": SHAPE,
    "gradient_of_shape_one_for_a_0d_output": SHAPE,
    "grad_outputs_of_the_wrong_shape": SHAPE,
    "gradient_given_as_a_list": (r"tensors or None, but got list", r"ones_like"),
    "assigning_a_grad_of_the_wrong_shape": (r"gradient of shape \(3,\) to a tensor of shape \(2,\)",
                                            r"must have its tensor's shape"),
    "assigning_a_grad_of_the_wrong_dtype": (r"dtype float64 to a tensor of dtype float32",
                                            r"\.to\(\)"),
    "assigning_a_list_as_grad": (r"got list", r"must be a tensor or None"),
    "too_few_grad_tensors": COUNT,
    "too_few_grad_outputs": COUNT,
    "grad_of_an_unused_input": UNUSED,
    "grad_of_an_unused_non_leaf": UNUSED,
    "grad_with_respect_to_a_tensor_that_does_not_require_grad": (
        r"differentiated tensors does not require grad", r"requires_grad=True"),
    "grad_with_no_inputs": (r"cannot be empty", r"pass the tensors"),
    "grad_of_an_output_that_does_not_require_grad": NO_PATH,
    "grad_of_a_python_number": (r"got float", r"must be a tensor"),
    "backward_of_a_plain_tensor": NO_PATH,
    "backward_of_a_detached_tensor": NO_PATH,
    "backward_of_a_result_computed_under_no_grad": NO_PATH,
    "backward_with_empty_inputs": (r"cannot be empty", r"pass None"),
    "backward_inputs_that_do_not_require_grad": (r"does not require grad", r"requires_grad=True"),
    "second_derivative_of_a_linear_function": HIGHER,
    "differentiating_a_gradient_computed_without_create_graph": HIGHER,
    "integer_tensor_that_requires_grad": DTYPE,
    "integer_zeros_that_require_grad": DTYPE,
    "requires_grad_on_an_integer_tensor": DTYPE,
    "requires_grad_attribute_on_a_bool_tensor": DTYPE,
    "requires_grad_given_a_string": (r"got str 'yes'", r"True or False"),
    "requires_grad_attribute_off_on_a_non_leaf": NON_LEAF,
    "requires_grad_method_off_on_a_non_leaf": NON_LEAF,
    "retain_grad_on_a_tensor_that_does_not_require_grad": (r"requires_grad=False",
                                                           r"set requires_grad=True"),
    "hook_on_a_tensor_that_does_not_require_grad": (r"doesn't require gradient",
                                                    r"set requires_grad=True"),
    "hook_that_changes_the_gradient_shape": (r"changed the size of the gradient from \(2,\) to "
                                             r"\(3,\)", r"must keep its shape"),
    "hook_that_returns_a_number": (r"got float", r"tensor or None"),
    "numpy_of_a_tensor_that_requires_grad": (r"requires grad", r"detach\(\)\.numpy\(\)"),
    "item_of_several_elements": (r"2 elements", r"index it or reduce it"),
    "float_of_several_elements": (r"2 elements", r"index it or reduce it"),
    "detach_in_place_of_a_view": (r"detach a view in place", r"detach\(\) instead"),
    "matmul_of_mismatched_shapes": (r"cannot be multiplied \(1x3 and 1x3\)",
                                    r"transpose or reshape"),
    "matmul_of_mixed_dtypes": (r"same dtype, got float32 and float64", r"convert one with"),
    "cat_of_mismatched_shapes": (r"Expected size 2 but got size 1 for tensor number 1",
                                 r"^Sizes of tensors must match except in dimension 0"),
    "cat_of_0d_tensors": (r"zero-dimensional tensor", r"stack\(\) or unsqueeze\(\)"),
    "stack_of_different_shapes": (r"got \[2\] at entry 0 and \[3\] at entry 1",
                                  r"^stack expects each tensor to be equal size"),
    "add_of_shapes_that_do_not_broadcast": BROADCAST,
    "where_of_shapes_that_do_not_broadcast": BROADCAST,
    "in_place_op_that_would_grow_its_target": (r"^output with shape \[3\] doesn't match the "
                                               r"broadcast shape \[2, 3\]", r"out-of-place op"),
    "view_of_a_transposed_tensor": (r"not compatible with input tensor's size and stride",
                                    r"\.reshape\("),
    "reshape_to_a_different_size": (r"^shape '\[4, 2\]' is invalid for input of size 6",
                                    r"must multiply to 6"),
    "index_out_of_range": (r"index 5 is out of bounds for dimension 0 with size 3",
                           r"valid: -3 to 2"),
    "sum_over_a_missing_dim": (r"^Dimension out of range .* but got 2",
                               r"expected to be in range of \[-1, 0\]"),
    "tensor_from_a_string": (r"from str data", r"give numbers"),
    "adding_a_string": (r"operand is a str", r"torch\.tensor\("),
    "nan_in_backward_under_anomaly_mode": (r"'SqrtBackward0' returned nan values",
                                           r"clamp or mask the input"),
}


@pytest.fixture(params=ENGINES)
def torch(request):
    ok, why = gradspec.plugins.availability(request.param)
    if not ok:
        pytest.skip(why)
    return gradspec.load_backend(request.param)


def test_the_catalogue_is_large_and_every_kind_appears():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    kinds = {c.kind for c in CASES}
    assert set(errors.ERROR_KINDS) <= kinds, set(errors.ERROR_KINDS) - kinds


def test_every_catalogue_case_has_a_message_expectation():
    assert set(MESSAGES) == {c.name for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_message_says_what_and_how(torch, case):
    if not set(case.requires) <= set(torch.capabilities):
        pytest.skip(f"needs {case.requires}")
    what, how = MESSAGES[case.name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, action = case.build(torch)
        with pytest.raises(case.kind) as info:
            action()
    message = str(info.value)
    assert re.search(what, message), f"does not say what was wrong: {message}"
    assert re.search(how, message), f"does not say how to fix it: {message}"


def test_the_optimizer_refuses_a_non_leaf(torch):
    optim = pytest.importorskip("gradspec.optim")
    w = torch.randn(3, requires_grad=True) * 0.01  # a computed tensor, not a leaf (LEAF-3)
    with pytest.raises(ValueError) as info:
        optim.SGD([w], lr=0.1)
    assert re.search(r"non-leaf|not a leaf", str(info.value)), str(info.value)
    assert re.search(r"detach\(\)\.requires_grad_\(\)|leaf it came from", str(info.value))
    assert not w.is_leaf and w.requires_grad  # the refused tensor is as it was

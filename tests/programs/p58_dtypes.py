"""Dtypes as PyTorch prints and converts them: to(), type(), float(), long(), new_* factories."""
import torch

x = torch.tensor([1.5, -2.0, 3.25])
print(x.dtype, x.type(), torch.float == torch.float32, x.dtype == torch.float32)
d = x.to(torch.float64)
print(d, d.dtype, d.type(), x.double().dtype, x.long(), x.int().dtype, x.bool())
print(x.type(torch.float64).dtype, x.type("torch.IntTensor"), torch.tensor([1, 2]).dtype)
print(x.to(d).dtype, x.to("cpu", torch.float64).dtype, x.to(dtype=torch.int32).dtype)
print(x.new_zeros(2, 3).dtype, x.new_ones((2,)), x.new_full((2,), 7.0), x.new_tensor([1, 2]).dtype)
print(torch.is_floating_point(x), x.is_floating_point(), torch.tensor([1]).is_floating_point())
print(torch.get_default_dtype(), x.element_size(), d.element_size(), torch.finfo(torch.float32).eps)
print(torch.finfo(torch.float64).max, torch.iinfo(torch.int32).max, torch.float32.is_floating_point)
print(torch.zeros(2, dtype=torch.int64) + 1.5, (torch.tensor([1, 2]) / 2).dtype)
print(torch.tensor([True, False]).dtype, torch.tensor(3).dtype, torch.tensor(3.0).dtype)

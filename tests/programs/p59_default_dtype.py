"""set_default_dtype(torch.float64): Python floats and float factories follow it."""
import torch

print(torch.get_default_dtype(), torch.tensor([1.0]).dtype)
torch.set_default_dtype(torch.float64)
try:
    print(torch.get_default_dtype(), torch.tensor([1.0]).dtype, torch.zeros(2).dtype,
          torch.ones(1).dtype, torch.arange(0.0, 1.0, 0.5).dtype, torch.linspace(0, 1, 3).dtype,
          torch.full((1,), 2.0).dtype, (torch.tensor([1, 2]) * 0.5).dtype)
    print(torch.tensor([1.0, 2.0]), torch.tensor([1.0], dtype=torch.float32))
    m = torch.nn.Linear(2, 1)
    print(m.weight.dtype, torch.finfo().bits)
finally:
    torch.set_default_dtype(torch.float32)
print(torch.get_default_dtype(), torch.tensor([1.0]).dtype)

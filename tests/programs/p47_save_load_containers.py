"""save/load through an in-memory file: nested dicts, lists, tuples, numbers and shared tensors."""
import io

import torch

t = torch.arange(6.0).reshape(2, 3)
obj = {"epoch": 7, "name": "run-1", "lr": 0.01, "betas": (0.9, 0.999), "flags": [True, None],
       "tensors": [t, t * 2, torch.tensor([1, 2, 3]), torch.tensor(True)],
       "same": t, "grad": torch.ones(2, requires_grad=True)}
buf = io.BytesIO()
torch.save(obj, buf)
buf.seek(0)
back = torch.load(buf)
print(sorted(back), back["epoch"], back["name"], back["lr"], back["betas"], back["flags"])
print(back["tensors"][0], back["tensors"][2].dtype, back["tensors"][3])
print(back["same"] is back["tensors"][0], back["grad"].requires_grad, back["grad"].is_leaf)
print(back["tensors"][1].tolist(), back["tensors"][0].dtype)

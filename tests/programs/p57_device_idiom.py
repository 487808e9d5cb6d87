"""The device idiom of most scripts: cuda if available else cpu, model and data moved there."""
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device, device.type, repr(torch.device("cpu")))
model = nn.Linear(2, 1).to(device)
x = torch.ones(3, 2).to(device)
print(x.device, x.device == torch.device("cpu"), x.is_cuda, str(x.device) == "cpu")
print(next(model.parameters()).device)
print(model(x).shape, x.cpu().device, torch.zeros(2, device="cpu").device, torch.device("cuda:1"))
print(torch.device("cuda", 0), torch.device("cpu") == torch.device("cpu"))

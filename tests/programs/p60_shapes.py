"""Shapes as PyTorch prints them: torch.Size, size(), view/reshape/permute/unsqueeze/flatten."""
import torch

x = torch.arange(24.0).reshape(2, 3, 4)
print(x.shape, x.size(), x.size(1), x.size(-1), x.shape[1:], x.numel(), x.dim(), x.ndim, len(x))
print(x.view(6, 4).shape, x.reshape(-1).shape, x.permute(2, 0, 1).shape, x.transpose(0, 2).shape)
print(x.unsqueeze(0).shape, x[:, None].shape, x.flatten(1).shape, x.sum(dim=1, keepdim=True).shape)
print(torch.zeros(3, 1, 2).squeeze().shape, torch.zeros(3, 1, 2).squeeze(1).shape, x[0].t().shape)
print(x.shape == (2, 3, 4), tuple(x.shape), list(x.shape), x.shape[0] * x.shape[2])
print(torch.Size([2, 3]), torch.Size([2, 3]).numel(), torch.zeros(torch.Size([2, 2])).shape)
print(torch.cat([x, x], dim=1).shape, torch.stack([x, x]).shape, x.mean(dim=(0, 2)).shape)

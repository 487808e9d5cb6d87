"""Samples as dicts (collated key by key) and a custom collate_fn that pads sequences."""
import torch
from torch.utils.data import DataLoader, Dataset


class Records(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": torch.full((2,), float(i)), "label": i % 2}


for batch in DataLoader(Records(), batch_size=2):
    print(sorted(batch), batch["x"].tolist(), batch["label"].tolist())


def pad(samples):
    longest = max(len(s) for s in samples)
    out = torch.zeros(len(samples), longest)
    for row, s in enumerate(samples):
        out[row, :len(s)] = torch.tensor(s)
    return out


seqs = [[1.0], [2.0, 3.0], [4.0, 5.0, 6.0], [7.0]]
for batch in DataLoader(seqs, batch_size=3, collate_fn=pad):
    print(batch.tolist())

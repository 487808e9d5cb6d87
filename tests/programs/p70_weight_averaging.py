# Weight averaging as training scripts use it: SWA and EMA copies of a model (torch.optim.
# swa_utils.AveragedModel with the default, multi_avg_fn and avg_fn steps, use_buffers), the
# SWALR schedule's annealed rates and update_bn recomputing batch-norm statistics.
import torch, torch.nn as nn
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn, get_ema_multi_avg_fn, get_ema_avg_fn
model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.linspace(-1, 1, p.numel()).view_as(p) * (i + 1) / 3)
X = torch.linspace(-2, 2, 24).reshape(8, 3); Y = X.sum(1, keepdim=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
swa = AveragedModel(model)
ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
ema2 = AveragedModel(model, avg_fn=get_ema_avg_fn(0.8), use_buffers=True)
sched = SWALR(opt, swa_lr=0.05, anneal_epochs=3)
for epoch in range(6):
    opt.zero_grad(); loss = ((model(X) - Y) ** 2).mean(); loss.backward(); opt.step()
    swa.update_parameters(model); ema.update_parameters(model); ema2.update_parameters(model); sched.step()
    print(epoch, round(loss.item(), 5), [round(l, 6) for l in sched.get_last_lr()], swa.n_averaged.item())
print(swa.module[0].weight.data); print(ema.module[2].bias.data, ema2.module[1].running_mean)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=4)
update_bn(loader, swa)
print(swa.module[1].running_mean, swa.module[1].running_var, swa.module[1].num_batches_tracked, swa.training)
swa.eval(); print(swa(X[:2]))
print(list(swa.state_dict().keys()))
print(sched.state_dict().keys())

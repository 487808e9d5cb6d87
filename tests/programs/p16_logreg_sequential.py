"""The tutorials' logistic regression (Sequential, BCELoss, SGD with momentum) on fixed data
and fixed initial parameters (loaded through load_state_dict)."""
import torch

t = torch.linspace(0, 6.28, 100)
x0 = torch.stack([1.7 + torch.cos(3 * t), 1.7 + torch.sin(5 * t)], 1) + 1
x1 = torch.stack([-1.7 + torch.sin(2 * t), -1.7 + torch.cos(7 * t)], 1) + 1
train_x = torch.cat([x0, x1], 0)
train_y = torch.cat([torch.zeros(100), torch.ones(100)], 0)

lr_net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
lr_net.load_state_dict({"0.weight": torch.tensor([[0.3, -0.2]]), "0.bias": torch.tensor([0.1])})
loss_fn = torch.nn.BCELoss()
optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.01, momentum=0.9)

for iteration in range(200):
    y_pred = lr_net(train_x)
    loss = loss_fn(y_pred.squeeze(), train_y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if iteration % 40 == 0:
        mask = y_pred.ge(0.5).float().squeeze()
        correct = (mask == train_y).sum()
        acc = correct.item() / train_y.size(0)
        print(iteration, f"{loss.item():.5f}", f"{acc:.2%}")
w0, w1 = lr_net[0].weight[0]
print(f"w0:{w0.item():.4f} w1:{w1.item():.4f} b:{lr_net[0].bias.item():.4f}")

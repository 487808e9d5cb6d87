# From shared/seeds/004_35c3f6b61f0cec32.txt (2.7): the notebook cell as written; only the
# import of pyplot (made in the notebook's previous cell) is added.  It learns y = w x^2 + b on
# y = 3 x^2 + 2 + noise in [0, 0.2).
from matplotlib import pyplot as plt
import torch
# 准备数据
torch.manual_seed(100)
#生成x坐标数据，x为tenor，需要把x的形状转换为100x1
x = torch.unsqueeze(torch.linspace(-1, 1, 100), dim=1)
#生成y坐标数据，y为tenor，形状为100x1，另加上一些噪音
y = 3*x.pow(2) +2+ 0.2*torch.rand(x.size())

# 画图，把tensor数据转换为numpy数据
plt.scatter(x.numpy(), y.numpy())
plt.show()


# 初始化权重参数

# 随机初始化参数，参数w，b为需要学习的，故需requires_grad=True
w = torch.randn(1,1, dtype=torch.float,requires_grad=True)
b = torch.zeros(1,1, dtype=torch.float, requires_grad=True)

# 训练模型
lr =0.001 # 学习率
for ii in range(800):
    # 前向传播，并定义损失函数loss
    y_pred = x.pow(2).mm(w) + b
    loss = 0.5 * (y_pred - y) ** 2
    loss = loss.sum()

    # 自动计算梯度，梯度存放在grad属性中
    loss.backward()

    # 手动更新参数，需要用torch.no_grad()，使上下文环境中切断自动求导的计算
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad

    # 梯度清零
        w.grad.zero_()
        b.grad.zero_()
# 可视化训练结果
plt.plot(x.numpy(), y_pred.detach().numpy(),'r-',label='predict')#predict
plt.scatter(x.numpy(), y.numpy(),color='blue',marker='o',label='true') # true data
plt.xlim(-1,1)
plt.ylim(2,6)
plt.legend()
plt.show()

print(w, b)

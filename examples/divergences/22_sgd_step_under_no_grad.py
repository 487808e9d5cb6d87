"""The tutorials' hand-written SGD step: `w -= lr * w.grad` under no_grad updates the leaf in
place, so `w` stays the same leaf with its gradient."""

CLAUSE = "INPLACE-2"
TITLE = "(w * w).sum().backward(); with no_grad: w -= 0.1 * w.grad; (w is the same leaf, w.grad) at w = [1, 2]"


def pytorch(torch):
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    leaf = w
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    return w is leaf, w.grad


def mygrad():
    import mygrad as mg

    w = mg.tensor([1.0, 2.0])
    leaf = w
    (w * w).sum().backward()
    with mg.no_autodiff:
        w -= 0.1 * w.grad
    return w is leaf, w.grad


def paddle():
    import paddle

    w = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    leaf = w
    (w * w).sum().backward()
    with paddle.no_grad():
        w -= 0.1 * w.grad
    return w is leaf, w.grad

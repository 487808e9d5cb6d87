"""Misuse PyTorch refuses: each is refused here too, with the same kind of error (the
built-in exception class it is; gradspec's are subclasses that name the kind)."""
import torch


def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except Exception as exc:
        kinds = (RuntimeError, ValueError, TypeError, IndexError, KeyError, AttributeError)
        print(label, next((k.__name__ for k in kinds if isinstance(exc, k)), type(exc).__name__))


w = torch.tensor([1.0], requires_grad=True)
attempt("leaf in-place", lambda: w.add_(1))
attempt("int requires grad", lambda: torch.tensor([1, 2], requires_grad=True))
attempt("int requires_grad_", lambda: torch.tensor([1, 2]).requires_grad_())
attempt("numpy of rg", lambda: w.numpy())
attempt("item of two", lambda: torch.tensor([1.0, 2.0]).item())
attempt("non-scalar backward", lambda: (w * torch.ones(3)).backward())
attempt("grad of unused", lambda: torch.autograd.grad((w * 2).sum(), [w, torch.ones(1, requires_grad=True)]))
attempt("optimize non-leaf", lambda: torch.optim.SGD([w * 2], lr=0.1))
attempt("bce out of range", lambda: torch.nn.BCELoss()(torch.tensor([1.5]), torch.tensor([1.0])))
attempt("float of two", lambda: float(torch.tensor([1.0, 2.0])))
attempt("bool of two", lambda: bool(torch.tensor([1.0, 2.0])))
attempt("mm shapes", lambda: torch.mm(torch.ones(2, 3), torch.ones(2, 3)))
attempt("view of leaf set", lambda: w.__setitem__(0, 3.0))
with torch.no_grad():
    attempt("no_grad in-place", lambda: w.add_(1))
print(w)

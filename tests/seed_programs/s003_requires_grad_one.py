# From shared/seeds/003_e9c0c798dc0f37a8.txt (Autograd mechanics, second cell): the notebook
# cell as written (with the first cell's import).  The notebook displays the last expression:
# True.
import torch
x = torch.randn(5, 5, requires_grad=True)
y = torch.randn(5, 5)
z = x + y
z.requires_grad

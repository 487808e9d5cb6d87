# From shared/seeds/003_e9c0c798dc0f37a8.txt (Autograd mechanics, first cell): the notebook
# cell as written.  The notebook displays the last expression: False.
import torch
x = torch.randn(5, 5)
y = torch.randn(5, 5)
z = x + y
z.requires_grad

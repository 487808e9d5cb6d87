"""tiny: a deliberately small autograd engine over numpy, packaged as a gradspec backend.

It is the worked example of gradspec's guide for backend authors: its own distribution
(``gradspec-tiny``), registered under the ``gradspec.backends`` entry-point group as ``tiny``.
It declares the capabilities ``float64`` and ``backward_inputs`` only; ``create_graph``, hooks
and in-place ops inside a graph are left out on purpose.

>>> import gradspec
>>> torch = gradspec.load_backend("tiny")
>>> w = torch.tensor([1.0], requires_grad=True)
>>> ((w + 2) * (w + 1)).backward()
>>> w.grad.tolist()
[5.0]
"""

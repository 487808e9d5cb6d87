"""MyGrad (https://mygrad.readthedocs.io) as a gradspec backend: ``gradspec.load_backend("mygrad")``."""

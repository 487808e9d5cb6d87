"""PaddlePaddle (https://www.paddlepaddle.org.cn) as a gradspec backend: ``gradspec.load_backend("paddle")``."""

"""mmsda models: attention layers, residual blocks, backbones and necks (registered in ``mmsda.registry``)."""
from . import backbones, blocks, layers, necks  # noqa: F401

"""Squeeze-and-Excitation: a channel gate computed from the globally pooled features.

Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmsda.registry import MODELS


def reduced_channels(in_channels, reduction, hidden_channels=None):
    """Width of an attention bottleneck: ``hidden_channels`` if given, else ``round(C / r)`` (≥ 1).

    Args:
        in_channels (int): C.
        reduction (float): r.
        hidden_channels (int, optional): an explicit width.

    Returns:
        int: the bottleneck width.
    """
    if not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f'in_channels must be a positive int, got {in_channels!r}')
    if hidden_channels is not None:
        if not isinstance(hidden_channels, int) or hidden_channels < 1:
            raise ValueError(f'hidden_channels must be a positive int or None, got {hidden_channels!r}')
        return hidden_channels
    if isinstance(reduction, bool) or not isinstance(reduction, (int, float)) or reduction <= 0:
        raise ValueError(f'reduction must be a number > 0, got {reduction!r}')
    return max(1, round(in_channels / reduction))


@MODELS.register_module()
class SELayer(BaseModule):
    """Squeeze-and-Excitation layer: ``x · σ(FC(ReLU(FC(GAP(x)))))``.

    Following the official SDA-SENet (and SENet) code, the two FC layers are ``nn.Linear`` with bias
    and the hidden width is ``round(C / 16)``; the ``fc1``/``fc2`` names match the official weights.
    The squeeze (:meth:`squeeze`) and the excitation (:meth:`excite`, pre-sigmoid logits) are separate
    methods so that variants (e.g. deep-connected attention) can reuse them.

    Args:
        in_channels (int): channels C of the input (first, so it also builds as an mmdet plugin).
        reduction (float): r, the hidden width is ``round(C / r)``. Default: 16.
        hidden_channels (int, optional): explicit hidden width (overrides ``reduction``).
        bias (bool): biases in both FC layers. Default: True.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels, reduction=16, hidden_channels=None, bias=True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.hidden_channels = reduced_channels(in_channels, reduction, hidden_channels)
        self.fc1 = nn.Linear(in_channels, self.hidden_channels, bias=bias)
        self.fc2 = nn.Linear(self.hidden_channels, in_channels, bias=bias)

    def squeeze(self, x):
        """B×C×H×W → B×C global average."""
        return x.mean(dim=(2, 3))

    def excite(self, s):
        """B×C descriptor → B×C gate logits (before the sigmoid)."""
        return self.fc2(F.relu(self.fc1(s)))

    def forward(self, x):
        """B×C×H×W → B×C×H×W, every channel scaled by its gate in (0, 1)."""
        gate = torch.sigmoid(self.excite(self.squeeze(x)))
        return x * gate[:, :, None, None]

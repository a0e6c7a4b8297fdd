"""Squeeze-and-Excitation: a channel gate computed from the globally pooled features.

Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptMultiConfig
from .helpers import reduced_channels


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

    def __init__(self, in_channels: int, reduction: float = 16, hidden_channels: Optional[int] = None,
                 bias: bool = True, init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.hidden_channels = reduced_channels(in_channels, reduction, hidden_channels)
        self.fc1 = nn.Linear(in_channels, self.hidden_channels, bias=bias)
        self.fc2 = nn.Linear(self.hidden_channels, in_channels, bias=bias)

    def squeeze(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C global average."""
        return x.mean(dim=(2, 3))

    def excite(self, s: Tensor) -> Tensor:
        """B×C descriptor → B×C gate logits (before the sigmoid)."""
        return self.fc2(F.relu(self.fc1(s)))

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W, every channel scaled by its gate in (0, 1)."""
        gate = torch.sigmoid(self.excite(self.squeeze(x)))
        return x * gate[:, :, None, None]

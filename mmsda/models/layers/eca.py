"""Efficient Channel Attention: a channel gate from a 1-D convolution across the pooled channels.

Wang et al., "ECA-Net: Efficient Channel Attention for Deep Convolutional Neural Networks", CVPR 2020.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptMultiConfig


def eca_kernel_size(channels: int, gamma: float = 2, b: float = 1) -> int:
    """The paper's adaptive kernel size ``k = |log2(C) / γ + b / γ|_odd``.

    ``t = int(|(log2 C + b) / γ|)``, then ``t`` if odd else ``t + 1`` (the official code's rounding):
    C = 64 → 3, 256 → 5, 512 → 5, 1024 → 5, 2048 → 7.

    Args:
        channels (int): C.
        gamma (float): γ. Default: 2.
        b (float): b. Default: 1.

    Returns:
        int: an odd kernel size.
    """
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(f'channels must be a positive int, got {channels!r}')
    t = int(abs((math.log2(channels) + b) / gamma))
    return t if t % 2 else t + 1


@MODELS.register_module()
class ECALayer(BaseModule):
    """ECA layer: ``x · σ(Conv1d_k(GAP(x)))``, the conv sliding over the channel axis (no bias).

    Args:
        in_channels (int): channels C of the input.
        kernel_size (int, optional): odd size k of the 1-D conv. None: :func:`eca_kernel_size`.
        gamma (float): γ of the adaptive kernel size. Default: 2.
        b (float): b of the adaptive kernel size. Default: 1.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels: int, kernel_size: Optional[int] = None, gamma: float = 2, b: float = 1,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if kernel_size is None:
            kernel_size = eca_kernel_size(in_channels, gamma, b)
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be an odd positive int or None, got {kernel_size!r}')
        self.in_channels = in_channels
        self.kernel_size = kernel_size
        self.conv = nn.Conv1d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def logits(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C gate logits (before the sigmoid)."""
        return self.conv(x.mean(dim=(2, 3))[:, None, :])[:, 0, :]

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W, every channel scaled by its gate."""
        return x * torch.sigmoid(self.logits(x))[:, :, None, None]

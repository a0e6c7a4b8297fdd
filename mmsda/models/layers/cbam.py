"""CBAM: a channel gate from average- and max-pooled features, then a spatial gate.

Woo et al., "CBAM: Convolutional Block Attention Module", ECCV 2018.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptConfigType, OptMultiConfig
from .se import SELayer


@MODELS.register_module()
class ChannelAttention(SELayer):
    """CBAM channel attention: ``x · σ(MLP(AvgPool(x)) + MLP(MaxPool(x)))`` with one shared MLP.

    The MLP is SE's excitation (:class:`SELayer`'s ``fc1``/``fc2``, the same widths), applied to both
    pooled descriptors.

    Args:
        in_channels (int): channels C of the input.
        reduction (float): r, the MLP hidden width is ``round(C / r)``. Default: 16.
        hidden_channels (int, optional): explicit hidden width (overrides ``reduction``).
        bias (bool): biases in the MLP (the official CBAM code uses ``nn.Linear`` with bias).
            Default: True.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def mlp(self, s: Tensor) -> Tensor:
        """The shared MLP (SE's excitation): B×C → B×C."""
        return self.excite(s)

    @staticmethod
    def pool(x: Tensor) -> Tuple[Tensor, Tensor]:
        """B×C×H×W → the B×C average- and max-pooled descriptors."""
        return x.mean(dim=(2, 3)), x.amax(dim=(2, 3))

    def pooled_logits(self, avg: Tensor, peak: Tensor) -> Tensor:
        """The two B×C descriptors → B×C gate logits: the shared MLP on each, summed."""
        return self.mlp(avg) + self.mlp(peak)

    def logits(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C gate logits (before the sigmoid)."""
        return self.pooled_logits(*self.pool(x))

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W, every channel scaled by its gate."""
        return x * torch.sigmoid(self.logits(x))[:, :, None, None]


@MODELS.register_module()
class SpatialAttention(BaseModule):
    """CBAM spatial attention: ``x · σ(BN(Conv_k×k([max_c(x), mean_c(x)])))``.

    Args:
        in_channels (int, optional): unused (the map is computed over channels); accepted so the
            module builds at a block's plug-in point like the other attentions.
        kernel_size (int): odd kernel size of the conv. Default: 7.
        norm_cfg (dict, optional): norm after the conv, as in the official code (conv without bias
            + BN). None: a conv with bias and no norm. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels: Optional[int] = None, kernel_size: int = 7,
                 norm_cfg: OptConfigType = dict(type='BN'), init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be an odd positive int, got {kernel_size!r}')
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=norm_cfg is None)
        self.norm = None if norm_cfg is None else build_norm_layer(norm_cfg, 1)[1]

    @staticmethod
    def pool(x: Tensor) -> Tensor:
        """B×C×H×W → B×2×H×W: channel-wise max and mean, in the official CBAM order."""
        return torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)

    def pooled_logits(self, pooled: Tensor) -> Tensor:
        """B×2×H×W pooled maps → B×1×H×W map logits: the conv (and norm)."""
        out = self.conv(pooled)
        return out if self.norm is None else self.norm(out)

    def logits(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×1×H×W map logits (before the sigmoid)."""
        return self.pooled_logits(self.pool(x))

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W, every position scaled by its gate."""
        return x * torch.sigmoid(self.logits(x))


@MODELS.register_module()
class CBAM(BaseModule):
    """Convolutional Block Attention Module: channel attention, then spatial attention.

    Args:
        in_channels (int): channels C of the input.
        reduction (float): r of the channel MLP. Default: 16.
        hidden_channels (int, optional): explicit channel-MLP hidden width.
        bias (bool): biases in the channel MLP. Default: True.
        kernel_size (int): kernel of the spatial conv. Default: 7.
        norm_cfg (dict, optional): norm of the spatial branch. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels: int, reduction: float = 16, hidden_channels: Optional[int] = None,
                 bias: bool = True, kernel_size: int = 7, norm_cfg: OptConfigType = dict(type='BN'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.channel_attention = ChannelAttention(in_channels, reduction, hidden_channels, bias)
        self.spatial_attention = SpatialAttention(in_channels, kernel_size, norm_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W."""
        return self.spatial_attention(self.channel_attention(x))

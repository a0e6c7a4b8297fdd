"""CBAM: a channel gate from average- and max-pooled features, then a spatial gate.

Woo et al., "CBAM: Convolutional Block Attention Module", ECCV 2018.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from mmsda.registry import MODELS
from .se import reduced_channels


@MODELS.register_module()
class ChannelAttention(BaseModule):
    """CBAM channel attention: ``x · σ(MLP(AvgPool(x)) + MLP(MaxPool(x)))`` with one shared MLP.

    Args:
        in_channels (int): channels C of the input.
        reduction (float): r, the MLP hidden width is ``round(C / r)``. Default: 16.
        hidden_channels (int, optional): explicit hidden width (overrides ``reduction``).
        bias (bool): biases in the MLP (the official CBAM code uses ``nn.Linear`` with bias).
            Default: True.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels, reduction=16, hidden_channels=None, bias=True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.hidden_channels = reduced_channels(in_channels, reduction, hidden_channels)
        self.fc1 = nn.Linear(in_channels, self.hidden_channels, bias=bias)
        self.fc2 = nn.Linear(self.hidden_channels, in_channels, bias=bias)

    def mlp(self, s):
        return self.fc2(F.relu(self.fc1(s)))

    def logits(self, x):
        """B×C×H×W → B×C gate logits (before the sigmoid)."""
        return self.mlp(x.mean(dim=(2, 3))) + self.mlp(x.amax(dim=(2, 3)))

    def forward(self, x):
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

    def __init__(self, in_channels=None, kernel_size=7, norm_cfg=dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be an odd positive int, got {kernel_size!r}')
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=norm_cfg is None)
        self.norm = None if norm_cfg is None else build_norm_layer(norm_cfg, 1)[1]

    @staticmethod
    def pool(x):
        """B×C×H×W → B×2×H×W: channel-wise max and mean, in the official CBAM order."""
        return torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)

    def logits(self, x):
        """B×C×H×W → B×1×H×W map logits (before the sigmoid)."""
        out = self.conv(self.pool(x))
        return out if self.norm is None else self.norm(out)

    def forward(self, x):
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

    def __init__(self, in_channels, reduction=16, hidden_channels=None, bias=True, kernel_size=7,
                 norm_cfg=dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.channel_attention = ChannelAttention(in_channels, reduction, hidden_channels, bias)
        self.spatial_attention = SpatialAttention(in_channels, kernel_size, norm_cfg)

    def forward(self, x):
        """B×C×H×W → B×C×H×W."""
        return self.spatial_attention(self.channel_attention(x))

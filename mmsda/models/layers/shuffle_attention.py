"""Shuffle attention: channel and spatial gates on channel groups, then a channel shuffle.

Zhang and Yang, "SA-Net: Shuffle Attention for Deep Convolutional Neural Networks", ICASSP 2021
(https://arxiv.org/abs/2102.00240).
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptMultiConfig


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """B×C×H×W → B×C×H×W with channel ``g·(C/groups) + k`` moved to ``k·groups + g``."""
    b, c, h, w = x.shape
    return x.reshape(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


@MODELS.register_module()
class ShuffleAttention(BaseModule):
    """SA layer, applied to the residual branch after ``bn3`` (before the addition).

    The B×C×H×W input is viewed as (B·G)×(C/G)×H×W and each group split in two halves of C/2G
    channels. With per-channel parameters shared by all groups:

    * channel half: ``x0 · σ(w_c · GAP(x0) + b_c)``;
    * spatial half: ``x1 · σ(w_s · GN(x1) + b_s)``, GN with one group per channel (C/2G groups);

    the halves are concatenated, viewed back as B×C×H×W and shuffled across 2 groups. The weights
    ``w_c, w_s`` start at 0 and the biases ``b_c, b_s`` at 1 (both gates start at σ(1) everywhere),
    so the layer has ``3C / G`` parameters (with GN's affine ones).

    Args:
        in_channels (int): channels C; a multiple of ``2 · groups``.
        groups (int): G. Default: 64.
        init_cfg (dict | list[dict], optional): initialization config. None: the paper's init
            (re-applied by :meth:`init_weights`, after any backbone-wide init).
    """

    def __init__(self, in_channels: int, groups: int = 64, init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(groups, int) or groups < 1 or in_channels % (2 * groups):
            raise ValueError(f'ShuffleAttention: in_channels ({in_channels}) must be a multiple of '
                             f'2 * groups; got groups={groups!r}')
        self.groups = groups
        half = in_channels // (2 * groups)
        self.channel_weight = nn.Parameter(torch.empty(1, half, 1, 1))
        self.channel_bias = nn.Parameter(torch.empty(1, half, 1, 1))
        self.spatial_weight = nn.Parameter(torch.empty(1, half, 1, 1))
        self.spatial_bias = nn.Parameter(torch.empty(1, half, 1, 1))
        self.norm = nn.GroupNorm(half, half)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.zeros_(self.channel_weight)
        nn.init.ones_(self.channel_bias)
        nn.init.zeros_(self.spatial_weight)
        nn.init.ones_(self.spatial_bias)
        self.norm.reset_parameters()

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            # A backbone-wide init (e.g. constant norms) may have run first; the gates keep the paper's.
            self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        """B×C×H×W → B×C×H×W."""
        b, c, h, w = x.shape
        x0, x1 = x.reshape(b * self.groups, c // self.groups, h, w).chunk(2, dim=1)
        gate_c = torch.sigmoid(self.channel_weight * x0.mean(dim=(2, 3), keepdim=True) + self.channel_bias)
        gate_s = torch.sigmoid(self.spatial_weight * self.norm(x1) + self.spatial_bias)
        out = torch.cat([x0 * gate_c, x1 * gate_s], dim=1).reshape(b, c, h, w)
        return channel_shuffle(out, 2)

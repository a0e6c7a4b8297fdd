"""Selective Kernel convolution: branches with different receptive fields, mixed by a softmax.

Li et al., "Selective Kernel Networks", CVPR 2019 (https://arxiv.org/abs/1903.06586).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import ConfigType, OptConfigType, OptMultiConfig
from .fallback_batch_norm import pooled_norm_cfg
from .helpers import floor_reduced_channels


@MODELS.register_module()
class SKConv(BaseModule):
    """The SK unit, a drop-in for a bottleneck's 3×3 conv (``mid_conv`` of :class:`Bottleneck`).

    * Split: ``num_branches`` grouped 3×3 convs (stride here) with dilations ``d, 2d, ...`` (the
      paper's 5×5 branch is a 3×3 with dilation 2), each followed by norm + ReLU.
    * Fuse: ``U = Σ branches`` → global average pool → 1×1 conv to ``hidden = max(C / r, L)`` → norm
      → ReLU.
    * Select: 1×1 conv to ``num_branches · C`` logits, softmax over the branches per channel, and the
      branches summed with these weights.

    Both 1×1 convs have no bias, as in the official SKNet and timm's ``SelectiveKernel``: SKNet-50
    then has the paper's 27.5 M parameters. The unit normalises and activates its own branches, so it
    sets ``includes_norm_act`` and the bottleneck skips its ``bn2``/ReLU.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels C (of every branch).
        stride (int): stride of the branch convs. Default: 1.
        dilation (int): base dilation d; branch i uses ``d · (i + 1)``. Default: 1.
        groups (int): groups of the branch convs (SKNet: 32). Default: 32.
        num_branches (int): M, number of branches (≥ 2). Default: 2.
        reduction (float): r of the fuse layer. Default: 16.
        min_channels (int): L, the least hidden width. Default: 32.
        conv_cfg (dict, optional): conv layer config.
        norm_cfg (dict): norm config of the branches and the fuse layer (the fuse layer normalises a
            pooled vector: a plain BN becomes :class:`FallbackBatchNorm2d` there, which also trains
            at batch size 1). Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    includes_norm_act = True

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1, groups: int = 32,
                 num_branches: int = 2, reduction: float = 16, min_channels: int = 32,
                 conv_cfg: OptConfigType = None, norm_cfg: ConfigType = dict(type='BN'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(num_branches, int) or num_branches < 2:
            raise ValueError(f'SKConv: num_branches must be an int >= 2, got {num_branches!r}')
        if in_channels % groups or out_channels % groups:
            raise ValueError(f'SKConv: in_channels ({in_channels}) and out_channels ({out_channels}) '
                             f'must be divisible by groups ({groups})')
        self.num_branches = num_branches
        self.out_channels = out_channels
        self.hidden_channels = floor_reduced_channels(out_channels, reduction, min_channels, 'SKConv')
        self.branches = nn.ModuleList([
            ConvModule(in_channels, out_channels, 3, stride=stride, padding=dilation * (i + 1),
                       dilation=dilation * (i + 1), groups=groups, bias=False, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=dict(type='ReLU', inplace=True))
            for i in range(num_branches)])
        self.fc_reduce = nn.Conv2d(out_channels, self.hidden_channels, 1, bias=False)
        self.norm_name, norm = build_norm_layer(pooled_norm_cfg(norm_cfg), self.hidden_channels)
        self.add_module(self.norm_name, norm)
        self.relu = nn.ReLU(inplace=True)
        self.fc_select = nn.Conv2d(self.hidden_channels, out_channels * num_branches, 1, bias=False)

    @property
    def norm(self):
        return getattr(self, self.norm_name)

    def branch_weights(self, feats: Tensor) -> Tensor:
        """B×M×C×H×W branch outputs → B×M×C×1×1 selection weights (softmax over M)."""
        s = feats.sum(dim=1).mean(dim=(2, 3), keepdim=True)
        z = self.relu(self.norm(self.fc_reduce(s)))
        logits = self.fc_select(z).view(s.shape[0], self.num_branches, self.out_channels, 1, 1)
        return logits.softmax(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """B×C_in×H×W → B×C×H/s×W/s."""
        feats = torch.stack([branch(x) for branch in self.branches], dim=1)
        return (feats * self.branch_weights(feats)).sum(dim=1)

"""Pyramid Split Attention (PSA): multi-kernel branches re-weighted by a softmax across the branches.

Zhang et al., "EPSANet: An Efficient Pyramid Squeeze Attention Block on Convolutional Neural
Network", ACCV 2022 (arXiv:2105.14447, 2021).
"""
from typing import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptConfigType, OptMultiConfig
from .helpers import check_reduction, floor_reduced_channels, int_sequence, multi_kernel_convs


@MODELS.register_module()
class PSAModule(BaseModule):
    """The PSA module, a drop-in for a bottleneck's 3×3 conv (``mid_conv`` of :class:`Bottleneck`).

    * Split and convolve: S branches, each a (grouped) conv with its own kernel from ``in_channels``
      to ``out_channels / S`` channels (EPSANet: kernels 3/5/7/9, groups 1/4/8/16; stride here).
    * SE weight: an SE module per branch (GAP → 1×1 conv to ``C/S // r`` → ReLU → 1×1 conv →
      sigmoid, biased convs; the S modules run as one grouped conv pair) gives each branch a channel
      weight.
    * Softmax across the S branches per channel, every branch scaled by its weight, concatenated.

    One SE module per branch reproduces the EPSANet parameter counts of the SDA-xNet tables exactly
    (EPSANet-50 22.59 M, EPSANet-86 36.67 M); the public EPSANet code shares one SE module among the
    branches (``shared_se=True``: EPSANet-50 22.56 M, as its README). As in that code the softmax is
    taken over the sigmoid outputs and the weighted branches are concatenated last branch first, so
    its checkpoints keep their channel order. No norm inside: the bottleneck's ``bn2`` + ReLU follow.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels C (split equally among the branches).
        stride (int): stride of every branch. Default: 1.
        dilation (int): dilation of every branch (padding ``dilation * (k // 2)``). Default: 1.
        groups (int): groups of the 3×3 conv this replaces; must be 1 (``branch_groups`` sets the
            groups of each branch). Default: 1.
        kernels (Sequence[int]): odd kernel size of each branch. Default: (3, 5, 7, 9).
        branch_groups (Sequence[int]): groups of each branch conv. Default: (1, 4, 8, 16).
        reduction (int): r of the SE weight modules; their hidden width is ``max(C/S // r, 1)``.
            Default: 16.
        shared_se (bool): one SE module for all branches (the public EPSANet code) instead of one
            per branch. Default: False.
        conv_cfg (dict, optional): conv layer config of the branches.
        norm_cfg (dict, optional): unused (no norm inside); accepted as every ``mid_conv`` is.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1, groups: int = 1,
                 kernels: Sequence[int] = (3, 5, 7, 9), branch_groups: Sequence[int] = (1, 4, 8, 16),
                 reduction: int = 16, shared_se: bool = False, conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None, init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        kernels = int_sequence('PSAModule', 'kernels', kernels)
        branch_groups = int_sequence('PSAModule', 'branch_groups', branch_groups, len(kernels))
        if groups != 1:
            raise ValueError(f'PSAModule: groups must be 1 (branch_groups sets each branch), got {groups!r}')
        check_reduction(reduction, 'PSAModule', integer=True)
        num_branches = len(kernels)
        if out_channels % num_branches:
            raise ValueError(f'PSAModule: out_channels ({out_channels}) must be divisible by the number '
                             f'of branches ({num_branches})')
        split = out_channels // num_branches
        self.num_branches, self.split_channels = num_branches, split
        self.branches = multi_kernel_convs('PSAModule', in_channels, (split, ) * num_branches, kernels,
                                           branch_groups, 'branch_groups', stride, dilation, conv_cfg)
        self.shared_se = bool(shared_se)
        hidden = floor_reduced_channels(split, reduction)  # = max(split // reduction, 1)
        n = 1 if self.shared_se else num_branches  # SE modules, as the groups of one conv pair
        self.se = nn.Sequential(
            nn.Conv2d(split * n, hidden * n, 1, groups=n), nn.ReLU(inplace=True),
            nn.Conv2d(hidden * n, split * n, 1, groups=n), nn.Sigmoid())

    def branch_weights(self, feats: Tensor) -> Tensor:
        """B×S×C/S×H×W branch outputs → B×S×C/S×1×1 weights (softmax over the S branches)."""
        b, s, c = feats.shape[:3]
        pooled = feats.mean(dim=(3, 4))
        # shared: every branch is a sample of the one SE module; else branch i is group i
        pooled = pooled.reshape(b * s, c, 1, 1) if self.shared_se else pooled.reshape(b, s * c, 1, 1)
        return self.se(pooled).reshape(b, s, c, 1, 1).softmax(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """B×C_in×H×W → B×C×H/s×W/s."""
        feats = torch.stack([branch(x) for branch in self.branches], dim=1)
        weighted = feats * self.branch_weights(feats)
        return weighted.flip(1).flatten(1, 2)

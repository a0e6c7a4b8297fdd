"""Pyramid Split Attention (PSA): multi-kernel branches re-weighted by a softmax across the branches.

Zhang et al., "EPSANet: An Efficient Pyramid Squeeze Attention Block on Convolutional Neural
Network", ACCV 2022 (arXiv:2105.14447, 2021).
"""
import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer
from mmengine.model import BaseModule

from mmsda.registry import MODELS


def int_sequence(owner, name, value, length=None):
    """Check a per-branch argument: a non-empty sequence of positive ints (of ``length``); a tuple."""
    value = tuple(value) if isinstance(value, (list, tuple)) else value
    if not isinstance(value, tuple) or not value or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise ValueError(f'{owner}: {name} must be a non-empty sequence of positive ints, got {value!r}')
    if length is not None and len(value) != length:
        raise ValueError(f'{owner}: {name} must have one entry per branch ({length}), got {value!r}')
    return value


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

    def __init__(self, in_channels, out_channels, stride=1, dilation=1, groups=1, kernels=(3, 5, 7, 9),
                 branch_groups=(1, 4, 8, 16), reduction=16, shared_se=False, conv_cfg=None, norm_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        kernels = int_sequence('PSAModule', 'kernels', kernels)
        branch_groups = int_sequence('PSAModule', 'branch_groups', branch_groups, len(kernels))
        if groups != 1:
            raise ValueError(f'PSAModule: groups must be 1 (branch_groups sets each branch), got {groups!r}')
        if any(k % 2 == 0 for k in kernels):
            raise ValueError(f'PSAModule: kernels must be odd, got {kernels}')
        if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
            raise ValueError(f'PSAModule: reduction must be a positive int, got {reduction!r}')
        num_branches = len(kernels)
        if out_channels % num_branches:
            raise ValueError(f'PSAModule: out_channels ({out_channels}) must be divisible by the number '
                             f'of branches ({num_branches})')
        split = out_channels // num_branches
        for g in branch_groups:
            if in_channels % g or split % g:
                raise ValueError(f'PSAModule: branch_groups {branch_groups} must divide in_channels '
                                 f'({in_channels}) and the branch width ({split})')
        self.num_branches, self.split_channels = num_branches, split
        self.branches = nn.ModuleList(
            build_conv_layer(conv_cfg, in_channels, split, k, stride=stride, padding=dilation * (k // 2),
                             dilation=dilation, groups=g, bias=False)
            for k, g in zip(kernels, branch_groups))
        self.shared_se = bool(shared_se)
        hidden = max(split // reduction, 1)
        n = 1 if self.shared_se else num_branches  # SE modules, as the groups of one conv pair
        self.se = nn.Sequential(
            nn.Conv2d(split * n, hidden * n, 1, groups=n), nn.ReLU(inplace=True),
            nn.Conv2d(hidden * n, split * n, 1, groups=n), nn.Sigmoid())

    def branch_weights(self, feats):
        """B×S×C/S×H×W branch outputs → B×S×C/S×1×1 weights (softmax over the S branches)."""
        b, s, c = feats.shape[:3]
        pooled = feats.mean(dim=(3, 4))
        # shared: every branch is a sample of the one SE module; else branch i is group i
        pooled = pooled.reshape(b * s, c, 1, 1) if self.shared_se else pooled.reshape(b, s * c, 1, 1)
        return self.se(pooled).reshape(b, s, c, 1, 1).softmax(dim=1)

    def forward(self, x):
        """B×C_in×H×W → B×C×H/s×W/s."""
        feats = torch.stack([branch(x) for branch in self.branches], dim=1)
        weighted = feats * self.branch_weights(feats)
        return weighted.flip(1).flatten(1, 2)

"""Pyramidal convolution (PyConv): parallel levels with growing kernels and groups, concatenated.

Duta et al., "Pyramidal Convolution: Rethinking Convolutional Neural Networks for Visual
Recognition", arXiv:2006.11538, 2020.
"""
import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer
from mmengine.model import BaseModule

from mmsda.registry import MODELS
from .psa import int_sequence


@MODELS.register_module()
class PyConv(BaseModule):
    """A pyramid of convolutions, a drop-in for a bottleneck's 3×3 conv (``mid_conv``).

    Every level convolves the whole input with its own kernel size and groups and produces its share
    of the output channels; the levels are concatenated (level 1 first). PyConvResNet uses, per stage:

    ======  ===========  ===========  ====================
    stage   kernels      groups       output split
    ======  ===========  ===========  ====================
    1       3, 5, 7, 9   1, 4, 8, 16  1/4, 1/4, 1/4, 1/4
    2       3, 5, 7      1, 4, 8      1/4, 1/4, 1/2
    3       3, 5         1, 4         1/2, 1/2
    4       3            1            1
    ======  ===========  ===========  ====================

    No norm inside: the bottleneck's ``bn2`` + ReLU follow.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels C.
        stride (int): stride of every level. Default: 1.
        dilation (int): dilation of every level (padding ``dilation * (k // 2)``). Default: 1.
        groups (int): groups of the 3×3 conv this replaces; must be 1 (``level_groups`` sets the
            groups of each level). Default: 1.
        kernels (Sequence[int]): odd kernel size of each level. Default: (3, 5, 7, 9).
        level_groups (Sequence[int]): groups of each level. Default: (1, 4, 8, 16).
        out_splits (Sequence[int], optional): parts of C per level, in units of ``C / sum(out_splits)``
            (``(1, 1, 2)`` = ¼, ¼, ½). Default: None, equal parts.
        conv_cfg (dict, optional): conv layer config of the levels.
        norm_cfg (dict, optional): unused (no norm inside); accepted as every ``mid_conv`` is.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels, out_channels, stride=1, dilation=1, groups=1, kernels=(3, 5, 7, 9),
                 level_groups=(1, 4, 8, 16), out_splits=None, conv_cfg=None, norm_cfg=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        kernels = int_sequence('PyConv', 'kernels', kernels)
        level_groups = int_sequence('PyConv', 'level_groups', level_groups, len(kernels))
        out_splits = int_sequence('PyConv', 'out_splits', out_splits or (1, ) * len(kernels), len(kernels))
        if groups != 1:
            raise ValueError(f'PyConv: groups must be 1 (level_groups sets each level), got {groups!r}')
        if any(k % 2 == 0 for k in kernels):
            raise ValueError(f'PyConv: kernels must be odd, got {kernels}')
        unit, rest = divmod(out_channels, sum(out_splits))
        if rest:
            raise ValueError(f'PyConv: out_channels ({out_channels}) must be divisible by '
                             f'sum(out_splits) = {sum(out_splits)}')
        self.level_channels = tuple(unit * part for part in out_splits)
        for g, c in zip(level_groups, self.level_channels):
            if in_channels % g or c % g:
                raise ValueError(f'PyConv: level_groups {level_groups} must divide in_channels '
                                 f'({in_channels}) and the level widths {self.level_channels}')
        self.levels = nn.ModuleList(
            build_conv_layer(conv_cfg, in_channels, c, k, stride=stride, padding=dilation * (k // 2),
                             dilation=dilation, groups=g, bias=False)
            for k, g, c in zip(kernels, level_groups, self.level_channels))

    def forward(self, x):
        """B×C_in×H×W → B×C×H/s×W/s (level outputs concatenated along C)."""
        return torch.cat([level(x) for level in self.levels], dim=1)

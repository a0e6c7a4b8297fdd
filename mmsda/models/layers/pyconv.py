"""Pyramidal convolution (PyConv): parallel levels with growing kernels and groups, concatenated.

Duta et al., "Pyramidal Convolution: Rethinking Convolutional Neural Networks for Visual
Recognition", arXiv:2006.11538, 2020.
"""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptConfigType, OptMultiConfig
from .helpers import int_sequence, multi_kernel_convs


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

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1, groups: int = 1,
                 kernels: Sequence[int] = (3, 5, 7, 9), level_groups: Sequence[int] = (1, 4, 8, 16),
                 out_splits: Optional[Sequence[int]] = None, conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None, init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        kernels = int_sequence('PyConv', 'kernels', kernels)
        level_groups = int_sequence('PyConv', 'level_groups', level_groups, len(kernels))
        out_splits = int_sequence('PyConv', 'out_splits', out_splits or (1, ) * len(kernels), len(kernels))
        if groups != 1:
            raise ValueError(f'PyConv: groups must be 1 (level_groups sets each level), got {groups!r}')
        unit, rest = divmod(out_channels, sum(out_splits))
        if rest:
            raise ValueError(f'PyConv: out_channels ({out_channels}) must be divisible by '
                             f'sum(out_splits) = {sum(out_splits)}')
        self.level_channels = tuple(unit * part for part in out_splits)
        self.levels = multi_kernel_convs('PyConv', in_channels, self.level_channels, kernels, level_groups,
                                         'level_groups', stride, dilation, conv_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """B×C_in×H×W → B×C×H/s×W/s (level outputs concatenated along C)."""
        return torch.cat([level(x) for level in self.levels], dim=1)

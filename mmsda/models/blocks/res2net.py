"""The Res2Net bottleneck (Bottle2neck), following mmsda's block contract (see :mod:`.bottleneck`).

Gao et al., "Res2Net: A New Multi-scale Backbone Architecture", TPAMI 2021 (arXiv:1904.01169).
"""
import math
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from torch import Tensor

from mmsda.registry import MODELS
from ..layers.helpers import check_choice
from ..typing_utils import ConfigType, OptConfigType, OptMultiConfig
from .base import ResidualBlock


@MODELS.register_module()
class Bottle2neck(ResidualBlock):
    """1×1 → hierarchical 3×3 convs over ``scales`` channel splits → 1×1; returns the pre-activation.

    The 1×1 conv gives ``scales`` splits of ``w = floor(planes · base_width / base_channels)``
    channels. In a ``'normal'`` block split i (i ≥ 2) is added to the output of split i-1's conv
    before its own 3×3 conv (+ norm + ReLU), and the last split passes unchanged. A ``'stage'`` block
    (the first block of a stage, which also changes resolution or width) has no additions, and its
    last split is average-pooled (3×3, the block's stride, padding 1) instead. The concatenated splits
    go through the last 1×1 conv and norm. Parameter names follow the official Res2Net and SDA-Res2Net
    code and mmpretrain (``conv1, bn1, convs.i, bns.i, conv3, bn3``).

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels (``planes * 4``).
        stride (int): stride of the block. Default: 1.
        dilation (int): dilation of the 3×3 convs. Default: 1.
        downsample (nn.Module, optional): shortcut projection. Default: None (identity).
        style (str): ``'pytorch'`` puts the stride on the 3×3 convs, ``'caffe'`` on the first 1×1.
        scales (int): number of splits s (≥ 2). Default: 4.
        base_width (int): split width at ``base_channels`` planes. Default: 26.
        base_channels (int): planes of the first stage. Default: 64.
        stage_type (str): ``'normal'``, ``'stage'``, or ``'auto'``: ``'stage'`` for a block with a
            ``downsample`` (the first block of every stage of a ResNet layout), else ``'normal'``.
            Default: ``'auto'``.
        attention (dict, optional): config of an attention after ``bn3`` (as in :class:`Bottleneck`).
        conv_cfg (dict, optional): conv layer config.
        norm_cfg (dict): norm layer config. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    expansion = 4

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None, style: str = 'pytorch', scales: int = 4,
                 base_width: int = 26, base_channels: int = 64, stage_type: str = 'auto',
                 attention: OptConfigType = None, conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'), init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        check_choice('Bottle2neck', 'stage_type', stage_type, ('auto', 'normal', 'stage'))
        if isinstance(scales, bool) or not isinstance(scales, int) or scales < 2:
            raise ValueError(f'Bottle2neck: scales must be an int >= 2 (1 is a plain bottleneck), got {scales!r}')
        if out_channels % self.expansion:
            raise ValueError(f'Bottle2neck: out_channels ({out_channels}) must be a multiple of {self.expansion}')
        planes = out_channels // self.expansion
        width = int(math.floor(planes * base_width / base_channels))
        if width < 1:
            raise ValueError(f'Bottle2neck: base_width={base_width} gives splits of {width} channels')
        if stage_type == 'auto':
            stage_type = 'normal' if downsample is None else 'stage'
        self.in_channels, self.out_channels, self.width, self.scales = in_channels, out_channels, width, scales
        self.stride, self.dilation, self.style, self.stage_type = stride, dilation, style, stage_type
        conv1_stride, conv2_stride = self._conv_strides(style, stride)

        self.conv1 = build_conv_layer(conv_cfg, in_channels, width * scales, 1, stride=conv1_stride, bias=False)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, width * scales, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.convs = nn.ModuleList(
            build_conv_layer(conv_cfg, width, width, 3, stride=conv2_stride, padding=dilation,
                             dilation=dilation, bias=False) for _ in range(scales - 1))
        self.bns = nn.ModuleList(build_norm_layer(norm_cfg, width)[1] for _ in range(scales - 1))
        # count_include_pad=True (PyTorch's default), as in the official code.
        self.pool = nn.AvgPool2d(3, stride=conv2_stride, padding=1) if stage_type == 'stage' else None
        self.conv3 = build_conv_layer(conv_cfg, width * scales, out_channels, 1, bias=False)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, postfix=3)
        self.add_module(self.norm3_name, norm3)
        self._init_attention(attention, out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def multi_scale(self, x: Tensor) -> Tensor:
        """The hierarchical 3×3 convs: B×s·w×H×W → B×s·w×H/s×W/s."""
        splits = torch.split(x, self.width, dim=1)
        outs = []
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            sp = splits[i] if i == 0 or self.stage_type == 'stage' else outs[-1] + splits[i]
            outs.append(self.relu(bn(conv(sp))))
        outs.append(splits[-1] if self.pool is None else self.pool(splits[-1]))
        return torch.cat(outs, dim=1)

    def forward(self, x: Tensor, context=None) -> Union[Tensor, Tuple[Tensor, object]]:
        """B×C_in×H×W → pre-activation B×C_out×H/s×W/s (and the context, if ``uses_context``)."""
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.norm3(self.conv3(self.multi_scale(out)))
        return self._residual(out, x, context)

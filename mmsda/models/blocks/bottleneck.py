"""The ResNet/ResNeXt bottleneck with two plug-in points, following mmsda's block contract.

Block contract (every block in :mod:`mmsda.models.blocks`):

* ``__init__(in_channels, out_channels, stride, dilation, downsample, style, conv_cfg, norm_cfg, ...)``
  with a class attribute ``expansion`` (``out_channels = planes * expansion``);
* ``forward(x)`` returns the **pre-activation** output ``z = F(x) + shortcut(x)``; the stage applies
  the ReLU, so it can also hand every ``z`` to a stage fusion such as depth attention;
* ``last_norm`` is the norm layer zeroed by ``zero_init_residual``;
* ``uses_context``: if True, ``forward(x, context)`` returns ``(z, context)``. The stage and the
  backbone thread this context from block to block through the whole network (deep-connected
  attention, DCANet, hands each block's attention output to the next block); the stem hands None.

Plug-in points of this bottleneck (timm's split between the two attention families):

* ``attention``: a light attention applied to the residual branch after ``conv3``/``bn3``, before the
  addition (SE, CBAM, ECA, GC, SA ...): built with ``in_channels=out_channels``. An attention with
  ``uses_context = True`` is called as ``attention(out, context)`` and returns ``(out, context)``.
* ``mid_conv``: a module that replaces the 3×3 convolution (SK, PSA, PyConv ...): built with
  ``in_channels, out_channels, stride, dilation, groups, conv_cfg, norm_cfg``. If it sets
  ``includes_norm_act = True`` it normalises and activates its own output and ``bn2``/ReLU are skipped.
"""
from typing import Optional, Tuple, Union

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from torch import Tensor

from mmsda.registry import MODELS
from ..builder import build_module
from ..typing_utils import ConfigType, OptConfigType, OptMultiConfig
from .base import ResidualBlock


@MODELS.register_module()
class Bottleneck(ResidualBlock):
    """1×1 → 3×3 (grouped, strided) → 1×1 bottleneck; returns the pre-activation output.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels (``planes * 4``).
        stride (int): stride of the block. Default: 1.
        dilation (int): dilation of the 3×3 conv. Default: 1.
        downsample (nn.Module, optional): shortcut projection. Default: None (identity).
        style (str): ``'pytorch'`` puts the stride on the 3×3 conv, ``'caffe'`` on the first 1×1.
        groups (int): groups of the 3×3 conv. Default: 1.
        width_per_group (int, optional): ResNeXt width: the 3×3 conv has
            ``int(planes * width_per_group / 64) * groups`` channels. Default None: ``planes``.
        attention (dict, optional): config of the attention after ``bn3``. Default: None.
        mid_conv (dict, optional): config of a module that replaces the 3×3 conv. Default: None.
        conv_cfg (dict, optional): conv layer config. Default: None (``nn.Conv2d``).
        norm_cfg (dict): norm layer config. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    expansion = 4

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None, style: str = 'pytorch', groups: int = 1,
                 width_per_group: Optional[int] = None, attention: OptConfigType = None,
                 mid_conv: OptConfigType = None, conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'), init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if out_channels % self.expansion:
            raise ValueError(f'Bottleneck: out_channels ({out_channels}) must be a multiple of {self.expansion}')
        planes = out_channels // self.expansion
        mid = planes if width_per_group is None else int(planes * width_per_group / 64) * groups
        if mid % groups:
            raise ValueError(f'Bottleneck: the 3×3 conv width {mid} is not divisible by groups={groups}')
        self.in_channels, self.out_channels, self.mid_channels = in_channels, out_channels, mid
        self.stride, self.dilation, self.style = stride, dilation, style
        conv1_stride, conv2_stride = self._conv_strides(style, stride)

        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 1, stride=conv1_stride, bias=False)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid, postfix=1)
        self.add_module(self.norm1_name, norm1)

        if mid_conv is None:
            self.conv2 = build_conv_layer(conv_cfg, mid, mid, 3, stride=conv2_stride, padding=dilation,
                                          dilation=dilation, groups=groups, bias=False)
        else:
            self.conv2 = build_module(mid_conv, in_channels=mid, out_channels=mid, stride=conv2_stride,
                                      dilation=dilation, groups=groups, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv2_has_norm_act = getattr(self.conv2, 'includes_norm_act', False)
        self.norm2_name = None
        if not self.conv2_has_norm_act:
            self.norm2_name, norm2 = build_norm_layer(norm_cfg, mid, postfix=2)
            self.add_module(self.norm2_name, norm2)

        self.conv3 = build_conv_layer(conv_cfg, mid, out_channels, 1, bias=False)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, postfix=3)
        self.add_module(self.norm3_name, norm3)
        self._init_attention(attention, out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    @property
    def norm2(self):
        return None if self.norm2_name is None else getattr(self, self.norm2_name)

    def forward(self, x: Tensor, context=None) -> Union[Tensor, Tuple[Tensor, object]]:
        """B×C_in×H×W → pre-activation B×C_out×H/s×W/s (and the context, if ``uses_context``)."""
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.conv2(out)
        if not self.conv2_has_norm_act:
            out = self.relu(self.norm2(out))
        out = self.norm3(self.conv3(out))
        return self._residual(out, x, context)

"""DCA-CBAM: CBAM whose channel and spatial attentions are each connected to the previous block's.

Ma et al., "DCANet: Learning Connected Attentions for Convolutional Neural Networks", ICME 2021.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import ConfigType, OptMultiConfig
from .cbam import ChannelAttention, SpatialAttention
from .dca import ContextMix, check_context_channels


class DCAChannelAttention(ChannelAttention):
    """CBAM channel attention whose pooled descriptors are mixed with the previous one's output.

    The context is the previous channel attention's output map (B×C_prev×H'×W'). Where the width
    changes it is matched by ``ReLU(BN(Conv1×1))`` on the map (as in the released code), then its
    average- and max-pooled descriptors are mixed into this block's, each by the same
    :class:`ContextMix` (no bias). Returns the refined map, which is also the next context.

    Args:
        in_channels (int): channels C.
        context_channels (int, optional): C_prev; None for the first block (no mix, no matcher).
        reduction (float): r of the shared MLP. Default: 16.
        norm_cfg (dict): norm of the matcher. Default: ``dict(type='BN')``.
    """

    def __init__(self, in_channels: int, context_channels: Optional[int] = None, reduction: float = 16,
                 norm_cfg: ConfigType = dict(type='BN')):
        super().__init__(in_channels, reduction=reduction)
        check_context_channels('DCAChannelAttention', context_channels)
        self.mix = None if context_channels is None else ContextMix(in_channels, bias=False)
        self.matcher = None
        if context_channels is not None and context_channels != in_channels:
            self.matcher = nn.Sequential(nn.Conv2d(context_channels, in_channels, 1),
                                         build_norm_layer(norm_cfg, in_channels)[1], nn.ReLU(inplace=True))

    def forward(self, x: Tensor, context: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """B×C×H×W and the previous map (or None) → the refined B×C×H×W map, twice (output, context)."""
        avg, peak = self.pool(x)
        if context is not None:
            if self.mix is None:
                raise ValueError('DCAChannelAttention: got a context but was built with context_channels=None')
            prev = context if self.matcher is None else self.matcher(context)
            prev_avg, prev_peak = self.pool(prev)
            avg, peak = self.mix(avg, prev_avg), self.mix(peak, prev_peak)
        out = x * torch.sigmoid(self.pooled_logits(avg, peak))[:, :, None, None]
        return out, out


class DCASpatialAttention(SpatialAttention):
    """CBAM spatial attention whose pooled maps are mixed with the previous one's.

    With ``P(t) = [max_c(t), mean_c(t)]`` and the context ``p`` (the previous spatial attention's
    output map, average-pooled to this block's size when the resolution changed), the conv sees
    ``ReLU(BN(w₁·P(x) + w₂·P(p)))`` with scalars w₁ = 1, w₂ = 0 at init, instead of ``P(x)``.

    Args:
        connected (bool): False for the first block (no context, no mix parameters).
        kernel_size (int): kernel of the spatial conv. Default: 7.
        norm_cfg (dict): norm of the spatial conv and of the mix. Default: ``dict(type='BN')``.
    """

    def __init__(self, connected: bool, kernel_size: int = 7, norm_cfg: ConfigType = dict(type='BN')):
        super().__init__(kernel_size=kernel_size, norm_cfg=norm_cfg)
        self.connected = connected
        if connected:
            self.current_weight = nn.Parameter(torch.ones(1))
            self.context_weight = nn.Parameter(torch.zeros(1))
            self.mix_norm = build_norm_layer(norm_cfg, 2)[1]

    def forward(self, x: Tensor, context: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """B×C×H×W and the previous map (or None) → the refined B×C×H×W map, twice (output, context)."""
        pooled = self.pool(x)
        if context is not None:
            if not self.connected:
                raise ValueError('DCASpatialAttention: got a context but was built with connected=False '
                                 '(context_channels=None)')
            if context.shape[-2:] != x.shape[-2:]:
                # = the official avg_pool2d(k = H'/H) when divisible; also defined for odd sizes. The
                # size as Python ints: the ONNX exporter needs a constant output size (a traced
                # graph has fixed feature-map sizes anyway: this branch is decided while tracing).
                context = F.adaptive_avg_pool2d(context, (int(x.shape[-2]), int(x.shape[-1])))
            pooled = F.relu(self.mix_norm(self.current_weight * pooled + self.context_weight * self.pool(context)))
        out = x * torch.sigmoid(self.pooled_logits(pooled))
        return out, out


@MODELS.register_module()
class DCACBAM(BaseModule):
    """DCA-CBAM: channel then spatial attention, each connected along its own dimension.

    The context is a pair (channel-refined map, output map) of the previous block; the first block
    receives None. See :class:`DCAChannelAttention` and :class:`DCASpatialAttention`.

    Args:
        in_channels (int): channels C.
        context_channels (int, optional): the previous block's channels; None for the first block.
            Set by the backbone.
        reduction (float): r of the channel MLP. Default: 16.
        kernel_size (int): kernel of the spatial conv. Default: 7.
        norm_cfg (dict): norm of the matcher, the spatial conv and the spatial mix.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    uses_context = True

    def __init__(self, in_channels: int, context_channels: Optional[int] = None, reduction: float = 16,
                 kernel_size: int = 7, norm_cfg: ConfigType = dict(type='BN'), init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(norm_cfg, dict):
            raise TypeError(f'DCACBAM: norm_cfg must be a norm config dict, got {norm_cfg!r}')
        self.channel_attention = DCAChannelAttention(in_channels, context_channels, reduction, norm_cfg)
        self.spatial_attention = DCASpatialAttention(context_channels is not None, kernel_size, norm_cfg)

    def forward(self, x: Tensor, context: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        """B×C×H×W and the context pair (or None) → B×C×H×W and the new pair."""
        channel_context, spatial_context = (None, None) if context is None else context
        x, channel_context = self.channel_attention(x, channel_context)
        x, spatial_context = self.spatial_attention(x, spatial_context)
        return x, (channel_context, spatial_context)

"""DCA-GC: a global context block connected to the previous block's context transform.

Ma et al., "DCANet: Learning Connected Attentions for Convolutional Neural Networks", ICME 2021.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmsda.registry import MODELS
from .dca import check_context_channels, context_matcher
from .gc import GlobalContextBlock


@MODELS.register_module()
class DCAContextBlock(GlobalContextBlock):
    """GCNet's context block (channel-add fusion) with a deep connection.

    With ``c = AttentionPool(x)`` (B×C×1×1) and ``p`` the previous block's transform output::

        t = Transform(c + w · match(p))      (w a scalar, 0 at init; just c for the first block)
        out = x + t,   context for the next block = t

    ``match`` is the identity when the widths agree, else ``C_prev → C·ratio → C`` (Linear, LN, ReLU,
    Linear: the released code's 1×1 convs on B×C×1×1, written as linear layers). Pooling and
    transform are mmcv's ``ContextBlock`` (through :class:`GlobalContextBlock`, which keeps its init).

    Args:
        in_channels (int): channels C.
        context_channels (int, optional): the previous block's channels; None for the first block
            (no ``w``, no matcher). Set by the backbone.
        ratio (float): bottleneck ratio of the transform and of the matcher. Default: 1/16.
        pooling_type (str): ``'att'`` or ``'avg'``. Default: ``'att'``.
    """

    uses_context = True

    def __init__(self, in_channels: int, context_channels: Optional[int] = None, ratio: float = 1. / 16,
                 pooling_type: str = 'att'):
        super().__init__(in_channels, ratio=ratio, pooling_type=pooling_type, fusion_types=('channel_add',))
        check_context_channels('DCAContextBlock', context_channels)
        self.context_weight = None if context_channels is None else nn.Parameter(torch.zeros(1))
        self.matcher = None
        if context_channels is not None and context_channels != in_channels:
            self.matcher = context_matcher(context_channels, in_channels, self.planes)

    def init_weights(self):
        super().init_weights()
        if self.context_weight is not None:
            nn.init.zeros_(self.context_weight)

    def forward(self, x: Tensor, context: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """B×C×H×W and the B×C_prev×1×1 context (or None) → B×C×H×W and the B×C×1×1 context."""
        pooled = self.spatial_pool(x)
        if context is not None:
            if self.context_weight is None:
                raise ValueError('DCAContextBlock: got a context but was built with context_channels=None')
            if self.matcher is not None:
                context = self.matcher(context.flatten(1)).view_as(pooled)
            pooled = pooled + self.context_weight * context
        transformed = self.channel_add_conv(pooled)
        return x + transformed, transformed

"""The connection pieces of deep-connected attention, shared by DCA-SE, DCA-CBAM and DCA-GC.

Ma et al., "DCANet: Learning Connected Attentions for Convolutional Neural Networks", ICME 2021
(https://arxiv.org/abs/2007.05099; code: github.com/13952522076/DCANet).

A DCA attention hands its output (the "transformation" result, e.g. SE's recalibrated descriptor) to
the attention of the next block, which mixes it into its own "extraction" result (e.g. SE's pooled
descriptor) before transforming it. The chain runs through the whole network: the stem hands None,
and where the width changes (the first block of a stage) a matcher maps the previous width.
In mmsda the chain is the block contract's ``uses_context`` mechanism: ``Bottleneck`` calls
``attention(out, context)`` and the stages and the backbone thread the returned context; the
backbone tells each DCA attention the width of the context it receives (``context_channels``,
None for the first block).
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from ..typing_utils import OptMultiConfig


class ContextMix(BaseModule):
    """``ReLU(LN(α·current + β·previous + b))`` on two B×C descriptors.

    α, β (and b) are the weights of a 1×1 convolution over the stacked pair, as in the official code
    (so the parameter layout maps one to one), followed by LayerNorm over the C channels.

    Args:
        channels (int): C.
        bias (bool): the bias b (DCA-SE: True, DCA-CBAM: False). Default: True.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, channels: int, bias: bool = True, init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv2d(2, 1, 1, bias=bias)
        self.norm = nn.LayerNorm(channels)

    def forward(self, current: Tensor, previous: Tensor) -> Tensor:
        """Two B×C descriptors → the mixed B×C descriptor."""
        pair = torch.stack([current, previous], dim=1)[:, :, None, :]  # B×2×1×C
        return F.relu(self.norm(self.conv(pair).flatten(1)))


def context_matcher(in_channels: int, out_channels: int, hidden_channels: Optional[int] = None) -> nn.Sequential:
    """The width matcher of a B×C_prev context: ``Linear → LN → ReLU`` (→ ``Linear``).

    Args:
        in_channels (int): C_prev, the width of the context received.
        out_channels (int): C, the width of this attention.
        hidden_channels (int, optional): None gives the official DCA-SE matcher
            ``ReLU(LN(Linear_{C_prev→C}))``; a width h gives the official DCA-GC one,
            ``Linear_{h→C}(ReLU(LN(Linear_{C_prev→h})))``.

    Returns:
        nn.Sequential: B×C_prev → B×C.
    """
    if hidden_channels is None:
        return nn.Sequential(nn.Linear(in_channels, out_channels), nn.LayerNorm(out_channels),
                             nn.ReLU(inplace=True))
    return nn.Sequential(nn.Linear(in_channels, hidden_channels), nn.LayerNorm(hidden_channels),
                         nn.ReLU(inplace=True), nn.Linear(hidden_channels, out_channels))


def check_context_channels(name: str, context_channels: Optional[int]) -> None:
    """Raise ``ValueError`` unless ``context_channels`` is None or a positive int."""
    if context_channels is not None and (not isinstance(context_channels, int) or context_channels < 1):
        raise ValueError(f'{name}: context_channels must be a positive int or None (no previous '
                         f'attention), got {context_channels!r}')

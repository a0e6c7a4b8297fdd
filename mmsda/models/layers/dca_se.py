"""DCA-SE: a Squeeze-and-Excitation layer connected to the previous block's SE output.

Ma et al., "DCANet: Learning Connected Attentions for Convolutional Neural Networks", ICME 2021.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmsda.registry import MODELS
from ..typing_utils import OptMultiConfig
from .dca import ContextMix, check_context_channels, context_matcher
from .helpers import reduced_channels
from .se import SELayer


@MODELS.register_module()
class DCASELayer(SELayer):
    """SE with a deep connection: the squeezed descriptor is mixed with the previous SE's output.

    With ``s = GAP(x)`` (B×C) and ``p`` the context handed by the previous block::

        a = σ(FC(ReLU(FC(m))))     m = s                                  (no context: first block)
                                   m = ReLU(LN(α·s + β·match(p) + b))      (otherwise)
        out = x · a,   context for the next block = s · a

    ``match`` is the identity when the widths agree, else ``ReLU(LN(Linear_{C_prev→C}))`` as in the
    released code (``matcher_reduction=None``); with ``matcher_reduction=r`` it is the two-layer
    ``C_prev → C/r → C`` matcher of the released DCA-GC code instead (lighter: see the DCANet README).
    The first block of a network (``context_channels=None``) has neither mix nor matcher.

    Args:
        in_channels (int): channels C.
        context_channels (int, optional): width of the context received (the previous block's
            channels); None for the first block. Set by the backbone.
        reduction (float): r of the SE bottleneck. Default: 16.
        matcher_reduction (float, optional): see above. Default: None.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    uses_context = True

    def __init__(self, in_channels: int, context_channels: Optional[int] = None, reduction: float = 16,
                 matcher_reduction: Optional[float] = None, init_cfg: OptMultiConfig = None):
        super().__init__(in_channels, reduction=reduction, init_cfg=init_cfg)
        check_context_channels('DCASELayer', context_channels)
        self.context_channels = context_channels
        self.mix = None if context_channels is None else ContextMix(in_channels, bias=True)
        self.matcher = None
        if context_channels is not None and context_channels != in_channels:
            hidden = None if matcher_reduction is None else reduced_channels(in_channels, matcher_reduction)
            self.matcher = context_matcher(context_channels, in_channels, hidden)

    def forward(self, x: Tensor, context: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """B×C×H×W and the B×C_prev context (or None) → B×C×H×W and the B×C context."""
        s = self.squeeze(x)
        m = s
        if context is not None:
            if self.mix is None:
                raise ValueError('DCASELayer: got a context but was built with context_channels=None')
            m = self.mix(s, context if self.matcher is None else self.matcher(context))
        gate = torch.sigmoid(self.excite(m))
        return x * gate[:, :, None, None], s * gate

"""What every mmsda residual block shares: the stride placement, the attention plug-in and the residual
addition."""
from typing import Tuple, Union

from mmengine.model import BaseModule
from torch import Tensor

from ..builder import build_module
from ..layers.helpers import check_choice
from ..typing_utils import OptConfigType

#: ``'pytorch'`` puts a block's stride on its 3×3 conv, ``'caffe'`` on its first 1×1 conv.
STYLES = ('pytorch', 'caffe')


class ResidualBlock(BaseModule):
    """Base of the blocks of :mod:`mmsda.models.blocks` (see the contract in ``bottleneck.py``).

    Subclasses build ``norm1_name``/``norm3_name`` layers and ``downsample``, take the strides of their
    convs from :meth:`_conv_strides`, call :meth:`_init_attention`, and end ``forward`` with
    :meth:`_residual`.
    """

    def _conv_strides(self, style: str, stride: int) -> Tuple[int, int]:
        """The strides of the first 1×1 conv and of the 3×3 conv(s) for ``style`` (see :data:`STYLES`)."""
        check_choice(type(self).__name__, 'style', style, STYLES)
        return (1, stride) if style == 'pytorch' else (stride, 1)

    def _init_attention(self, attention: OptConfigType, channels: int) -> None:
        """Build the attention applied before the addition (``in_channels=channels``)."""
        self.attention = None if attention is None else build_module(attention, in_channels=channels)
        self.uses_context = getattr(self.attention, 'uses_context', False)

    def _residual(self, out: Tensor, x: Tensor, context=None) -> Union[Tensor, Tuple[Tensor, object]]:
        """Attention on the residual branch, then ``z = out + shortcut(x)`` (and the context)."""
        if self.uses_context:
            out, context = self.attention(out, context)
        elif self.attention is not None:
            out = self.attention(out)
        z = out + (x if self.downsample is None else self.downsample(x))
        return (z, context) if self.uses_context else z

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm3(self):
        return getattr(self, self.norm3_name)

    @property
    def last_norm(self):
        return self.norm3

"""What every mmsda residual block shares: the attention plug-in and the residual addition."""
from mmengine.model import BaseModule

from ..builder import build_module


class ResidualBlock(BaseModule):
    """Base of the blocks of :mod:`mmsda.models.blocks` (see the contract in ``bottleneck.py``).

    Subclasses build ``norm1_name``/``norm3_name`` layers and ``downsample``, call
    :meth:`_init_attention`, and end ``forward`` with :meth:`_residual`.
    """

    def _init_attention(self, attention, channels):
        """Build the attention applied before the addition (``in_channels=channels``)."""
        self.attention = None if attention is None else build_module(attention, in_channels=channels)
        self.uses_context = getattr(self.attention, 'uses_context', False)

    def _residual(self, out, x, context=None):
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

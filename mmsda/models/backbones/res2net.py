"""Res2Net: ResNet with hierarchical multi-scale bottlenecks (Bottle2neck)."""
from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class Res2Net(ResNetPreset):
    """Res2Net-50/86/101/152 (26w×4s) and SDA-Res2Net (Gao et al., "Res2Net: A New Multi-scale
    Backbone Architecture", TPAMI 2021; Guo et al., SDA-xNet).

    The original Res2Net layout of the official Res2Net and SDA-Res2Net code: 7×7 stem + max-pool,
    1×1-conv (strided) shortcuts and :class:`~mmsda.models.blocks.Bottle2neck` blocks, the first of
    every stage of type ``'stage'``. (mmpretrain's ``Res2Net`` defaults to the v1b layout, with a deep
    stem and average-pool shortcuts.) Paper numbers: Res2Net-50 25.70 M / 4.26 G (GAP → FC head);
    Res2Net-86 42.47 M / 6.94 G and SDA-Res2Net-86 45.26 M / 6.95 G (GAP → BN → FC head).

    Args:
        depth (int): 50, 86, 101 or 152. Default: 50.
        scales (int): splits per block s. Default: 4.
        base_width (int): split width w of the first stage. Default: 26.
        with_sda (bool): fuse each stage by selective depth attention. Default: False.
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`)
            and any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    def __init__(self, depth: int = 50, scales: int = 4, base_width: int = 26, with_sda: bool = False, **kwargs):
        block = dict(type='Bottle2neck', scales=scales, base_width=base_width,
                     base_channels=kwargs.get('base_channels', 64))
        super().__init__(depth, with_sda=with_sda, preset=dict(block=block), **kwargs)

"""SA-Net: ResNet with a shuffle attention layer in every bottleneck."""
from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class SANet(ResNetPreset):
    """SA-Net-50/101 (Zhang and Yang, "SA-Net: Shuffle Attention for Deep CNNs", ICASSP 2021).

    ResNet-50/101 with :class:`~mmsda.models.layers.ShuffleAttention` (G = 64) after ``bn3`` of every
    bottleneck, before the residual addition: 3C/G parameters per block, so SA-Net-50 keeps
    ResNet-50's 25.56 M (paper: 25.56 M, 4.09 GFLOPs; SA-Net-101 44.55 M).

    Args:
        depth (int): 50 or 101 (the published models), or 86 / 152. Default: 50.
        sa_groups (int): G of the shuffle attention. Default: 64.
        with_sda (bool): fuse each stage by selective depth attention (SDA-SANet). Default: False.
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`) and
            any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    def __init__(self, depth: int = 50, sa_groups: int = 64, with_sda: bool = False, **kwargs):
        attention = dict(type='ShuffleAttention', groups=sa_groups)
        super().__init__(depth, with_sda=with_sda, preset=dict(attention=attention), **kwargs)

"""SDA-ResNet: ResNet with grouped 3×3 bottlenecks and selective depth attention in every stage."""
from typing import Optional

from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class SDAResNet(ResNetPreset):
    """SDA-ResNet-26/50/86/101/152 (Guo et al., SDA-xNet).

    SDA-ResNet-86 (``depth=86``: stages [5, 6, 12, 5], 3×3 convs with 8 groups) is the paper's model:
    27.22 M parameters and 3.88 GMACs as an ImageNet classifier with the GAP → BN → FC head.
    Depth 26 ([2, 2, 2, 2]) is not from the paper: a small model for CPU demos.

    Args:
        depth (int): one of 26, 50, 86, 101, 152. Default: 86.
        groups (int): groups of the bottleneck 3×3 convs. Default: 8.
        width_per_group (int, optional): ResNeXt-style width (see :class:`Bottleneck`). Default: None.
        with_sda (bool): fuse each stage by depth attention. False gives the same network without SDA
            (for ablations). Default: True.
        **kwargs: ``reduction``, ``min_channels`` (see :class:`ResNetPreset`) and any other
            :class:`AttentionResNet` argument.
    """

    arch_settings = {26: (2, 2, 2, 2), **ResNetPreset.arch_settings}

    def __init__(self, depth: int = 86, groups: int = 8, width_per_group: Optional[int] = None,
                 with_sda: bool = True, **kwargs):
        block = dict(type='Bottleneck', groups=groups, width_per_group=width_per_group)
        super().__init__(depth, with_sda=with_sda, preset=dict(block=block), **kwargs)

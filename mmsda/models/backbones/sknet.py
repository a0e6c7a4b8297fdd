"""SKNet: ResNeXt with every bottleneck 3×3 conv replaced by a Selective Kernel unit."""
from typing import Optional

from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class SKNet(ResNetPreset):
    """SKNet-50/101 (Li et al., "Selective Kernel Networks", CVPR 2019).

    A ResNeXt 32×4d (``groups=32, width_per_group=4``) whose grouped 3×3 convs are
    :class:`~mmsda.models.layers.SKConv` units (two branches: 3×3 and 3×3 with dilation 2, fused by a
    softmax over the branches). As ImageNet classifiers (GAP → FC head): SKNet-50 27.5 M parameters /
    4.47 GFLOPs, SKNet-101 48.9 M / 8.46 G in the paper.

    Args:
        depth (int): 50 or 101 (the published models), or 86 / 152. Default: 50.
        groups (int): cardinality G of the branch convs. Default: 32.
        width_per_group (int): ResNeXt width of a group in the first stage. Default: 4.
        sk_cfg (dict, optional): extra :class:`SKConv` arguments (``num_branches``, ``reduction``,
            ``min_channels``). Default: None (M = 2, r = 16, L = 32).
        with_sda (bool): fuse each stage by selective depth attention (SDA-SKNet). Default: False.
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`) and
            any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    def __init__(self, depth: int = 50, groups: int = 32, width_per_group: int = 4, sk_cfg: Optional[dict] = None,
                 with_sda: bool = False, **kwargs):
        if sk_cfg is not None and not isinstance(sk_cfg, dict):
            raise TypeError(f'SKNet: sk_cfg must be a dict or None, got {sk_cfg!r}')
        mid_conv = dict(type='SKConv', **(sk_cfg or {}))
        block = dict(type='Bottleneck', groups=groups, width_per_group=width_per_group, mid_conv=mid_conv)
        super().__init__(depth, with_sda=with_sda, preset=dict(block=block), **kwargs)

"""EPSANet: ResNet with every bottleneck 3×3 conv replaced by a pyramid split attention module."""
from typing import Optional

from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class EPSANet(ResNetPreset):
    """EPSANet-50/86/101/152 and SDA-EPSANet (Zhang et al., "EPSANet: An Efficient Pyramid Squeeze
    Attention Block on Convolutional Neural Network", 2021; Guo et al., SDA-xNet).

    The standard bottleneck (7×7 stem + max-pool, 1×1-conv shortcuts) whose 3×3 conv is a
    :class:`~mmsda.models.layers.PSAModule` (kernels 3/5/7/9, groups 1/4/8/16, an SE weight module
    with r = 16 per branch, softmax across the branches), followed by the bottleneck's ``bn2`` + ReLU:
    the EPSANet "small" model. ``EPSANet(depth=86, with_sda=True)`` is SDA-EPSANet-86, which has no
    public code. SDA-xNet table numbers, matched by the per-branch SE modules: EPSANet-50 22.59 M /
    3.60 G (GAP → FC head); EPSANet-86 36.67 M / 5.84 G and SDA-EPSANet-86 39.45 M / 5.85 G (GAP → BN
    → FC head). ``psa_cfg=dict(shared_se=True)`` gives the public EPSANet code's shared SE module
    (EPSANet-50 22.56 M, EPSANet-101 38.90 M, as in the EPSANet README).

    Args:
        depth (int): 50, 86, 101 or 152. Default: 50.
        with_sda (bool): fuse each stage by selective depth attention. Default: False.
        psa_cfg (dict, optional): :class:`PSAModule` arguments (``kernels``, ``branch_groups``,
            ``reduction``, ``shared_se``). Default: None (the settings above).
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`)
            and any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    def __init__(self, depth: int = 50, with_sda: bool = False, psa_cfg: Optional[dict] = None, **kwargs):
        if psa_cfg is not None and not isinstance(psa_cfg, dict):
            raise TypeError(f'EPSANet: psa_cfg must be a dict or None, got {psa_cfg!r}')
        block = dict(type='Bottleneck', mid_conv=dict(type='PSAModule', **(psa_cfg or {})))
        super().__init__(depth, with_sda=with_sda, preset=dict(block=block), **kwargs)

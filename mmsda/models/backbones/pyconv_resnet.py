"""PyConvResNet: ResNet with pyramidal convolutions in the bottlenecks and max-pool shortcuts."""
from typing import Sequence

from mmsda.registry import MODELS
from .preset import ResNetPreset

# Per stage: kernels, groups and output split (in parts of C) of the pyramidal conv (Duta et al.).
PYCONV_STAGES = (
    dict(kernels=(3, 5, 7, 9), level_groups=(1, 4, 8, 16), out_splits=(1, 1, 1, 1)),
    dict(kernels=(3, 5, 7), level_groups=(1, 4, 8), out_splits=(1, 1, 2)),
    dict(kernels=(3, 5), level_groups=(1, 4), out_splits=(1, 1)),
    dict(kernels=(3, ), level_groups=(1, ), out_splits=(1, )),
)


@MODELS.register_module()
class PyConvResNet(ResNetPreset):
    """PyConvResNet-50/86/101/152 and SDA-PyConv (Duta et al., "Pyramidal Convolution: Rethinking
    Convolutional Neural Networks for Visual Recognition", 2020; Guo et al., SDA-xNet).

    The bottleneck's 3×3 conv is a :class:`~mmsda.models.layers.PyConv` with the per-stage pyramid
    of :data:`PYCONV_STAGES` (4 levels in stage 1 down to one 3×3 in stage 4). As in the official
    PyConv and SDA-PyConv code, the stem has no max-pool and every stage (the first included)
    down-samples by 2 in its first block, whose shortcut is 3×3/2 max-pool → 1×1 conv → BN; output
    strides stay 4, 8, 16, 32. For the ``-d8`` backbones of semantic segmentation pass
    ``strides=(2, 2, 1, 1), dilations=(1, 1, 2, 4)`` (output stride 8; not ResNet's ``(1, 2, 1, 1)``:
    stage 1 must down-sample, as the stem does not). Paper numbers: PyConv-50 24.85 M / 3.88 G
    (GAP → FC head); PyConv-86 40.55 M / 6.22 G and SDA-PyConv-86 43.33 M / 6.22 G (GAP → BN → FC head).

    Args:
        depth (int): 50, 86, 101 or 152. Default: 50.
        with_sda (bool): fuse each stage by selective depth attention. Default: False.
        strides (Sequence[int]): stride of each stage's first block; the first must be 2.
            Default: ``(2, 2, 2, 2)``.
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`)
            and any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    def __init__(self, depth: int = 50, with_sda: bool = False, strides: Sequence[int] = (2, 2, 2, 2),
                 **kwargs):
        if not isinstance(strides, (list, tuple)) or not strides or strides[0] != 2:
            raise ValueError('PyConvResNet: strides must start with 2 (the stem has no max-pool, stage 1 '
                             f'down-samples; the -d8 layout is (2, 2, 1, 1)), got {strides!r}')
        preset = dict(
            block=dict(type='Bottleneck'),
            stage_block_cfgs=[dict(mid_conv=dict(type='PyConv', **stage)) for stage in PYCONV_STAGES],
            stem_pool=False,
            strides=strides,
            shortcut='maxpool')
        super().__init__(depth, with_sda=with_sda, preset=preset, **kwargs)

"""ResNets with a light attention after each bottleneck's last conv (SE, CBAM, ECA, GC), ± SDA.

Each model is the standard bottleneck (groups 1) with one attention on the residual branch after
``bn3``, before the addition, as in the attention's paper and in the official SDA-SENet code; with
``with_sda=True`` every stage is fused by selective depth attention (the SDA-x-86 models of
Guo et al., SDA-xNet). Depths 50 / 86 / 101 / 152, e.g. ``SEResNet(depth=86, with_sda=True)`` is
SDA-SENet-86. They differ only in the attention config.
"""
from typing import Optional

from mmsda.registry import MODELS
from .preset import ResNetPreset


class LightAttentionResNet(ResNetPreset):
    """Base of the presets below: bottleneck + the class's ``default_attention`` (+ SDA).

    Args:
        depth (int): 50, 86, 101 or 152.
        with_sda (bool): fuse each stage by selective depth attention. Default: False.
        attention_cfg (dict, optional): arguments overriding the attention's defaults, e.g.
            ``dict(reduction=8)``; its type is fixed by the model.
        **kwargs: ``reduction``/``min_channels`` of the depth attention and any other
            :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages``, ``norm_eval`` ...).
    """

    default_attention: Optional[dict] = None  # set by every subclass

    def __init__(self, depth: int, with_sda: bool = False, attention_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        name = type(self).__name__
        if self.default_attention is None:
            raise TypeError(f'{name} is the base of SEResNet, CBAMResNet, ECAResNet and GCResNet and has no '
                            'attention of its own: build one of those, or AttentionResNet(attention=...)')
        if attention_cfg is not None and not isinstance(attention_cfg, dict):
            raise TypeError(f'{name}: attention_cfg must be a dict or None, got {attention_cfg!r}')
        if attention_cfg and 'type' in attention_cfg:
            raise ValueError(f'{name}: attention_cfg cannot change the attention type; '
                             'use AttentionResNet(attention=...) for another attention')
        attention = dict(self.default_attention, **(attention_cfg or {}))
        preset = dict(block=dict(type='Bottleneck'), attention=attention)
        super().__init__(depth, with_sda=with_sda, preset=preset, **kwargs)


@MODELS.register_module()
class SEResNet(LightAttentionResNet):
    """SE-ResNet (Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018) and SDA-SENet.

    :class:`~mmsda.models.layers.SELayer` with r = 16 and biased FC layers, as the official
    SDA-SENet code: SDA-SENet-86 has 49.13 M parameters as an ImageNet classifier with the
    GAP → BN → FC head; SE-ResNet-50 28.09 M with the plain GAP → FC head.
    """

    default_attention = dict(type='SELayer', reduction=16)


@MODELS.register_module()
class CBAMResNet(LightAttentionResNet):
    """CBAM-ResNet (Woo et al., "CBAM: Convolutional Block Attention Module", ECCV 2018) and SDA-CBAM.

    :class:`~mmsda.models.layers.CBAM` as in the CBAM paper: shared channel MLP with r = 16 on the
    average- and max-pooled features, then a 7×7 spatial conv + BN. SDA-CBAM has no public code;
    see ``configs/cbam/README.md`` for how the parameter counts compare with the SDA-xNet table.
    """

    default_attention = dict(type='CBAM', reduction=16)


@MODELS.register_module()
class ECAResNet(LightAttentionResNet):
    """ECA-ResNet (Wang et al., "ECA-Net: Efficient Channel Attention for Deep CNNs", CVPR 2020).

    :class:`~mmsda.models.layers.ECALayer` with the paper's adaptive kernel size (γ = 2, b = 1:
    k = 5, 5, 5, 7 for the four stages).
    """

    default_attention = dict(type='ECALayer')


@MODELS.register_module()
class GCResNet(LightAttentionResNet):
    """GC-ResNet (Cao et al., "GCNet: Non-local Networks Meet Squeeze-Excitation Networks and
    Beyond", ICCVW 2019).

    :class:`~mmsda.models.layers.GlobalContextBlock` (mmcv's ``ContextBlock``: attention pooling,
    ratio 1/16, channel-add fusion) in every block of all four stages.
    """

    default_attention = dict(type='GlobalContextBlock', ratio=1. / 16)

"""DCANet: ResNet whose block attentions are chained from block to block (deep-connected attention)."""
from typing import Optional

from mmsda.registry import MODELS
from .preset import ResNetPreset


@MODELS.register_module()
class DCAResNet(ResNetPreset):
    """DCA-SE/CBAM/GC-ResNet-50/101 (Ma et al., "DCANet: Learning Connected Attentions for
    Convolutional Neural Networks", ICME 2021).

    A ResNet with a connected attention after ``bn3`` of every bottleneck: each attention receives the
    previous block's attention output (across stage boundaries too, through a width matcher; the stem
    hands None). Published (ImageNet, GAP → FC head): DCA-SE-ResNet50 77.55 % / 28.65 M, DCA-CBAM-
    ResNet50 77.83 % / 30.90 M, DCA-GC-ResNet50 75.42 % / 28.63 M. This builds the released code's
    layers: see ``configs/dcanet/README.md`` for the measured counts and the gaps.

    Args:
        depth (int): 50 or 101, or 86 / 152. Default: 50.
        attention_type (str): ``'se'`` (:class:`DCASELayer`), ``'cbam'`` (:class:`DCACBAM`) or ``'gc'``
            (:class:`DCAContextBlock`). Default: ``'se'``.
        attention_cfg (dict, optional): extra arguments of the attention (e.g. ``reduction``,
            ``matcher_reduction`` for SE, ``ratio`` for GC). Default: None.
        with_sda (bool): fuse each stage by selective depth attention. Default: False.
        **kwargs: ``reduction``/``min_channels`` of the depth attention (see :class:`ResNetPreset`) and
            any other :class:`AttentionResNet` argument (``out_indices``, ``frozen_stages`` ...).
    """

    attention_types = {'se': 'DCASELayer', 'cbam': 'DCACBAM', 'gc': 'DCAContextBlock'}

    def __init__(self, depth: int = 50, attention_type: str = 'se', attention_cfg: Optional[dict] = None,
                 with_sda: bool = False, **kwargs):
        if attention_type not in self.attention_types:
            raise ValueError(f'DCAResNet: attention_type must be one of {list(self.attention_types)}, '
                             f'got {attention_type!r}')
        if attention_cfg is not None and not isinstance(attention_cfg, dict):
            raise TypeError(f'DCAResNet: attention_cfg must be a dict or None, got {attention_cfg!r}')
        self.attention_type = attention_type
        attention = dict(type=self.attention_types[attention_type], **(attention_cfg or {}))
        super().__init__(depth, with_sda=with_sda, preset=dict(attention=attention), **kwargs)

"""Global average pooling followed by a norm layer: the SDA-xNet classifier head's neck."""
from typing import Tuple, Union

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..layers.fallback_batch_norm import pooled_norm_cfg
from ..typing_utils import ConfigType, OptMultiConfig


@MODELS.register_module()
class PoolNormNeck(BaseModule):
    """GAP → BatchNorm (→ flatten), as in the SDA-xNet classifiers (GAP → BN(2048) → FC).

    Args:
        in_channels (int): channels of the backbone output.
        norm_cfg (dict): norm config (a plain BN becomes :class:`FallbackBatchNorm1d`, which also
            trains at batch size 1), default ``dict(type='BN1d')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, in_channels: int, norm_cfg: ConfigType = dict(type='BN1d'), init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.norm_name, norm = build_norm_layer(pooled_norm_cfg(norm_cfg), in_channels)
        self.add_module(self.norm_name, norm)

    def forward(self, inputs: Union[Tensor, Tuple[Tensor, ...]]) -> Union[Tensor, Tuple[Tensor, ...]]:
        """tuple of B×C×H×W (or one tensor) → tuple of B×C."""
        if not isinstance(inputs, tuple):
            return getattr(self, self.norm_name)(self.gap(inputs).flatten(1))
        return tuple(getattr(self, self.norm_name)(self.gap(x).flatten(1)) for x in inputs)

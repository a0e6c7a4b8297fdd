"""GCNet's global context block at mmsda's plug-in point: mmcv's ``ContextBlock`` with two defaults.

Cao et al., "GCNet: Non-local Networks Meet Squeeze-Excitation Networks and Beyond", ICCVW 2019.
"""
from typing import Sequence

from mmcv.cnn import ContextBlock

from mmsda.registry import MODELS


@MODELS.register_module()
class GlobalContextBlock(ContextBlock):
    """mmcv's :class:`~mmcv.cnn.ContextBlock` (attention pooling → 1×1 → LN → ReLU → 1×1, added).

    Differences from using ``ContextBlock`` directly: ``ratio`` defaults to the paper's 1/16, and
    :meth:`init_weights` re-applies ``ContextBlock``'s own init (zero last conv, so every block starts
    as the identity) after a backbone's Kaiming init of all convs, which would otherwise overwrite it.

    Args:
        in_channels (int): channels C of the input.
        ratio (float): bottleneck ratio, ``int(C · ratio)`` hidden channels. Default: 1/16.
        pooling_type (str): ``'att'`` (attention pooling) or ``'avg'``. Default: ``'att'``.
        fusion_types (Sequence[str]): ``'channel_add'`` and/or ``'channel_mul'``.
            Default: ``('channel_add',)``.
    """

    def __init__(self, in_channels: int, ratio: float = 1. / 16, pooling_type: str = 'att',
                 fusion_types: Sequence[str] = ('channel_add',)):
        if pooling_type not in ('att', 'avg'):
            raise ValueError(f"pooling_type must be 'att' or 'avg', got {pooling_type!r}")
        if not fusion_types or not set(fusion_types) <= {'channel_add', 'channel_mul'}:
            raise ValueError(f"fusion_types must be a non-empty subset of ('channel_add', 'channel_mul'), "
                             f'got {fusion_types!r}')
        if not 0 < ratio <= 1 or int(in_channels * ratio) < 1:
            raise ValueError(f'ratio must be in (0, 1] with int(in_channels * ratio) >= 1, got {ratio!r}')
        super().__init__(in_channels, ratio, pooling_type, tuple(fusion_types))

    def init_weights(self):
        self.reset_parameters()

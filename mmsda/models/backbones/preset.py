"""Base class of the registered, named backbones: a depth and an SDA switch over AttentionResNet."""
from typing import Optional

from ..layers.helpers import check_reduction
from .attention_resnet import AttentionResNet


class ResNetPreset(AttentionResNet):
    """A named network = depth → blocks per stage, ``with_sda`` → depth-attention fusion, plus the
    family's fixed choices (block, attention, stem ...) given by the subclass as ``preset``.

    Subclasses set ``arch_settings`` if they support other depths and call
    ``super().__init__(depth, with_sda, preset=dict(block=..., attention=...), **kwargs)``.

    Args:
        depth (int): a key of ``arch_settings``.
        with_sda (bool): fuse each stage with :class:`DepthAttentionFusion` (the SDA-x model).
        reduction (float): r of the depth attention, ``d = max(int(C / r), min_channels)``. Default: 16.
        min_channels (int): L of the depth attention. Default: 64.
        preset (dict): :class:`AttentionResNet` arguments fixed by the family (set by subclasses).
        **kwargs: the remaining :class:`AttentionResNet` arguments (``out_indices``, ``frozen_stages``,
            ``norm_cfg``, ``norm_eval``, ``with_cp``, ``style``, ``zero_init_residual``, ``init_cfg`` ...).
    """

    arch_settings = {
        50: (3, 4, 6, 3),
        86: (5, 6, 12, 5),
        101: (3, 4, 23, 3),
        152: (3, 8, 36, 3),
    }

    def __init__(self, depth: int, with_sda: bool = False, reduction: float = 16, min_channels: int = 64,
                 preset: Optional[dict] = None, **kwargs):
        name = type(self).__name__
        if depth not in self.arch_settings:
            raise ValueError(f'{name}: depth must be one of {sorted(self.arch_settings)}, got {depth!r}')
        check_reduction(reduction, name)
        preset = dict(preset or {})
        clash = ({'stage_blocks', 'fusion'} | set(preset)) & set(kwargs)
        if clash:
            raise TypeError(f'{name} sets {sorted(clash)} itself; use AttentionResNet for a custom layout')
        self.depth = depth
        self.with_sda = with_sda
        fusion = dict(type='DepthAttentionFusion', reduction=reduction, min_channels=min_channels) \
            if with_sda else None
        super().__init__(stage_blocks=self.arch_settings[depth], fusion=fusion, **preset, **kwargs)

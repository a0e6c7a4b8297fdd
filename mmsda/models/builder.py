"""Building sub-modules from config dicts inside mmsda models."""
from typing import Optional, Union

import torch.nn as nn

from mmsda.registry import MODELS


def module_class(module_type: Union[str, type]) -> Optional[type]:
    """The class a config's ``type`` names, looked up as :func:`build_module` builds it: in the
    ``mmsda`` scope first, then in MMEngine's root registry (scoped names ``'mmpretrain.X'`` too).

    Args:
        module_type (str | type): a registered name, or a class (returned as it is).

    Returns:
        type | None: the class, None if no registry knows the name.
    """
    if isinstance(module_type, type):
        return module_type
    with MODELS.switch_scope_and_registry('mmsda') as registry:
        return registry.get(module_type)


def build_module(cfg: dict, **default_args) -> nn.Module:
    """Build ``cfg`` looking up names in the ``mmsda`` scope first, then in MMEngine's root registry.

    MMEngine builds from the registry of the *current default scope*: inside an mmdet config, a plain
    ``MODELS.build(dict(type='Bottleneck'))`` would return mmdet's ``Bottleneck``. Switching to the
    ``mmsda`` scope here makes ``type='Bottleneck'`` mean ours, while names that only exist upstream
    (``ContextBlock`` from mmcv, ``BN``) and scoped names (``'mmpretrain.X'``) still resolve.

    Args:
        cfg (dict): config with a ``type`` key (a name or a class).
        **default_args: arguments used where ``cfg`` does not set them.

    Returns:
        nn.Module: the built module.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'expected a config dict with a "type" key, got {cfg!r}')
    with MODELS.switch_scope_and_registry('mmsda') as registry:
        return registry.build(dict(cfg), default_args=default_args or None)

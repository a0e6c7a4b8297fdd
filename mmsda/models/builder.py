"""Building sub-modules from config dicts inside mmsda models."""
from mmsda.registry import MODELS


def build_module(cfg, **default_args):
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

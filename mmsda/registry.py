"""Registries of the ``mmsda`` scope.

Each registry is a child of MMEngine's root registry of the same kind, so a config whose
``default_scope`` is ``mmdet``, ``mmpretrain`` *or* ``mmseg`` can name ``type='mmsda.SDAResNet'``:
MMEngine imports ``mmsda.registry`` for the ``mmsda`` prefix, finds the child registry under the root, and the
``locations`` below are imported lazily on the first lookup, so no ``custom_imports`` are needed.
The same holds for hooks (``custom_hooks=[dict(type='mmsda.CheckDataHook')]``) and transforms.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='mmsda', locations=['mmsda.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='mmsda', locations=['mmsda.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mmsda', locations=['mmsda.datasets'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmsda',
                 locations=['mmsda.engine', 'mmsda.engine.hooks.optional'])

"""Building the models of the repository's configs, and any model through a scope's registry."""
import glob
import importlib
import os

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_files(family='*'):
    """Every config file of ``configs/<family>/`` (all families by default; ``_base_`` excluded)."""
    return sorted(p for p in glob.glob(os.path.join(REPO, 'configs', family, '*.py'))
                  if os.sep + '_base_' + os.sep not in p)


def _fewer_proposals(cfg):
    """Fewer proposals and sampled RoIs: the same code paths at a fraction of the CPU time."""
    train, test = cfg.model.get('train_cfg') or {}, cfg.model.get('test_cfg') or {}
    if 'rpn_proposal' in train:
        train['rpn_proposal'].update(nms_pre=200, max_per_img=64)
    rcnn = train.get('rcnn')
    for stage in (rcnn if isinstance(rcnn, list) else [rcnn] if rcnn else []):
        stage['sampler']['num'] = 32
    if 'rpn' in test:
        test['rpn'].update(nms_pre=200, max_per_img=32)
    elif 'nms_pre' in test:
        test['nms_pre'] = 200


def build_from_config(path, small_detector=False, **backbone):
    """Build ``cfg.model`` from its default scope, without any pretrained weights.

    Args:
        path (str): config file (absolute, or relative to the repository).
        small_detector (bool): cut the proposals and sampled RoIs of a detector (for fast tests).
        **backbone: overrides of ``cfg.model.backbone``.

    Returns:
        tuple[nn.Module, Config]: the model (not initialised) and the config.
    """
    cfg = Config.fromfile(os.path.join(REPO, path))
    cfg.model.backbone.update(backbone)
    cfg.model.backbone.pop('init_cfg', None)
    if small_detector:
        _fewer_proposals(cfg)
    init_default_scope(cfg.default_scope)
    registry = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    return registry.build(cfg.model), cfg


def build_in_scope(scope, **cfg):
    """Build a model config through the ``MODELS`` registry of ``scope`` ('mmdet' or 'mmpretrain')."""
    registry = importlib.import_module(f'{scope}.registry').MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(cfg)


def output_shapes(backbone, size=64):
    """Shapes of the feature maps of ``backbone`` (in eval mode) on one ``size``x``size`` image."""
    with torch.no_grad():
        return [tuple(o.shape) for o in backbone.eval()(torch.randn(1, 3, size, size))]

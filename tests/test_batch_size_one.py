"""Batch size 1 trains: one real training step (data preprocessor, loss, backward, optimizer step) with
one image, BN in training mode, for every classifier config and for one detector per family."""
import glob
import importlib
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from _detector_helpers import detection_sample

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: the classifiers with a norm on a pooled vector run in the fast suite, all of them in the slow one
FAST = ('sda-resnet26-tiny_1xb32_shapes-cls.py', 'sda-resnet50_8xb32_in1k.py', 'sknet50_8xb32_in1k.py',
        'resnest50_32xb64_in1k.py')
CLASSIFIERS = [pytest.param(p, marks=() if os.path.basename(p) in FAST else pytest.mark.slow)
               for p in sorted(glob.glob(os.path.join(REPO, 'configs', '*', '*.py')))
               if p.endswith(('_in1k.py', '-cls.py'))]
#: one detector per family, with the family's own attention (mmsda's and mmdet's ResNeSt)
DETECTORS = {
    'demo': 'configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py',
    'sda': 'configs/sda/mask-rcnn_sda-r50_fpn_1x_coco.py',
    'senet': 'configs/senet/faster-rcnn_sda-se-r86_fpn_1x_coco.py',
    'cbam': 'configs/cbam/faster-rcnn_sda-cbam-r86_fpn_1x_coco.py',
    'eca': 'configs/eca/faster-rcnn_sda-eca-r86_fpn_1x_coco.py',
    'gcnet': 'configs/gcnet/faster-rcnn_sda-gc-r86_fpn_1x_coco.py',
    'epsanet': 'configs/epsanet/faster-rcnn_sda-epsanet86_fpn_1x_coco.py',
    'res2net': 'configs/res2net/faster-rcnn_sda-res2net86_fpn_1x_coco.py',
    'pyconv': 'configs/pyconv/faster-rcnn_sda-pyconv86_fpn_1x_coco.py',
    'sknet': 'configs/sknet/faster-rcnn_sknet50_fpn_1x_coco.py',
    'sanet': 'configs/sanet/faster-rcnn_sanet50_fpn_1x_coco.py',
    'dcanet': 'configs/dcanet/retinanet_dca-gc-r50_fpn_1x_coco.py',
    'resnest': 'configs/resnest/faster-rcnn_resnest50_fpn_1x_coco.py',
}
#: BN in training mode everywhere (the COCO configs freeze stage 1 and keep BN in eval mode)
TRAIN_MODE_BN = dict(frozen_stages=-1, norm_eval=False)


def build_for_training(path, **backbone):
    """The model of a config as the Runner builds it (with the top-level data preprocessor, SyncBN
    reverted to BN in one process), without pretrained weights."""
    cfg = Config.fromfile(os.path.join(REPO, path))
    cfg.model.backbone.update(backbone)
    cfg.model.backbone.pop('init_cfg', None)
    if cfg.get('data_preprocessor') is not None:
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    init_default_scope(cfg.default_scope)
    registry = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    return revert_sync_batchnorm(registry.build(cfg.model)), cfg


def one_training_step(model, data):
    """One ``train_step`` with SGD; returns the log vars and how many parameter tensors changed."""
    torch.manual_seed(0)
    params = [p for p in model.parameters() if p.requires_grad]
    before = [p.detach().clone() for p in params]
    model.train()
    log_vars = model.train_step(data, OptimWrapper(torch.optim.SGD(params, lr=0.01)))
    changed = sum(not torch.equal(p, b) for p, b in zip(params, before))
    return log_vars, changed


def bn_in_training_mode(model):
    from torch.nn.modules.batchnorm import _BatchNorm
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.training]


@pytest.mark.parametrize('path', CLASSIFIERS, ids=lambda p: os.path.relpath(p, REPO))
def test_classifier_trains_one_step_at_batch_size_1(path):
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    model, cfg = build_for_training(path)
    assert cfg.default_scope == 'mmpretrain'
    image = torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)
    data = dict(inputs=[image], data_samples=[DataSample().set_gt_label(1)])
    log_vars, changed = one_training_step(model, data)
    assert torch.isfinite(log_vars['loss']), log_vars
    assert changed > 0  # zero-initialised gates (GC, SA, DCA) leave some tensors unchanged in step 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert bn_in_training_mode(model)


def detector_batch(path, size=128):
    """One image with two boxes (and masks for Mask R-CNN); labels valid for the 5-class demo too."""
    sample = detection_sample(path, size, labels=(1, 3))
    return dict(inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)], data_samples=[sample])


@pytest.mark.parametrize('family', [pytest.param(f, marks=() if f == 'demo' else pytest.mark.slow)
                                    for f in sorted(DETECTORS)])
def test_detector_trains_one_step_at_batch_size_1(family):
    path = DETECTORS[family]
    overrides = dict(TRAIN_MODE_BN)
    if family == 'resnest':
        # mmdet's ResNeSt recipe uses SyncBN, which MMEngine turns into BN in one process: the
        # documented single-process setting for one image per GPU
        overrides['norm_cfg'] = dict(type='mmsda.FallbackBN2d', requires_grad=True)
    torch.manual_seed(0)
    model, cfg = build_for_training(path, **overrides)
    assert cfg.default_scope == 'mmdet'
    log_vars, changed = one_training_step(model, detector_batch(path))
    assert torch.isfinite(log_vars['loss']), log_vars
    assert changed > 0 and all(torch.isfinite(p).all() for p in model.parameters())
    assert bn_in_training_mode(model.backbone)

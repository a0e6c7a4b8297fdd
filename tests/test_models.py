"""The contract every mmsda backbone and every config keeps (as timm's ``tests/test_models.py``).

Parametrised over every registered backbone (:data:`BACKBONES`, one entry per preset), both scopes that
build them, every config of ``configs/`` and one detector per family. What is specific to a family
(reference comparisons with timm or the papers, converters, numbers) stays in its own test file.
"""
import os

import pytest
import torch
from mmengine.config import Config
from torch.nn.modules.batchnorm import _BatchNorm

from _config_helpers import REPO, build_from_config, build_in_scope, config_files, output_shapes
from _detector_helpers import assert_losses_finite, detector_loss_and_predict
from mmsda.models.backbones import ResNetPreset
from mmsda.registry import MODELS

# name → (config of a small instance, arguments the family rejects: (kwargs, error, fragment)).
# ResNet-50 layouts with SDA fusion (the larger code path); the stage shapes of every one are those of
# RESNET_SHAPES_64.
_LIGHT_ATTENTION_BAD = [
    (dict(attention_cfg=dict(type='SELayer')), ValueError, 'attention_cfg'),
    (dict(attention_cfg=[1]), TypeError, 'attention_cfg'),
    (dict(attention=dict(type='CBAM')), TypeError, 'attention'),
]
BACKBONES = {
    'AttentionResNet': (dict(type='AttentionResNet', stage_blocks=(1, 2, 1, 1), attention=dict(type='SELayer'),
                             fusion=dict(type='DepthAttentionFusion')),
                        [(dict(stage_blocks=(1, 0, 1, 1)), ValueError, 'stage_blocks'),
                         (dict(strides=(1, 2)), ValueError, 'strides'),
                         (dict(block='NoSuchBlock'), ValueError, 'NoSuchBlock'),
                         (dict(shortcut='none'), ValueError, 'shortcut')]),
    'SDAResNet': (dict(type='SDAResNet', depth=26), []),
    'SEResNet': (dict(type='SEResNet', depth=50, with_sda=True),
                 _LIGHT_ATTENTION_BAD + [(dict(attention_cfg=dict(reduction=0)), ValueError, 'reduction')]),
    'CBAMResNet': (dict(type='CBAMResNet', depth=50, with_sda=True), _LIGHT_ATTENTION_BAD),
    'ECAResNet': (dict(type='ECAResNet', depth=50, with_sda=True), _LIGHT_ATTENTION_BAD),
    'GCResNet': (dict(type='GCResNet', depth=50, with_sda=True), _LIGHT_ATTENTION_BAD),
    'SKNet': (dict(type='SKNet', depth=50, with_sda=True),
              [(dict(sk_cfg='wide'), TypeError, 'sk_cfg'),
               (dict(sk_cfg=dict(num_branches=1)), ValueError, 'num_branches'),
               (dict(sk_cfg=dict(reduction=0)), ValueError, 'reduction')]),
    'SANet': (dict(type='SANet', depth=50, with_sda=True), [(dict(sa_groups=48), ValueError, 'in_channels')]),
    'DCAResNet-se': (dict(type='DCAResNet', attention_type='se', with_sda=True),
                     [(dict(attention_type='eca'), ValueError, 'attention_type'),
                      (dict(attention_cfg=16), TypeError, 'attention_cfg')]),
    'DCAResNet-cbam': (dict(type='DCAResNet', attention_type='cbam', with_sda=True), []),
    'DCAResNet-gc': (dict(type='DCAResNet', attention_type='gc', with_sda=True), []),
    'EPSANet': (dict(type='EPSANet', depth=50, with_sda=True), [(dict(psa_cfg='pyramid'), TypeError, 'psa_cfg')]),
    'Res2Net': (dict(type='Res2Net', depth=50, with_sda=True), [(dict(scales=1), ValueError, 'scales')]),
    'PyConvResNet': (dict(type='PyConvResNet', depth=50, with_sda=True),
                     [(dict(depth=26), ValueError, 'depth'),
                      (dict(strides=(1, 2, 2, 2)), ValueError, 'strides must start with 2'),
                      (dict(shortcut='conv'), TypeError, 'shortcut')]),
}
#: Arguments every backbone rejects, and those every preset (a named depth) rejects.
COMMON_BAD_ARGUMENTS = [
    (dict(out_indices=(4,)), ValueError, 'out_indices'),
    (dict(out_indices=(-1,)), ValueError, 'out_indices'),
    (dict(frozen_stages=5), ValueError, 'frozen_stages'),
    (dict(frozen_stages=-2), ValueError, 'frozen_stages'),
    (dict(style='tf'), ValueError, 'style'),
    (dict(norm_cfg=dict(type='GN')), ValueError, 'num_groups'),
]
PRESET_BAD_ARGUMENTS = [
    (dict(depth=34), ValueError, 'depth'),
    (dict(reduction=0), ValueError, 'reduction'),
    (dict(stage_blocks=(1, 1, 1, 1)), TypeError, 'stage_blocks'),
]
#: Output shapes of the four stages on a 64×64 image (ResNet-50 widths, strides 4 to 32).
RESNET_SHAPES_64 = [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
#: Each scope builds with other out_indices: all four stages, and a subset out of order of nothing.
SCOPES = {'mmdet': (0, 1, 2, 3), 'mmpretrain': (1, 3)}


def backbone_class(name):
    return MODELS.get(BACKBONES[name][0]['type'])


def build_backbone(name, **kwargs):
    cfg = dict(BACKBONES[name][0], **kwargs)
    return backbone_class(name)(**{k: v for k, v in cfg.items() if k != 'type'})


@pytest.mark.parametrize('scope', SCOPES)
@pytest.mark.parametrize('name', BACKBONES)
def test_backbone_builds_from_both_scopes_with_the_stage_shapes(name, scope):
    cfg, _ = BACKBONES[name]
    out_indices = SCOPES[scope]
    model = build_in_scope(scope, **dict(cfg, type=f'mmsda.{cfg["type"]}', out_indices=out_indices))
    assert type(model) is backbone_class(name), 'the mmsda class, whatever the scope'
    for key in ('depth', 'with_sda', 'attention_type'):
        if key in cfg:
            assert getattr(model, key) == cfg[key], key
    layers = [getattr(model, layer) for layer in model.res_layers]
    # the SDA presets fuse every stage over all its blocks
    assert [layer.fusion.num_blocks for layer in layers] == list(model.stage_blocks)
    assert output_shapes(model) == [RESNET_SHAPES_64[i] for i in out_indices]


@pytest.mark.parametrize('name', BACKBONES)
def test_frozen_stages_and_norm_eval(name):
    # frozen_stages=1: the stem and stage 1 (with its attentions and fusion) freeze, in eval mode;
    # norm_eval=True: every BatchNorm stays in eval mode, the other parameters still train.
    model = build_backbone(name, frozen_stages=1, norm_eval=True).train()
    frozen, trained = (model.conv1, model.norm1, model.layer1), (model.layer2, model.layer3, model.layer4)
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert not any(m.training for f in frozen for m in f.modules())
    assert all(p.requires_grad for m in trained for p in m.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, _BatchNorm))
    assert all(m.training for m in model.layer2.modules() if not isinstance(m, _BatchNorm))


@pytest.mark.parametrize('name', BACKBONES)
def test_bad_arguments_raise_clear_errors(name):
    cases = COMMON_BAD_ARGUMENTS + BACKBONES[name][1]
    if issubclass(backbone_class(name), ResNetPreset):
        cases += PRESET_BAD_ARGUMENTS
    for kwargs, error, fragment in cases:
        with pytest.raises(error, match=fragment):
            build_backbone(name, **kwargs)


def _model_type(path, scope):
    """The model class a config's file name promises."""
    prefix = os.path.basename(path).split('_')[0]
    detectors = {'faster-rcnn': 'FasterRCNN', 'mask-rcnn': 'MaskRCNN', 'retinanet': 'RetinaNet',
                 'cascade-rcnn': 'CascadeRCNN'}
    return detectors.get(prefix) or {'mmpretrain': 'ImageClassifier', 'mmseg': 'EncoderDecoder'}[scope]


@pytest.mark.parametrize('path', config_files(), ids=lambda p: os.path.relpath(p, f'{REPO}/configs'))
def test_every_config_builds_from_its_default_scope(path):
    # Building is what is tested: mmsda backbones build on the meta device (no weights are made);
    # upstream ones may compute on their weights while building (mmpretrain's ResNeSt calls .item()).
    upstream = not Config.fromfile(path).model.backbone.type.startswith('mmsda.')
    with torch.device('cpu' if upstream else 'meta'):
        model, cfg = build_from_config(path)
    assert type(model).__name__ == _model_type(path, cfg.default_scope)
    backbone, backbone_cfg = model.backbone, cfg.model.backbone
    scope, _, name = backbone_cfg.type.rpartition('.')
    assert type(backbone).__name__ == name
    assert type(backbone).__module__.split('.')[0] == (scope or cfg.default_scope), 'built from the named scope'
    if hasattr(backbone, 'with_sda'):
        assert backbone.with_sda == ('sda' in os.path.basename(path)), 'SDA iff the file name says so'
    for key in ('depth', 'attention_type'):
        if key in backbone_cfg:
            assert getattr(backbone, key) == backbone_cfg[key], key


# One detector per family: the config, and backbone overrides (depth 50 keeps the CPU time short; the
# -86 configs themselves are built above).
DETECTORS = {
    'sda': ('sda/mask-rcnn_sda-r86_fpn_1x_coco.py', dict(depth=50)),
    'senet': ('senet/mask-rcnn_sda-se-r86_fpn_1x_coco.py', dict(depth=50)),
    'cbam': ('cbam/faster-rcnn_sda-cbam-r86_fpn_1x_coco.py', dict(depth=50)),
    'eca': ('eca/faster-rcnn_eca-r86_fpn_1x_coco.py', dict(depth=50)),
    'gcnet': ('gcnet/faster-rcnn_sda-gc-r86_fpn_1x_coco.py', dict(depth=50)),
    'sknet': ('sknet/faster-rcnn_sknet50_fpn_1x_coco.py', {}),
    'sanet': ('sanet/mask-rcnn_sanet50_fpn_1x_coco.py', {}),
    'dcanet': ('dcanet/retinanet_dca-se-r50_fpn_1x_coco.py', {}),
    'epsanet': ('epsanet/faster-rcnn_sda-epsanet86_fpn_1x_coco.py', dict(depth=50)),
    'res2net': ('res2net/mask-rcnn_sda-res2net86_fpn_1x_coco.py', dict(depth=50)),
    'pyconv': ('pyconv/faster-rcnn_sda-pyconv86_fpn_1x_coco.py', dict(depth=50)),
    'resnest': ('resnest/faster-rcnn_resnest50_fpn_1x_coco.py', {}),
}


@pytest.mark.parametrize('family', DETECTORS)
def test_detector_trains_and_predicts(family):
    path, backbone = DETECTORS[family]
    losses, predictions, model = detector_loss_and_predict(f'configs/{path}', **backbone)
    assert_losses_finite(losses)
    instances = predictions[0].pred_instances
    assert len(predictions) == 1 and 'bboxes' in instances
    if 'mask' in path:
        assert 'loss_mask' in losses and 'masks' in instances
    # frozen_stages=1 of the detector configs: stage 1 (its attentions and fusion too) gets no gradient
    assert model.backbone.frozen_stages == 1
    assert all(p.grad is None for p in model.backbone.layer1.parameters())
    assert any(p.grad is not None for p in model.backbone.layer2.parameters())

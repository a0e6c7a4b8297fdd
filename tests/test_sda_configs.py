"""configs/sda: every config builds; the paper's numbers; detectors train and predict on CPU."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from _metafiles import metadata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'sda', '*.py')))


def build_model(path, **backbone):
    cfg = Config.fromfile(path)
    cfg.model.backbone.pop('init_cfg', None)  # pretrained files are not part of the repository
    cfg.model.backbone.update(backbone)
    init_default_scope(cfg.default_scope)
    registry = __import__(f'{cfg.default_scope}.registry', fromlist=['MODELS']).MODELS
    return registry.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=os.path.basename)
def test_config_builds_from_its_scope(path):
    model = build_model(path)
    assert type(model.backbone).__name__ == 'SDAResNet'


def test_sda_resnet86_params_match_paper():
    # the metafile's exact count (test_model_zoo.py checks it against the model): the official code's
    params = metadata('sda/sda-resnet86_8xb32_in1k.py')['Parameters']
    assert params == 27_219_880, 'the official SDA-ResNet-86 (QingbeiGuo/SDA-xNet, resnet_at.py)'
    assert abs(params / 1e6 - 27.22) / 27.22 < 0.005, 'paper: 27.22 M'


def test_sda_resnet86_flops_match_paper():
    macs = metadata('sda/sda-resnet86_8xb32_in1k.py')['FLOPs'] / 1e9
    assert abs(macs - 3.88) / 3.88 < 0.005, f'paper: 3.88 GFLOPs (multiply-adds), measured {macs:.3f}'


@pytest.mark.parametrize('name', ['faster-rcnn_sda-r86_fpn_1x_coco.py', 'mask-rcnn_sda-r86_fpn_1x_coco.py'])
def test_detector_loss_backward_and_predict_on_cpu(name):
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    model = build_model(os.path.join(REPO, 'configs/sda', name))
    model.init_weights()
    packed = demo_mm_inputs(2, [[3, 128, 160], [3, 160, 128]], num_items=[2, 3], num_classes=80,
                            with_mask='mask' in name)
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total, _ = model.parse_losses(losses)
    total.backward()
    assert torch.isfinite(total)
    frozen = model.backbone.layer1.fusion.excite.weight  # frozen_stages=1 covers stage 1's attention
    assert frozen.grad is None and model.backbone.layer2.fusion.excite.weight.grad is not None
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(packed, False)
        results = model.predict(data['inputs'], data['data_samples'])
    assert len(results) == 2 and 'bboxes' in results[0].pred_instances
    if 'mask' in name:
        assert 'masks' in results[0].pred_instances

"""ResNeSt: configs only, reusing mmpretrain's and mmdet's ResNeSt by their cross-scope names."""
import pytest
import torch

from _metafiles import metadata
from _model_zoo_helpers import build_from_config, config_files, detector_loss_and_predict

CONFIGS = config_files('resnest')


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.split('/')[-1])
def test_every_config_builds_the_upstream_resnest_of_its_scope(path):
    model, cfg = build_from_config(path)
    scope = cfg.default_scope
    assert cfg.model.backbone.type == f'{scope}.ResNeSt', 'named by its cross-scope type'
    assert type(model.backbone).__module__.startswith(f'{scope}.models.backbones')
    assert type(model.backbone).__name__ == 'ResNeSt'


def test_resnest50_params_match_the_paper():
    # the metafile's exact count (test_model_zoo.py checks it against the model) vs the paper's 27.5 M
    params = metadata('resnest/resnest50_32xb64_in1k.py')['Parameters']
    assert abs(params / 27.5e6 - 1) < 0.005, 'paper: 27.5 M'


def test_split_attention_is_radix_2_with_the_deep_stem():
    model, _ = build_from_config('configs/resnest/resnest50_32xb64_in1k.py')
    backbone = model.backbone
    assert backbone.layer1[0].conv2.radix == 2
    assert backbone.deep_stem and backbone.avg_down


def test_faster_rcnn_trains_and_predicts():
    losses, predictions = detector_loss_and_predict('configs/resnest/faster-rcnn_resnest50_fpn_1x_coco.py')
    assert all(torch.isfinite(torch.as_tensor(sum(v) if isinstance(v, list) else v)).all() for v in losses.values())
    assert len(predictions) == 1 and 'bboxes' in predictions[0].pred_instances

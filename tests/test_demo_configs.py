"""The CPU demo configs build, train one step and predict (the full runs are in test_tools_e2e)."""
import os

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')
DEMO_16E = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes-16e.py')


def test_demo_mask_rcnn_trains_a_step_and_predicts():
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    cfg = Config.fromfile(DEMO)
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert type(model.backbone).__name__ == 'SDAResNet'
    assert model.roi_head.bbox_roi_extractor.finest_scale == 28
    packed = demo_mm_inputs(2, [[3, 128, 128], [3, 128, 96]], num_items=[2, 3], num_classes=5,
                            with_mask=True)
    model.train()
    data = model.data_preprocessor(packed, True)
    total, _ = model.parse_losses(model.loss(data['inputs'], data['data_samples']))
    total.backward()
    assert torch.isfinite(total)
    assert model.neck.fpn_convs[0].gn.weight.grad is not None  # GroupNorm in the FPN learns
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(packed, False)
        results = model.predict(data['inputs'], data['data_samples'])
    assert 'masks' in results[0].pred_instances


def test_16_epoch_config_is_the_demo_with_a_longer_schedule():
    demo, long = Config.fromfile(DEMO), Config.fromfile(DEMO_16E)
    assert long.model == demo.model
    assert long.train_dataloader == demo.train_dataloader
    assert long.train_cfg.max_epochs == 16 and long.train_cfg.val_interval == 2
    cosine = long.param_scheduler[-1]
    assert cosine.type == 'CosineAnnealingLR' and cosine.T_max == cosine.end == 16

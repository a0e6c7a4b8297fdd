"""The semantic-segmentation demo config (mmseg scope): it builds, trains one step, and the tools serve
it (``tools/train.py``, ``tools/test.py`` with mIoU and ``--show-dir``, ``vis_depth_attention.py``).
The end-to-end tests at the bottom are slow."""
import json
import os
import os.path as osp
import re
import sys

import pytest
import torch

pytest.importorskip('mmseg')

from _tool_helpers import import_tool  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEG_DEMO = osp.join(REPO, 'configs', 'demo', 'fpn_sda-r26-tiny_1xb8-2k_shapes-seg-96x96.py')


def tiny_seg_config(tmp_path, max_iters=4, num_train=8, num_val=3):
    """The segmentation demo on a tiny split in ``tmp_path`` (generated on use), validated at the end."""
    data_root = str(tmp_path / 'shapes_seg')
    path = tmp_path / 'tiny_seg.py'
    path.write_text(f'''
_base_ = {SEG_DEMO!r}
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(loader, batch_size=2, dataset=dict(data_root={data_root!r},
                        generate=dict(num_images={num_train}, img_size=64)))
val_dataloader = dict(loader, batch_size=2, dataset=dict(data_root={data_root!r},
                      generate=dict(num_images={num_val}, img_size=64)))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(size=(64, 64)))
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end={max_iters})]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval={max_iters}))
''')
    return str(path)


@pytest.fixture(scope='module')
def runner_utils():
    sys.path.insert(0, osp.join(REPO, 'tools'))
    yield import_tool('_runner_utils.py')
    sys.path.remove(osp.join(REPO, 'tools'))


def test_demo_config_is_an_mmseg_config_with_an_sda_backbone(runner_utils):
    cfg = runner_utils.load_config(SEG_DEMO)
    assert cfg.default_scope == 'mmseg'
    assert cfg.model.type == 'EncoderDecoder' and cfg.model.decode_head.type == 'FPNHead'
    assert cfg.model.backbone.type == 'mmsda.SDAResNet' and cfg.model.decode_head.num_classes == 6
    assert cfg.train_dataloader.dataset.generate.seed != cfg.val_dataloader.dataset.generate.seed
    assert 'mmsda.ResumableRandomnessHook' in [h['type'] for h in cfg.custom_hooks]


def test_runner_utils_refuse_an_unknown_scope(tmp_path, runner_utils):
    path = tmp_path / 'other.py'
    path.write_text("default_scope = 'mmocr'\n")
    with pytest.raises(SystemExit, match=r"expected one of \('mmdet', 'mmpretrain', 'mmseg'\)"):
        runner_utils.load_config(str(path))


def test_demo_model_builds_and_trains_one_step(tmp_path, runner_utils):
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS, MODELS

    cfg = runner_utils.load_config(tiny_seg_config(tmp_path))
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'SDAResNet'
    assert [m for m in model.modules() if type(m).__name__ == 'DepthAttentionFusion']
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), True)
    assert tuple(data['inputs'].shape) == (2, 3, 64, 64)
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    assert torch.isfinite(losses['decode.loss_ce']) and losses['decode.loss_ce'] > 0
    losses['decode.loss_ce'].backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(pseudo_collate([dataset[0]]), False), mode='predict')
    assert tuple(preds[0].pred_sem_seg.data.shape) == (1, 64, 64)
    assert int(preds[0].pred_sem_seg.data.max()) < 6


def test_show_dir_switches_to_the_hook_that_writes_every_test_image(runner_utils):
    test_tool = import_tool('test.py')
    cfg = runner_utils.load_config(SEG_DEMO)
    args = test_tool.parse_args([SEG_DEMO, 'ckpt.pth', '--show-dir', 'vis'])
    test_tool.enable_visualization(cfg, args)
    hook = cfg.default_hooks.visualization
    assert hook['type'] == 'mmsda.SegVisualizationHook' and hook['draw'] and hook['test_out_dir'] == 'vis'
    from mmengine.registry import HOOKS, init_default_scope
    init_default_scope('mmseg')
    from mmseg.engine.hooks import SegVisualizationHook
    from mmseg.visualization import SegLocalVisualizer
    SegLocalVisualizer.get_instance('test_show_dir')  # the hook draws with the current visualizer
    built = HOOKS.build(dict(hook))
    assert isinstance(built, SegVisualizationHook) and built.test_out_dir == 'vis'
    with pytest.raises(TypeError, match='test_out_dir must be a str'):
        HOOKS.build(dict(hook, test_out_dir=3))


def test_check_config_runs_the_segmentor_and_names_a_neck_that_does_not_fit(capsys):
    tool = import_tool('misc/check_config.py')
    assert tool.main([SEG_DEMO, '--shape', '64']) == 0
    out = capsys.readouterr().out
    assert 'EncoderDecoder on a 64x64 input' in out and 'model outputs: 1x6x16x16' in out
    assert tool.main([SEG_DEMO, '--shape', '64', '--cfg-options', 'model.backbone.base_channels=32']) == 1
    assert 'model.neck (FPN): in_channels=[64, 128, 256, 512] do not match' in capsys.readouterr().out


# ---- end to end (slow) -------------------------------------------------------------------------------

@pytest.mark.slow
def test_train_test_show_dir_and_depth_attention_on_a_tiny_split(tmp_path):
    from test_tools_e2e import run
    cfg = tiny_seg_config(tmp_path)
    work_dir = tmp_path / 'work'
    out = run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)])
    assert re.search(r'Iter\(val\) \[2/2\].*mIoU: [\d.]+', out), out[-3000:]
    ckpt = work_dir / 'iter_4.pth'
    assert ckpt.is_file()

    out = run([sys.executable, 'tools/test.py', cfg, str(ckpt), '--work-dir', str(work_dir),
               '--show-dir', 'vis'])
    miou = re.search(r'Iter\(test\) \[2/2\].*mIoU: ([\d.]+)', out)
    assert miou and 0 <= float(miou.group(1)) <= 100, out[-3000:]
    for name in ('background', 'circle', 'cross'):  # the per-class IoU table
        assert re.search(rf'\|\s+{name}\s+\|\s+(nan|[\d.]+)\s+\|', out), f'no IoU row for {name}'
    drawn = sorted(str(p.relative_to(work_dir)).split(os.sep, 1)[1] for p in work_dir.glob('*/vis/*.png'))
    assert drawn == ['vis/000000.png', 'vis/000001.png', 'vis/000002.png']
    from PIL import Image
    with Image.open(next(work_dir.glob('*/vis/000000.png'))) as picture:
        assert picture.size == (128, 64)  # ground truth | prediction

    run([sys.executable, 'tools/analysis_tools/vis_depth_attention.py', cfg, str(ckpt), '--num', '0',
         '--out-dir', str(tmp_path / 'attention')])
    with open(tmp_path / 'attention' / 'depth_attention.json') as f:
        report = json.load(f)
    assert report['num_images'] == 3
    assert [s['label'] for s in report['stages']] == ['layer1', 'layer2', 'layer3', 'layer4']
    for stage in report['stages']:
        assert sum(report['mean'][stage['name']]) == pytest.approx(1.0, abs=1e-5)
    assert report['by_size']['kind'] == 'mask_area'
    assert sum(b['weight'] for b in report['by_size']['bins'].values()) == pytest.approx(3)

"""The main demo's pipeline: classifier pretraining -> Mask R-CNN fine-tuning -> evaluation, pictures.

The end-to-end test runs ``tools/run_demo.py`` (which runs ``tools/train.py`` twice, ``tools/test.py``
and ``tools/analysis_tools/plot_curves.py``) on tiny generated splits and configs that inherit the
demo configs, and checks what a user relies on: the detector's backbone starts from the classifier's
``backbone.*`` tensors, every val image gets a picture, the curves are drawn from the real logs, a
second run reuses the finished steps.
"""
import glob
import json
import os
import re
import subprocess
import sys

import pytest
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLS_DEMO = os.path.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
DET_DEMO = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py')
sys.path.insert(0, os.path.join(REPO, 'tools', 'analysis_tools'))

import plot_curves  # noqa: E402


def write_scalars(path, entries):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.writelines(json.dumps(e) + '\n' for e in entries)


def test_plot_curves_places_val_points_at_the_end_of_their_epoch(tmp_path):
    # MMEngine's layout: training entries every `interval` iterations and at the end of an epoch,
    # validation entries with step = epoch; a resumed run writes a second timestamped directory.
    first = [dict(loss=2.0, lr=0.1, epoch=1, iter=5, step=5), dict(loss=1.5, epoch=1, iter=8, step=8),
             {'coco/bbox_mAP': 0.1, 'step': 1}]
    second = [dict(loss=1.0, epoch=2, iter=13, step=13), dict(loss=0.8, epoch=2, iter=16, step=16),
              {'coco/bbox_mAP': 0.3, 'step': 2}]
    write_scalars(str(tmp_path / '20260101_000000' / 'vis_data' / 'scalars.json'), first)
    write_scalars(str(tmp_path / '20260101_010000' / 'vis_data' / 'scalars.json'), second)
    train, val = plot_curves.read_scalars(plot_curves.find_scalar_files(str(tmp_path)))
    series = plot_curves.collect_series(train, val, ['loss', 'coco/bbox_mAP'])
    assert series['loss'] == ([5, 8, 13, 16], [2.0, 1.5, 1.0, 0.8])
    assert series['coco/bbox_mAP'] == ([8, 16], [0.1, 0.3])
    assert plot_curves.default_keys(train, val) == ['loss', 'coco/bbox_mAP']


def test_plot_curves_names_missing_keys_and_bad_lines(tmp_path):
    scalars = str(tmp_path / 'run' / 'vis_data' / 'scalars.json')
    write_scalars(scalars, [dict(loss=1.0, iter=1, step=1)])
    with pytest.raises(SystemExit, match=r"no values for \['accuracy/top1'\].*the log has: \['loss'\]"):
        plot_curves.main([str(tmp_path), '--keys', 'accuracy/top1', '--out', str(tmp_path / 'c.png')])
    with open(scalars, 'a') as f:
        f.write('not json\n')
    with pytest.raises(SystemExit, match=r'scalars.json, line 2: not JSON'):
        plot_curves.main([str(tmp_path), '--out', str(tmp_path / 'c.png')])
    with pytest.raises(SystemExit, match='no such work dir'):
        plot_curves.main([str(tmp_path / 'missing')])


def tiny_configs(tmp_path):
    """Configs inheriting the demo configs, on tiny splits, one short epoch each."""
    cls_root, det_root = str(tmp_path / 'shapes_cls'), str(tmp_path / 'shapes') + '/'
    cls_work, det_work = str(tmp_path / 'cls_work'), str(tmp_path / 'det_work')
    cls_cfg, det_cfg = tmp_path / 'tiny_cls.py', tmp_path / 'tiny_det.py'
    cls_cfg.write_text(f'''
_base_ = {CLS_DEMO!r}
work_dir = {cls_work!r}
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={cls_root!r}, generate=dict(num_per_class=2)))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={cls_root!r}, generate=dict(num_per_class=1)))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=1)]
default_hooks = dict(logger=dict(interval=1))
''')
    det_cfg.write_text(f'''
_base_ = {DET_DEMO!r}
work_dir = {det_work!r}
data_root = {det_root!r}
model = dict(backbone=dict(init_cfg=dict(checkpoint={cls_work + '/epoch_1.pth'!r})),
             test_cfg=dict(rcnn=dict(score_thr=0.0)))  # a 2-iteration detector still predicts
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, generate=dict(num_images=4, img_size=128)))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, generate=dict(num_images=3, img_size=128)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=1)]
default_hooks = dict(logger=dict(interval=1))
''')
    return str(cls_cfg), str(det_cfg), cls_work, det_work


def run_demo(cls_cfg, det_cfg):
    cmd = [sys.executable, 'tools/run_demo.py', '--cls-config', cls_cfg, '--det-config', det_cfg]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f'{result.stdout[-5000:]}\n{result.stderr[-3000:]}'
    return result.stdout


def backbone_tensors(path):
    import mmsda  # noqa: F401  (allow-lists mmengine's checkpoint contents for weights_only loading)
    state = torch.load(path, map_location='cpu', weights_only=True)['state_dict']
    return {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}


@pytest.mark.slow
def test_demo_pipeline_fine_tunes_the_detector_from_the_classifier(tmp_path):
    cls_cfg, det_cfg, cls_work, det_work = tiny_configs(tmp_path)
    out = run_demo(cls_cfg, det_cfg)

    # every step printed its plain command, the test step the COCO metrics with AP_S/M/L
    for step in ('classifier', 'detector', 'test', 'curves'):
        assert f'[demo: {step}] $ ' in out, step
    for kind in ('bbox', 'segm'):
        assert re.search(rf'{kind} mAP -?[\d.]+  AP50 -?[\d.]+  AP_S/M/L -?[\d.]+ / -?[\d.]+ / -?[\d.]+',
                         out), out[-2000:]

    # the detector as built from its config starts from the classifier's backbone, tensor for tensor
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmdet.registry import MODELS
    cfg = Config.fromfile(det_cfg)
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = MODELS.build(cfg.model)
    detector.init_weights()
    pretrained = backbone_tensors(os.path.join(cls_work, 'epoch_1.pth'))
    initial = detector.backbone.state_dict()
    assert sorted(initial) == sorted(pretrained)
    for key, value in initial.items():
        assert torch.equal(value, pretrained[key]), key

    # after fine-tuning, the frozen stem and stages are still the classifier's, later stages moved
    frozen = cfg.model.backbone.frozen_stages
    assert frozen >= 1
    trained = backbone_tensors(os.path.join(det_work, 'epoch_1.pth'))
    assert torch.equal(trained['conv1.weight'], pretrained['conv1.weight'])
    for stage in range(1, frozen + 1):
        assert all(torch.equal(v, pretrained[k]) for k, v in trained.items() if k.startswith(f'layer{stage}.'))
    assert any(not torch.equal(v, pretrained[k]) for k, v in trained.items() if k.startswith('layer4.'))

    # --show-dir: one picture per val image; curves of both runs from their real scalars.json
    pictures = glob.glob(os.path.join(det_work, '*', 'demo_vis', '*.png'))
    assert len(pictures) == 3, pictures
    for work in (cls_work, det_work):
        assert os.path.getsize(os.path.join(work, 'curves.png')) > 5000
    assert re.search(r'accuracy/top1: \d+: [\d.]+', out) and re.search(r'coco/bbox_mAP: \d+: ', out)

    # a second run reuses both trained models and evaluates again
    again = run_demo(cls_cfg, det_cfg)
    assert 'classifier] reusing' in again and 'detector] reusing' in again
    assert '[demo: test] $ ' in again


def test_demo_detector_config_loads_the_classifier_checkpoint_the_classifier_config_writes():
    from mmengine.config import Config
    cls_cfg, det_cfg = Config.fromfile(CLS_DEMO), Config.fromfile(DET_DEMO)
    expected = f'work_dirs/sda-resnet26-tiny_1xb32_shapes-cls/epoch_{cls_cfg.train_cfg.max_epochs}.pth'
    init_cfg = det_cfg.model.backbone.init_cfg
    assert init_cfg == dict(type='Pretrained', checkpoint=expected, prefix='backbone.')
    # the classifier's backbone is the detector's (same architecture, so every tensor is used)
    for key in ('type', 'depth', 'stem_channels', 'base_channels', 'min_channels', 'groups'):
        assert cls_cfg.model.backbone.get(key, 8 if key == 'groups' else None) == \
            det_cfg.model.backbone.get(key, 8 if key == 'groups' else None), key


def test_benchmark_train_iter_times_both_demo_detectors(tmp_path, capsys):
    import benchmark_train_iter
    root = str(tmp_path / 'shapes') + '/'
    scratch = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')
    benchmark_train_iter.main([
        scratch, DET_DEMO, '--rounds', '1', '--batch-size', '2', '--threads', '1', '--no-pretrained',
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.dataset.generate.num_images=2', 'train_dataloader.dataset.generate.img_size=128'])
    lines = capsys.readouterr().out.splitlines()
    lines = lines[lines.index('2 images per iteration, 1 rounds, 1 threads'):]  # after pycocotools' lines
    assert lines[0] == '2 images per iteration, 1 rounds, 1 threads'
    assert lines[1].startswith(scratch) and lines[1].endswith('ratio to the first 1.000')
    assert lines[2].startswith(DET_DEMO) and 's/iter' in lines[2]


def test_run_demo_seed_trains_both_models_with_it_in_work_dirs_of_their_own(monkeypatch, capsys):
    """``--seed N``: every tool gets the seed and the seed's work dir, the detector the seed's classifier."""
    sys.path.insert(0, os.path.join(REPO, 'tools'))
    import run_demo
    import train as train_tool
    from _runner_utils import load_config

    commands = []
    monkeypatch.setattr(run_demo, 'run_step', lambda name, cmd, log_path=None: commands.append(cmd) or ('', 0.0))
    isfile = os.path.isfile  # nothing trained yet, whatever an earlier demo run left in work_dirs/
    monkeypatch.setattr(os.path, 'isfile', lambda path: 'work_dirs' not in str(path) and isfile(path))
    with pytest.raises(SystemExit, match='printed no value'):  # the stubbed test step printed no metrics
        run_demo.main(['--seed', '3'])
    assert 'summary (seed 3)' in capsys.readouterr().out

    cls_dir = './work_dirs/sda-resnet26-tiny_1xb32_shapes-cls-seed3'
    det_dir = './work_dirs/mask-rcnn_sda-r26-tiny_fpn_shapes-ft-seed3'
    cls_train, det_train, test, cls_curves, det_curves = commands
    assert test[1] == 'tools/test.py' and test[3] == f'{det_dir}/epoch_5.pth'
    assert cls_curves[2] == cls_dir and det_curves[2] == det_dir
    for cmd, work_dir in ((cls_train, cls_dir), (det_train, det_dir), (test, det_dir)):
        assert cmd[cmd.index('--work-dir') + 1] == work_dir
    # what tools/train.py makes of the commands: seed 3 and, for the detector, the seed's classifier
    cls_args, det_args = train_tool.parse_args(cls_train[2:]), train_tool.parse_args(det_train[2:])
    assert (cls_args.work_dir, det_args.work_dir) == (cls_dir, det_dir)
    cls_cfg = load_config(os.path.join(REPO, cls_args.config), cls_args.cfg_options)
    det_cfg = load_config(os.path.join(REPO, det_args.config), det_args.cfg_options)
    assert cls_cfg.randomness.seed == det_cfg.randomness.seed == 3
    assert det_cfg.model.backbone.init_cfg == dict(
        type='Pretrained', checkpoint=f'{cls_dir}/epoch_{cls_cfg.train_cfg.max_epochs}.pth', prefix='backbone.')


def test_run_demo_rejects_a_negative_seed(capsys):
    sys.path.insert(0, os.path.join(REPO, 'tools'))
    import run_demo
    with pytest.raises(SystemExit):
        run_demo.parse_args(['--seed', '-1'])
    assert '--seed must be >= 0, got -1' in capsys.readouterr().err

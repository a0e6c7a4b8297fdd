"""End-to-end: the depth-attention tool on real checkpoints and the scale study's smoke run (slow)."""
import csv
import json
import os
import sys

import pytest
from PIL import Image

from test_tools_e2e import CLS_DEMO, run, tiny_det_config

pytestmark = pytest.mark.slow


def tiny_cls_config(tmp_path):
    """The classification demo on 10 training images (2 iterations of batch 8, one epoch)."""
    data_root = str(tmp_path / 'shapes_cls')
    path = tmp_path / 'tiny_cls.py'
    path.write_text(f'''
_base_ = {CLS_DEMO!r}
loader = dict(batch_size=8, num_workers=0, persistent_workers=False)
train_dataloader = dict(loader, dataset=dict(data_root={data_root!r}, generate=dict(num_per_class=2)))
val_dataloader = dict(loader, dataset=dict(data_root={data_root!r}, generate=dict(num_per_class=2)))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
''')
    return str(path)


def _check_report(out_dir, num_images, stages, size_kind):
    with open(os.path.join(out_dir, 'depth_attention.json')) as f:
        report = json.load(f)
    assert report['num_images'] == num_images
    assert [s['label'] for s in report['stages']] == stages
    for stage in report['stages']:
        assert sum(report['mean'][stage['name']]) == pytest.approx(1.0, abs=1e-5)
    assert report['by_size']['kind'] == size_kind
    assert sum(b['weight'] for b in report['by_size']['bins'].values()) == pytest.approx(num_images)
    for name in ('depth_attention_heatmap.png', 'depth_attention_by_size.png'):
        assert Image.open(os.path.join(out_dir, name)).format == 'PNG'
    with open(os.path.join(out_dir, 'depth_attention.csv')) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == num_images * sum(s['num_blocks'] for s in report['stages'])
    return report


def test_vis_depth_attention_on_a_trained_classifier(tmp_path):
    cfg = tiny_cls_config(tmp_path)
    work_dir = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)])
    out = run([sys.executable, 'tools/analysis_tools/vis_depth_attention.py', cfg,
               str(work_dir / 'epoch_1.pth'), '--num', '6', '--out-dir', str(tmp_path / 'vis')])
    assert 'layer1: mean weight per block' in out
    report = _check_report(tmp_path / 'vis', 6, ['layer1', 'layer2', 'layer3', 'layer4'], 'scale')
    assert report['by_size']['scale_range'] == [0.15, 0.9]
    assert all(image['sizes'][0] >= 0.15 for image in report['images'])

    image = tmp_path / 'shapes_cls' / 'val' / 'star' / '00001.png'
    run([sys.executable, 'tools/analysis_tools/vis_depth_attention.py', cfg, str(work_dir / 'epoch_1.pth'),
         '--images', str(image), '--out-dir', str(tmp_path / 'files')])
    with open(tmp_path / 'files' / 'depth_attention.json') as f:
        single = json.load(f)
    assert single['num_images'] == 1 and single['by_size'] is None
    assert single['images'][0]['image'] == str(image)
    assert not (tmp_path / 'files' / 'depth_attention_by_size.png').exists()


def test_vis_depth_attention_on_a_trained_detector(tmp_path):
    cfg = tiny_det_config(tmp_path, max_epochs=1, num_train=2, num_val=3)
    work_dir = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)])
    run([sys.executable, 'tools/analysis_tools/vis_depth_attention.py', cfg, str(work_dir / 'epoch_1.pth'),
         '--num', '0', '--out-dir', str(tmp_path / 'vis')])
    report = _check_report(tmp_path / 'vis', 3, ['layer1', 'layer2', 'layer3', 'layer4'], 'coco_area')
    assert all(image['bins'] is not None and image['sizes'] for image in report['images'])


def test_scale_study_smoke_run(tmp_path):
    work_dir = tmp_path / 'study'
    out = run([sys.executable, 'tools/analysis_tools/scale_study.py', '--smoke', '--work-dir', str(work_dir)])
    with open(work_dir / 'runs.json') as f:
        study = json.load(f)
    runs = {r['variant']: r for r in study['runs']}
    assert sorted(runs) == ['no_sda', 'sda'] and study['scale_range'] == [0.1, 0.95]
    assert runs['sda']['params'] > runs['no_sda']['params']
    for r in runs.values():
        assert r['num_images'] == 10 == r['num_small'] + r['num_medium'] + r['num_large']
        assert r['accuracy'] == pytest.approx(r['accuracy_top1_test_py'], abs=0.01)
        assert r['train_time_s'] > 0
    with open(work_dir / 'runs.csv') as f:
        assert len(list(csv.DictReader(f))) == 2
    summary = (work_dir / 'summary.md').read_text()
    assert '| sda | 1 |' in summary and '| no_sda | 1 |' in summary
    assert Image.open(work_dir / 'scale_study.png').format == 'PNG'
    assert '| variant | seeds | acc all (%)' in out
    # a second call reuses the finished runs
    again = run([sys.executable, 'tools/analysis_tools/scale_study.py', '--smoke', '--work-dir', str(work_dir)])
    assert again.count('reusing') == 2


def test_scale_study_detection_smoke_run(tmp_path):
    work_dir = tmp_path / 'study'
    run([sys.executable, 'tools/analysis_tools/scale_study.py', '--det', '--smoke', '--work-dir', str(work_dir)])
    with open(work_dir / 'runs.json') as f:
        study = json.load(f)
    assert [(r['variant'], r['seed']) for r in study['runs']] == [('sda', 0), ('no_sda', 0)]
    for r in study['runs']:
        assert set(r) >= {'bbox_AP', 'bbox_AP_s', 'bbox_AP_m', 'bbox_AP_l', 'params', 'train_time_s'}
        assert r['bbox_AP'] is not None and 0 <= r['bbox_AP'] <= 100
    assert '| AP (%) | AP_S (%) | AP_M (%) | AP_L (%) |' in (work_dir / 'summary.md').read_text()

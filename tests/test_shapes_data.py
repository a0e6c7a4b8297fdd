"""Tests of the synthetic shapes data (generators, generate-if-missing, datasets, CLI)."""
import filecmp
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from mmsda.datasets import shapes
from mmsda.datasets.shapes import (SHAPES_CLASSES, ensure_shapes_cls, ensure_shapes_coco,
                                   generate_shapes_cls, generate_shapes_coco, size_range_counts)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# pycocotools 2.0.x with numpy 2 warns on every mask decode; the warning is not about this code.
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')


def _all_files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def _load_coco(root, split):
    return COCO(osp.join(root, 'annotations', f'instances_{split}.json'))


def test_coco_generation_is_deterministic(tmp_path):
    for name, seed in (('a', 3), ('b', 3), ('c', 4)):
        generate_shapes_coco(str(tmp_path / name), 'val', num_images=3, img_size=96, seed=seed)
    files = _all_files(tmp_path / 'a')
    assert files == ['annotations/instances_val.json', 'val/000000.png', 'val/000001.png',
                     'val/000002.png']
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'b', files, shallow=False)
    assert match == files and not mismatch and not errors
    assert not filecmp.cmp(tmp_path / 'a' / files[0], tmp_path / 'c' / files[0], shallow=False)


def test_coco_annotations_match_images_and_masks(tmp_path):
    summary = generate_shapes_coco(str(tmp_path), 'train', num_images=6, img_size=(160, 128),
                                   seed=1)
    coco = _load_coco(tmp_path, 'train')
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(SHAPES_CLASSES)
    assert summary['num_images'] == len(coco.getImgIds()) == 6
    assert summary['num_objects'] == len(coco.getAnnIds()) > 6
    kinds = set()
    for img in coco.loadImgs(coco.getImgIds()):
        assert Image.open(tmp_path / 'train' / img['file_name']).size == (160, 128)
        assert (img['width'], img['height']) == (160, 128)
        covered = np.zeros((128, 160), np.int64)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img['id'])):
            mask = coco.annToMask(ann).astype(bool)
            ys, xs = np.nonzero(mask)
            extent = [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            assert ann['bbox'] == [float(v) for v in extent]
            assert ann['area'] == mask.sum() >= shapes.MIN_VISIBLE_AREA
            assert ann['iscrowd'] == 0 and 1 <= ann['category_id'] <= len(SHAPES_CLASSES)
            covered += mask
            kinds.add(type(ann['segmentation']))
        assert covered.max() <= 1, 'visible masks of one image must not overlap'
    assert kinds == {list, dict}, 'expected polygons (unoccluded) and RLEs (occluded)'


def test_all_coco_size_ranges_are_well_represented(tmp_path):
    summary = generate_shapes_coco(str(tmp_path), 'train', num_images=40, seed=0)
    coco = _load_coco(tmp_path, 'train')
    sizes = size_range_counts(ann['area'] for ann in coco.loadAnns(coco.getAnnIds()))
    assert sizes == summary['sizes']
    assert min(sizes.values()) >= 0.2 * summary['num_objects'], sizes


def test_ensure_keeps_existing_data_and_rejects_other_params(tmp_path, monkeypatch):
    root = str(tmp_path / 'shapes')
    first = ensure_shapes_coco(root, {'train': 2, 'val': 1}, img_size=64)
    assert first['train']['num_images'] == 2 and first['val']['num_images'] == 1
    stamp = os.stat(osp.join(root, 'train', '000000.png')).st_mtime_ns

    def fail(*args, **kwargs):
        raise AssertionError('existing data must not be regenerated')

    monkeypatch.setattr(shapes.cache, 'generate_shapes_coco', fail)  # the name ensure_* calls
    assert ensure_shapes_coco(root, {'train': 2, 'val': 1}, img_size=64) == first
    assert os.stat(osp.join(root, 'train', '000000.png')).st_mtime_ns == stamp
    with pytest.raises(ValueError, match=r'seed=0 \(requested 5\)') as info:
        ensure_shapes_coco(root, {'train': 2}, img_size=64, seed=5)
    assert root in str(info.value)
    with pytest.raises(ValueError, match='num_images=2 \\(requested 3\\)'):
        ensure_shapes_coco(root, {'train': 3}, img_size=64)


def test_ensure_refuses_data_without_marker(tmp_path):
    os.makedirs(tmp_path / 'val')
    with pytest.raises(ValueError, match='no .shapes_coco_val.complete marker'):
        ensure_shapes_coco(str(tmp_path), {'val': 1}, img_size=64)


def test_ensure_removes_leftovers_of_killed_runs(tmp_path):
    os.makedirs(tmp_path / '.tmp-shapes-killed' / 'train')
    ensure_shapes_cls(str(tmp_path), {'train': 1}, img_size=32)
    assert sorted(os.listdir(tmp_path)) == ['.shapes.lock', '.shapes_cls_train.complete', 'meta',
                                            'train']
    assert sorted(os.listdir(tmp_path / 'meta')) == ['classes.txt', 'train.txt', 'train_sizes.json']


def test_concurrent_ensure_gives_one_valid_dataset(tmp_path):
    # Each worker imports the shapes package on its own (no torch/mmdet import), so both start
    # quickly; it is put in sys.modules first so that its relative imports resolve.
    script = (
        'import importlib.util, json, sys\n'
        'spec = importlib.util.spec_from_file_location("shapes", sys.argv[1])\n'
        'shapes = importlib.util.module_from_spec(spec)\n'
        'sys.modules[spec.name] = shapes\n'
        'spec.loader.exec_module(shapes)\n'
        'summary = shapes.ensure_shapes_coco(sys.argv[2], {"train": 12}, img_size=96, seed=2)\n'
        'print(json.dumps(summary, sort_keys=True))\n')
    root = str(tmp_path / 'shapes')
    workers = [subprocess.Popen([sys.executable, '-c', script, shapes.__file__, root],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]
    assert sorted(os.listdir(root)) == ['.shapes.lock', '.shapes_coco_train.complete',
                                        'annotations', 'train']
    assert len(os.listdir(osp.join(root, 'train'))) == 12
    assert len(_load_coco(root, 'train').getImgIds()) == 12
    reference = tmp_path / 'reference'
    generate_shapes_coco(str(reference), 'train', num_images=12, img_size=96, seed=2)
    files = _all_files(reference)
    assert filecmp.cmpfiles(reference, root, files, shallow=False)[0] == files


def test_cls_layout_loads_with_custom_dataset(tmp_path):
    from mmpretrain.datasets import CustomDataset
    summary = generate_shapes_cls(str(tmp_path), 'train', num_per_class=2, img_size=48, seed=0)
    assert summary == dict(num_images=10, per_class=2)
    dataset = CustomDataset(data_root=str(tmp_path), data_prefix='train', ann_file='meta/train.txt',
                            classes=str(tmp_path / 'meta' / 'classes.txt'))
    assert dataset.CLASSES == SHAPES_CLASSES and len(dataset) == 10
    assert list(dataset.get_gt_labels()) == [label for label in range(5) for _ in range(2)]
    info = dataset.get_data_info(3)
    assert info['img_path'] == osp.join(str(tmp_path), 'train', 'square', '00001.png')
    assert Image.open(info['img_path']).size == (48, 48)

    first = _all_files(tmp_path)
    generate_shapes_cls(str(tmp_path / 'again'), 'train', num_per_class=2, img_size=48, seed=0)
    assert filecmp.cmpfiles(tmp_path, tmp_path / 'again', first, shallow=False)[0] == first


def test_shapes_cls_dataset_generates_and_loads(tmp_path):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS
    cfg = dict(type='mmsda.ShapesClsDataset', data_root=str(tmp_path), ann_file='meta/val.txt',
               data_prefix='val', generate=dict(num_per_class=1, img_size=32),
               pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg)
        sample = dataset[4]
    ensure_shapes_cls(str(tmp_path), {'val': 1}, img_size=32)  # same parameters: no error
    assert dataset.metainfo['classes'] == SHAPES_CLASSES and len(dataset) == 5
    assert tuple(sample['inputs'].shape) == (3, 32, 32)
    assert sample['data_samples'].gt_label.tolist() == [4]


def test_shapes_coco_dataset_generates_and_runs_mmdet_pipeline(tmp_path):
    from mmengine.registry import DATASETS, DefaultScope
    cfg = dict(
        type='mmsda.ShapesCocoDataset', data_root=str(tmp_path),
        ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'),
        generate=dict(num_images=3, img_size=96, seed=1),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
                  dict(type='PackDetInputs')])
    with DefaultScope.overwrite_default_scope('mmdet'):
        dataset = DATASETS.build(cfg)
        samples = [dataset[i] for i in range(len(dataset))]
    assert type(dataset).__name__ == 'ShapesCocoDataset'
    assert dataset.metainfo['classes'] == SHAPES_CLASSES and len(dataset) == 3
    coco = _load_coco(tmp_path, 'val')
    for img_id, sample in zip(coco.getImgIds(), samples):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        gt = sample['data_samples'].gt_instances
        assert tuple(sample['inputs'].shape) == (3, 96, 96)
        assert len(gt) == len(anns) > 0
        assert gt.masks.areas.tolist() == [ann['area'] for ann in anns]
        expected = [[x, y, x + w, y + h] for x, y, w, h in (ann['bbox'] for ann in anns)]
        assert np.allclose(gt.bboxes.tensor.numpy(), expected)
        assert gt.labels.tolist() == [ann['category_id'] - 1 for ann in anns]


@pytest.mark.parametrize('call, name', [
    (lambda d: generate_shapes_coco(d, num_images=0), 'num_images'),
    (lambda d: generate_shapes_coco(d, img_size=(16, 256)), 'img_size'),
    (lambda d: generate_shapes_coco(d, img_size='large'), 'img_size'),
    (lambda d: generate_shapes_coco(d, seed=-1), 'seed'),
    (lambda d: generate_shapes_coco(d, max_objects=0), 'max_objects'),
    (lambda d: generate_shapes_coco(d, min_visible=1.5), 'min_visible'),
    (lambda d: generate_shapes_coco(d, split='../train'), 'split'),
    (lambda d: generate_shapes_cls(d, num_per_class=0), 'num_per_class'),
    (lambda d: generate_shapes_cls(d, img_size=8), 'img_size'),
    (lambda d: generate_shapes_cls(d, split='classes'), 'split'),
    (lambda d: generate_shapes_cls(d, scale_range=(0.5, 0.2)), 'scale_range'),
    (lambda d: generate_shapes_cls(d, scale_range=(0.0, 0.5)), 'scale_range'),
    (lambda d: generate_shapes_cls(d, scale_range=(0.5, 1.2)), 'scale_range'),
    (lambda d: generate_shapes_cls(d, scale_range=0.5), 'scale_range'),
    (lambda d: ensure_shapes_coco(d, {'train': 2.5}), 'num_images'),
    (lambda d: ensure_shapes_cls(d, {'train': -1}), 'num_per_class'),
    (lambda d: shapes.split_from_ann_file(osp.join(d, 'train.json'), 'det'), 'ann_file'),
])
def test_bad_arguments_name_the_argument(tmp_path, call, name):
    with pytest.raises(ValueError, match=name):
        call(str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_cli_reports_sizes(tmp_path, capsys):
    sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
    try:
        import generate_shapes
    finally:
        sys.path.pop(0)
    out = str(tmp_path / 'shapes')
    generate_shapes.main(['--out', out, '--num-train', '4', '--num-val', '2', '--img-size', '96'])
    printed = capsys.readouterr().out
    with open(osp.join(out, '.shapes_coco_train.complete')) as f:
        marker = json.load(f)
    sizes = marker['summary']['sizes']
    assert f'train: 4 images, {marker["summary"]["num_objects"]} objects ' \
           f'(S/M/L: {sizes["small"]}/{sizes["medium"]}/{sizes["large"]})' in printed
    assert 'val: 2 images' in printed
    generate_shapes.main(['--out', str(tmp_path / 'cls'), '--task', 'cls', '--per-class', '1',
                          '--per-class-val', '1', '--img-size', '32'])
    assert 'train: 5 images (1 per class)' in capsys.readouterr().out


def _sizes(root, split):
    with open(osp.join(root, 'meta', f'{split}_sizes.json')) as f:
        return json.load(f)


def test_cls_sizes_describe_the_drawn_shapes(tmp_path):
    from mmsda.datasets.shapes.geometry import _UNIT_AREAS
    generate_shapes_cls(str(tmp_path), 'val', num_per_class=4, img_size=(80, 64), seed=3)
    sizes = _sizes(tmp_path, 'val')
    assert sizes['scale_range'] == [0.15, 0.9] and sizes['img_size'] == [80, 64]
    with open(tmp_path / 'meta' / 'val.txt') as f:
        names = [line.split()[0] for line in f]
    assert sorted(sizes['images']) == sorted(names)
    for name, size in sizes['images'].items():
        assert 0.15 <= size['scale'] <= 0.9
        assert size['radius'] == pytest.approx(size['scale'] * 64 / 2)  # of the shorter side
        polygon_area = _UNIT_AREAS[name.split('/')[0]] * size['radius'] ** 2
        assert abs(size['area'] - polygon_area) <= 2 * np.pi * size['radius'] + 4, (name, size)


def test_scale_range_sets_the_object_sizes(tmp_path):
    from mmsda.analysis import scale_size_bin
    for scale, expected in ((0.2, 'small'), (0.5, 'medium'), (0.9, 'large')):
        root = tmp_path / str(scale)
        generate_shapes_cls(str(root), 'val', num_per_class=2, img_size=64, scale_range=(scale, scale))
        records = _sizes(root, 'val')['images'].values()
        assert [r['radius'] for r in records] == pytest.approx([scale * 32] * 10)
        # known objects against the study's default range 0.1-0.95 (terciles at 0.383 and 0.667)
        assert {scale_size_bin(r['scale'], (0.1, 0.95)) for r in records} == {expected}
    areas = [_sizes(tmp_path / str(s), 'val')['images']['square/00000.png']['area'] for s in (0.2, 0.5, 0.9)]
    assert areas[0] < areas[1] < areas[2]


def test_default_scale_range_keeps_images_and_markers_of_older_data(tmp_path):
    # Data written before scale_range existed: same images, a marker without scale_range, no sizes.
    root = tmp_path / 'old'
    ensure_shapes_cls(str(root), {'val': 2}, img_size=32, seed=1)
    expected_sizes = _sizes(root, 'val')
    os.remove(root / 'meta' / 'val_sizes.json')
    marker_path = root / '.shapes_cls_val.complete'
    marker = json.loads(marker_path.read_text())
    del marker['params']['scale_range']
    marker_path.write_text(json.dumps(marker))
    assert marker['params']['version'] == shapes.FORMAT_VERSION == 1
    stamp = os.stat(root / 'val' / 'circle' / '00000.png').st_mtime_ns
    ensure_shapes_cls(str(root), {'val': 2}, img_size=32, seed=1, scale_range=(0.15, 0.9))
    assert _sizes(root, 'val') == expected_sizes, 'sizes recomputed for the existing images'
    assert os.stat(root / 'val' / 'circle' / '00000.png').st_mtime_ns == stamp
    with pytest.raises(ValueError, match=r'scale_range=\[0.15, 0.9\] \(requested \[0.1, 0.95\]\)'):
        ensure_shapes_cls(str(root), {'val': 2}, img_size=32, seed=1, scale_range=(0.1, 0.95))
    wide = tmp_path / 'wide'
    generate_shapes_cls(str(wide), 'val', num_per_class=2, img_size=32, seed=1, scale_range=(0.1, 0.95))
    assert not filecmp.cmp(root / 'val' / 'circle' / '00000.png', wide / 'val' / 'circle' / '00000.png',
                           shallow=False)


def test_shapes_cls_dataset_exposes_the_recorded_sizes(tmp_path):
    from mmengine.registry import DATASETS, DefaultScope
    cfg = dict(type='mmsda.ShapesClsDataset', data_root=str(tmp_path), ann_file='meta/val.txt',
               data_prefix='val', generate=dict(num_per_class=2, img_size=48, scale_range=(0.3, 0.6)),
               pipeline=[])
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg)
    recorded = _sizes(tmp_path, 'val')['images']
    assert dataset.metainfo['scale_range'] == (0.3, 0.6)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        size = recorded[osp.relpath(info['img_path'], tmp_path / 'val')]
        assert (info['object_scale'], info['object_radius'], info['object_area']) == \
            (size['scale'], size['radius'], size['area'])

"""Tests of the semantic-segmentation view of the shapes data: generator, generate-if-missing, the
mmseg dataset class, the data checks and the CLI."""
import filecmp
import hashlib
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmsda.datasets import shapes
from mmsda.datasets.shapes import SEG_CLASSES, SHAPES_CLASSES, ensure_shapes_seg, generate_shapes_seg
from test_shapes_data import _all_files

pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')


def _read(path):
    with Image.open(path) as image:
        return image.mode, np.asarray(image)


def _names(root, split):
    return sorted(os.listdir(osp.join(root, 'img_dir', split)))


def test_seg_generation_is_deterministic(tmp_path):
    for name, seed in (('a', 3), ('b', 3), ('c', 4)):
        generate_shapes_seg(str(tmp_path / name), 'val', num_images=3, img_size=64, seed=seed)
    files = _all_files(tmp_path / 'a')
    assert files == ['ann_dir/val/000000.png', 'ann_dir/val/000001.png', 'ann_dir/val/000002.png',
                     'img_dir/val/000000.png', 'img_dir/val/000001.png', 'img_dir/val/000002.png',
                     'meta/val_objects.json']
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'b', files, shallow=False)
    assert match == files and not mismatch and not errors
    for rel in ('img_dir/val/000000.png', 'ann_dir/val/000000.png'):
        assert not filecmp.cmp(tmp_path / 'a' / rel, tmp_path / 'c' / rel, shallow=False)


def test_label_maps_match_images_and_objects(tmp_path):
    summary = generate_shapes_seg(str(tmp_path), 'train', num_images=8, img_size=(96, 80), seed=1,
                                  max_objects=6)
    with open(tmp_path / 'meta' / 'train_objects.json') as f:
        record = json.load(f)
    assert record['img_size'] == [96, 80] and sorted(record['images']) == [f'{i:06d}' for i in range(8)]
    total = np.zeros(len(SEG_CLASSES), np.int64)
    for name in _names(tmp_path, 'train'):
        img_mode, image = _read(tmp_path / 'img_dir' / 'train' / name)
        label_mode, labels = _read(tmp_path / 'ann_dir' / 'train' / name)
        assert img_mode == 'RGB' and image.shape == (80, 96, 3)
        assert label_mode == 'L' and labels.dtype == np.uint8 and labels.shape == (80, 96)
        assert labels.max() <= len(SHAPES_CLASSES)
        objects = record['images'][osp.splitext(name)[0]]
        assert 1 <= len(objects) <= 6
        counts = np.bincount(labels.ravel(), minlength=len(SEG_CLASSES))
        expected = np.zeros(len(SEG_CLASSES), np.int64)
        for obj in objects:
            assert 1 <= obj['label'] <= len(SHAPES_CLASSES) and obj['area'] >= shapes.MIN_VISIBLE_AREA
            expected[obj['label']] += obj['area']
        assert (counts[1:] == expected[1:]).all()  # every labelled pixel belongs to a recorded object
        assert counts[0] == labels.size - expected.sum() > 0
        # objects are painted in solid colours: a labelled pixel differs from the background around it
        inside, outside = image[labels > 0].astype(float), image[labels == 0].astype(float)
        assert np.abs(inside.mean(0) - outside.mean(0)).sum() > 10
        total += counts
    assert summary['num_images'] == 8
    assert summary['num_objects'] == sum(len(objs) for objs in record['images'].values())
    assert summary['pixels'] == dict(zip(SEG_CLASSES, total.tolist()))
    assert all(n > 0 for n in total[1:])  # every shape kind occurs in 8 images


def test_seg_view_shares_no_image_with_detection_view(tmp_path):
    generate_shapes_seg(str(tmp_path / 'seg'), 'train', num_images=3, img_size=64, seed=0)
    shapes.generate_shapes_coco(str(tmp_path / 'det'), 'train', num_images=3, img_size=64, seed=0)
    for i in range(3):
        assert not filecmp.cmp(tmp_path / 'seg' / 'img_dir' / 'train' / f'{i:06d}.png',
                               tmp_path / 'det' / 'train' / f'{i:06d}.png', shallow=False)


def _pixel_hashes(root, split):
    return {hashlib.sha1(_read(osp.join(root, 'img_dir', split, name))[1].tobytes()).hexdigest()
            for name in _names(root, split)}


def test_demo_splits_are_disjoint(tmp_path):
    """The demo config's train (seed 0) and val (seed 1) splits share no image, pixel for pixel."""
    ensure_shapes_seg(str(tmp_path), {'train': 40}, img_size=64, seed=0)
    ensure_shapes_seg(str(tmp_path), {'val': 20}, img_size=64, seed=1)
    train, val = _pixel_hashes(tmp_path, 'train'), _pixel_hashes(tmp_path, 'val')
    assert len(train) == 40 and len(val) == 20 and not train & val


def test_ensure_generates_once_and_refuses_other_parameters(tmp_path):
    first = ensure_shapes_seg(str(tmp_path), {'val': 2}, img_size=64, seed=0)
    label = tmp_path / 'ann_dir' / 'val' / '000000.png'
    stamp = label.stat().st_mtime_ns
    again = ensure_shapes_seg(str(tmp_path), {'val': 2}, img_size=64, seed=0)
    assert again == first and label.stat().st_mtime_ns == stamp
    assert osp.isfile(tmp_path / '.shapes_seg_val.complete')
    with pytest.raises(ValueError, match=r"img_size=\[64, 64\] \(requested \[96, 96\]\)"):
        ensure_shapes_seg(str(tmp_path), {'val': 2}, img_size=96, seed=0)
    os.remove(tmp_path / '.shapes_seg_val.complete')  # an interrupted or foreign split
    with pytest.raises(ValueError, match='no .shapes_seg_val.complete marker'):
        ensure_shapes_seg(str(tmp_path), {'val': 2}, img_size=64, seed=0)


@pytest.mark.parametrize('kwargs, field', [
    (dict(num_images=0), 'num_images'),
    (dict(img_size=32), 'img_size'),
    (dict(img_size=(64, 64, 3)), 'img_size'),
    (dict(seed=-1), 'seed'),
    (dict(max_objects=0), 'max_objects'),
    (dict(min_visible=1.5), 'min_visible'),
    (dict(split='a/b'), 'split'),
])
def test_bad_generation_arguments_name_the_field(tmp_path, kwargs, field):
    with pytest.raises(ValueError, match=f'^{field} must'):
        generate_shapes_seg(str(tmp_path), **dict(dict(split='train', num_images=1, img_size=64), **kwargs))
    assert not osp.exists(tmp_path / 'img_dir')


@pytest.mark.parametrize('img_path, seg_map_path', [
    ('images/train', 'ann_dir/train'),      # not img_dir/<split>
    ('img_dir/train', 'ann_dir/val'),       # another split
    ('img_dir/train', 'labels/train'),      # not ann_dir
    ('img_dir', 'ann_dir'),                 # no split
])
def test_split_from_bad_prefix_is_an_error(tmp_path, img_path, seg_map_path):
    with pytest.raises(ValueError, match='data_prefix must be'):
        shapes.split_from_seg_prefix(str(tmp_path / img_path), str(tmp_path / seg_map_path))


def test_split_from_prefix(tmp_path):
    assert shapes.split_from_seg_prefix(str(tmp_path / 'img_dir' / 'val-1'),
                                        str(tmp_path / 'ann_dir' / 'val-1')) == (str(tmp_path), 'val-1')


# ---- the mmseg dataset class -----------------------------------------------------------------------

def _dataset_cfg(root, split='val', **kwargs):
    return dict(type='mmsda.ShapesSegDataset', data_root=str(root),
                data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
                pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                          dict(type='PackSegInputs')], **kwargs)


@pytest.fixture
def seg_scope():
    pytest.importorskip('mmseg')
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    from mmseg.registry import DATASETS
    return DATASETS


def test_dataset_builds_in_the_mmseg_scope_and_generates_its_split(tmp_path, seg_scope):
    dataset = seg_scope.build(_dataset_cfg(tmp_path, generate=dict(num_images=3, img_size=64, seed=1)))
    from mmsda.datasets import SEG_PALETTE, ShapesSegDataset
    assert type(dataset) is ShapesSegDataset and len(dataset) == 3
    assert dataset.metainfo['classes'] == SEG_CLASSES == ('background', ) + SHAPES_CLASSES
    assert len(dataset.metainfo['palette']) == len(SEG_CLASSES) == len(SEG_PALETTE)
    assert len({tuple(c) for c in dataset.metainfo['palette']}) == len(SEG_CLASSES)
    assert dataset.metainfo['reduce_zero_label'] is False
    info = dataset.get_data_info(0)
    assert info['img_path'].endswith(osp.join('img_dir', 'val', '000000.png'))
    assert info['seg_map_path'].endswith(osp.join('ann_dir', 'val', '000000.png'))
    assert len(info['object_labels']) == len(info['object_areas']) >= 1
    sample = dataset[0]
    labels = sample['data_samples'].gt_sem_seg.data
    assert tuple(sample['inputs'].shape) == (3, 64, 64) and tuple(labels.shape) == (1, 64, 64)
    assert int(labels.max()) <= len(SHAPES_CLASSES) and 255 not in labels.unique().tolist()
    _, on_disk = _read(tmp_path / 'ann_dir' / 'val' / '000000.png')
    assert (labels[0].numpy() == on_disk).all()  # no label is reduced or remapped on loading


def test_dataset_refuses_reduce_zero_label_and_missing_data(tmp_path, seg_scope):
    with pytest.raises(ValueError, match='reduce_zero_label must be False'):
        seg_scope.build(_dataset_cfg(tmp_path, reduce_zero_label=True))
    with pytest.raises(FileNotFoundError, match='image folder .* not found'):
        seg_scope.build(_dataset_cfg(tmp_path, generate=None))
    with pytest.raises(ValueError, match='data_prefix must be'):
        seg_scope.build(dict(_dataset_cfg(tmp_path), data_prefix=dict(img_path='x', seg_map_path='y')))


def test_check_dataset_reports_bad_label_maps(tmp_path, seg_scope):
    from mmsda.datasets.checks import annotation_problems
    dataset = seg_scope.build(_dataset_cfg(tmp_path, generate=dict(num_images=3, img_size=64)))
    assert annotation_problems(dataset) == []
    ann_dir = tmp_path / 'ann_dir' / 'val'
    Image.fromarray(np.full((64, 64), 9, np.uint8)).save(ann_dir / '000000.png')
    Image.fromarray(np.zeros((32, 64), np.uint8)).save(ann_dir / '000001.png')
    os.remove(ann_dir / '000002.png')
    problems = {osp.basename(p.file): p for p in annotation_problems(dataset)}
    assert problems['000000.png'].kind == 'seg_label' and '[9]' in problems['000000.png'].message
    assert problems['000001.png'].kind == 'seg_size' and '64x32 (WxH)' in problems['000001.png'].message
    assert problems['000002.png'].kind == 'seg_missing'


def test_generate_shapes_tool_seg(tmp_path, capsys):
    from _tool_helpers import import_tool
    tool = import_tool('misc/generate_shapes.py')
    argv = ['--out', str(tmp_path), '--task', 'seg', '--num-train', '3', '--num-val', '2', '--img-size', '64',
            '--val-seed', '1']
    tool.main(argv)
    out = capsys.readouterr().out
    assert 'train: 3 images' in out and 'val: 2 images' in out and 'background' in out
    with open(tmp_path / '.shapes_seg_val.complete') as f:
        params = json.load(f)['params']
    assert params['seed'] == 1 and params['max_objects'] == 6 and params['img_size'] == [64, 64]
    tool.main(argv)  # kept as it is
    with pytest.raises(ValueError, match='seed=1 \\(requested 0\\)'):
        tool.main(argv[:-2])

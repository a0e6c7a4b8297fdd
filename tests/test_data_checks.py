"""Bad data, injected into real generated shapes splits: every fault is found and names its file."""
import contextlib
import json
import logging
import os
import os.path as osp
import re
from types import SimpleNamespace

import pytest
from _config_helpers import REPO
from _tool_helpers import import_tool
from mmengine.registry import init_default_scope

from mmsda.datasets.checks import annotation_problems, coco_problems, format_problems, image_problems
from mmsda.datasets.shapes import generate_shapes_cls, generate_shapes_coco
from mmsda.engine import CheckDataHook, DataCheckError

pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')


CHECK_DATASET = import_tool('misc/check_dataset.py')
IMG = 64


@pytest.fixture
def coco_root(tmp_path):
    root = tmp_path / 'shapes'
    generate_shapes_coco(str(root), 'train', num_images=7, img_size=IMG)
    return root


def _ann_path(root):
    return root / 'annotations' / 'instances_train.json'


def inject_coco_faults(root):
    """Issue 13's COCO faults, one per image: returns {fault kind: image file name}."""
    data = json.loads(_ann_path(root).read_text())
    names = [img['file_name'] for img in data['images']]
    ids = [img['id'] for img in data['images']]

    def first_ann(i):
        return next(a for a in data['annotations'] if a['image_id'] == ids[i])

    os.remove(root / 'train' / names[0])
    (root / 'train' / names[1]).write_bytes(b'this is not a png file' * 8)
    first_ann(2)['bbox'] = [IMG + 10.0, 5.0, 10.0, 10.0]
    first_ann(3)['bbox'][2] = 0.0
    data['annotations'] = [a for a in data['annotations'] if a['image_id'] != ids[4]]
    first_ann(5)['category_id'] = 99
    _ann_path(root).write_text(json.dumps(data))
    return {'missing': names[0], 'unreadable': names[1], 'bbox_outside': names[2],
            'bbox_zero_area': names[3], 'no_annotations': names[4], 'unknown_category': names[5]}


def build_coco_dataset(root, pipeline=None):
    from mmdet.registry import DATASETS
    init_default_scope('mmdet')
    return DATASETS.build(dict(
        type='mmsda.ShapesCocoDataset', data_root=str(root), ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'), generate=None, filter_cfg=None,
        pipeline=pipeline or [dict(type='LoadImageFromFile')]))


def test_every_coco_fault_is_found_with_its_image_file(coco_root):
    expected = inject_coco_faults(coco_root)
    dataset = build_coco_dataset(coco_root)
    found, checked = image_problems(dataset, 'header')
    found += annotation_problems(dataset)
    assert checked == 7
    reported = {(p.kind, osp.basename(p.file)) for p in found}
    for kind, name in expected.items():
        assert (kind, name) in reported, f'{kind} of {name} not reported:\n{format_problems(found)}'
    severities = {p.kind: p.severity for p in found}
    assert severities['no_annotations'] == 'warning'
    assert all(severities[k] == 'error' for k in expected if k != 'no_annotations')
    assert all(osp.isabs(p.file) or p.file.startswith(str(coco_root)) for p in found)


def test_a_clean_split_has_no_problems(coco_root):
    dataset = build_coco_dataset(coco_root)
    assert annotation_problems(dataset) == []
    assert image_problems(dataset, 'decode') == ([], 7)


def test_decode_level_finds_a_truncated_image_that_the_header_level_misses(coco_root):
    path = coco_root / 'train' / '000002.png'
    path.write_bytes(path.read_bytes()[:300])
    dataset = build_coco_dataset(coco_root)
    assert image_problems(dataset, 'header')[0] == []
    problems, _ = image_problems(dataset, 'decode')
    assert [(p.kind, osp.basename(p.file)) for p in problems] == [('undecodable', '000002.png')]


def test_an_image_of_another_size_than_annotated_is_an_error(coco_root):
    data = json.loads(_ann_path(coco_root).read_text())
    data['images'][3]['width'] = IMG * 2
    _ann_path(coco_root).write_text(json.dumps(data))
    problems, _ = image_problems(build_coco_dataset(coco_root), 'header')
    assert [p.kind for p in problems] == ['size'] and f'{IMG * 2}x{IMG}' in problems[0].message


def _coco_json(tmp_path, annotations, categories=None, images=None):
    data = dict(images=images or [dict(id=1, file_name='a.png', width=100, height=50)],
                categories=categories or [dict(id=1, name='cat'), dict(id=2, name='dog')],
                annotations=annotations)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(data))
    return str(path)


def _ann(**kwargs):
    return dict(dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 20, 20], area=400, iscrowd=0), **kwargs)


@pytest.mark.parametrize('ann,kind,fragment', [
    (_ann(bbox=[95, 10, 20, 20]), 'bbox_outside', 'extends 15 px beyond the 100x50 image'),
    (_ann(bbox=[-30, 10, 20, 20]), 'bbox_outside', 'lies outside the 100x50 image'),
    (_ann(bbox=[10, 10, 5, 0]), 'bbox_zero_area', 'zero area'),
    (_ann(bbox=[10, 10, 20]), 'bbox_format', '4 finite numbers'),
    (_ann(bbox=[10, 10, float('nan'), 5]), 'bbox_format', '4 finite numbers'),
    (_ann(bbox=[10, 10, 0.5, 5]), 'bbox_tiny', 'under one pixel'),
    (_ann(area=0), 'area', 'area 0'),
    (_ann(area=None), 'area', 'no numeric "area"'),
    (_ann(category_id=7), 'unknown_category', 'category_id 7'),
    (_ann(image_id=5), 'unknown_image', 'image_id 5'),
], ids=lambda v: v if isinstance(v, str) else None)
def test_coco_annotation_faults(tmp_path, ann, kind, fragment):
    found = coco_problems(_coco_json(tmp_path, [ann]), ['cat', 'dog'], img_prefix='imgs')
    problems = [p for p in found if p.kind != 'no_annotations']  # the image of an unknown id has none
    assert [p.kind for p in problems] == [kind], format_problems(found)
    assert fragment in problems[0].message
    assert problems[0].file == (str(tmp_path / 'ann.json') if kind == 'unknown_image' else 'imgs/a.png')


def test_a_box_within_the_rounding_tolerance_is_accepted(tmp_path):
    assert coco_problems(_coco_json(tmp_path, [_ann(bbox=[80.5, 30.2, 20.4, 20.6])]), ['cat', 'dog']) == []


@pytest.mark.parametrize('classes,kind', [(['cat', 'bird'], 'missing_class'), (['dog', 'cat'], 'class_order')])
def test_classes_must_all_be_categories_in_the_same_order(tmp_path, classes, kind):
    problems = coco_problems(_coco_json(tmp_path, [_ann()]), classes)
    assert kind in [p.kind for p in problems if p.severity == 'error']


def test_duplicate_annotation_ids_and_unreadable_files(tmp_path):
    problems = coco_problems(_coco_json(tmp_path, [_ann(), _ann()]), ['cat', 'dog'])
    assert [p.kind for p in problems] == ['duplicate_ann_id']
    (tmp_path / 'bad.json').write_text('{"images": [')
    assert [p.kind for p in coco_problems(str(tmp_path / 'bad.json'))] == ['ann_file']


@pytest.fixture
def cls_root(tmp_path):
    root = tmp_path / 'shapes_cls'
    generate_shapes_cls(str(root), 'train', num_per_class=2, img_size=32)
    return root


def build_cls_dataset(root, **kwargs):
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    return DATASETS.build(dict(type='CustomDataset', data_root=str(root), data_prefix='train',
                               pipeline=[dict(type='LoadImageFromFile')], **kwargs))


def test_imagenet_style_folder_with_a_corrupt_file(cls_root):
    bad = cls_root / 'train' / 'circle' / '00001.png'
    bad.write_bytes(b'\x89PNG\r\n\x1a\n' + b'\0' * 40)  # a PNG signature, then garbage
    dataset = build_cls_dataset(cls_root)  # no ann_file: mmpretrain scans the class folders
    problems, checked = image_problems(dataset, 'header')
    assert checked == 10
    assert [(p.kind, p.file) for p in problems] == [('unreadable', str(bad))]


def test_classification_label_outside_the_classes(cls_root):
    meta = cls_root / 'meta' / 'train.txt'
    lines = meta.read_text().splitlines()
    lines[3] = lines[3].rsplit(' ', 1)[0] + ' 7'
    meta.write_text('\n'.join(lines) + '\n')
    dataset = build_cls_dataset(cls_root, ann_file='meta/train.txt', classes=str(cls_root / 'meta' / 'classes.txt'))
    problems = annotation_problems(dataset)
    assert [p.kind for p in problems] == ['label'] and 'label 7 is not a class index 0..4' in problems[0].message


def _write_config(tmp_path, root):
    path = tmp_path / 'cfg.py'
    path.write_text(f'''
_base_ = {osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')!r}
train_dataloader = dict(dataset=dict(data_root={str(root)!r}, generate=None))
val_dataloader = None
test_dataloader = None
''')
    return str(path)


def test_check_dataset_tool_lists_every_problem_and_exits_nonzero(tmp_path, coco_root, capsys):
    expected = inject_coco_faults(coco_root)
    assert CHECK_DATASET.main([_write_config(tmp_path, coco_root)]) == 1
    out = capsys.readouterr().out
    # filter_empty_gt leaves out the image without annotations and the one whose only object has
    # the unknown category; the annotation checks read the file itself and still report both.
    assert 'train: 5 samples, 5 image files checked (decode)' in out
    for kind, name in expected.items():
        assert f'{coco_root}/train/{name}: ' in out, f'{name} ({kind}) missing from:\n{out}'
    assert 'image file not found' in out and '5 errors, 1 warnings' in out


def test_check_dataset_tool_passes_a_clean_split(tmp_path, coco_root, capsys):
    assert CHECK_DATASET.main([_write_config(tmp_path, coco_root), '--split', 'train']) == 0
    assert '0 errors, 0 warnings' in capsys.readouterr().out


def test_check_dataset_tool_reports_a_data_set_that_does_not_build(tmp_path, coco_root, capsys):
    data = json.loads(_ann_path(coco_root).read_text())
    data['annotations'][0]['id'] = data['annotations'][1]['id']  # mmdet asserts on duplicate ids
    _ann_path(coco_root).write_text(json.dumps(data))
    assert CHECK_DATASET.main([_write_config(tmp_path, coco_root)]) == 1
    out = capsys.readouterr().out
    assert 'the train data set does not build' in out and 'is used twice' in out


# --- loading: clear errors, and a skip that also covers corrupt images ----------------------------

def _loader(**kwargs):
    from mmdet.registry import TRANSFORMS
    init_default_scope('mmdet')
    return TRANSFORMS.build(kwargs)


@contextlib.contextmanager
def mmengine_warnings():
    """Collect the warnings logged to MMEngine's current logger."""
    from mmengine.logging import MMLogger
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def test_mmcv_ignore_empty_does_not_skip_a_corrupt_image(coco_root):
    # Why mmsda.LoadImageFromFile exists: mmcv's skip covers only files whose reading raises.
    corrupt = coco_root / 'train' / '000001.png'
    corrupt.write_bytes(b'garbage' * 10)
    with pytest.raises(AssertionError, match='failed to load image'):
        _loader(type='LoadImageFromFile', ignore_empty=True)(dict(img_path=str(corrupt)))
    assert _loader(type='LoadImageFromFile', ignore_empty=True)(dict(img_path=str(coco_root / 'no.png'))) is None


@pytest.mark.parametrize('fault,reason', [('missing', 'file not found'),
                                          ('corrupt', 'cannot be decoded (corrupt or truncated image data)'),
                                          ('empty', 'error: OpenCV')])
def test_mmsda_loader_names_the_file_or_skips_it(coco_root, fault, reason):
    from mmsda.datasets import ImageLoadError
    path = coco_root / 'train' / '000001.png'
    if fault == 'missing':
        os.remove(path)
    else:
        path.write_bytes(b'garbage' * 10 if fault == 'corrupt' else b'')
    with pytest.raises(ImageLoadError, match=re.escape(f'cannot load image {path}: {reason}')):
        _loader(type='mmsda.LoadImageFromFile')(dict(img_path=str(path)))
    skipping = _loader(type='mmsda.LoadImageFromFile', ignore_empty=True)
    with mmengine_warnings() as warnings:
        assert skipping(dict(img_path=str(path))) is None
        assert skipping(dict(img_path=str(path))) is None
    assert len(warnings) == 1 and warnings[0].startswith(f'skipping image {path}: {reason}')  # once per file
    good = skipping(dict(img_path=str(coco_root / 'train' / '000000.png')))
    assert good['img'].shape == (IMG, IMG, 3)


# --- CheckDataHook: before the first iteration --------------------------------------------------

def _runner(dataset):
    return SimpleNamespace(train_dataloader=SimpleNamespace(dataset=dataset), val_loop=None)


def test_hook_stops_training_before_the_first_iteration_listing_the_files(coco_root):
    inject_coco_faults(coco_root)
    with pytest.raises(DataCheckError) as info:
        CheckDataHook().before_train(_runner(build_coco_dataset(coco_root)))
    message = str(info.value)
    assert '2 image files of the train set cannot be used' in message
    assert 'train/000000.png: image file not found' in message and 'train/000001.png: not an image' in message


@pytest.mark.parametrize('loader,fault,skipped', [
    ('LoadImageFromFile', 'missing', True),
    ('LoadImageFromFile', 'corrupt', False),  # mmcv would crash on it later
    ('mmsda.LoadImageFromFile', 'corrupt', True),
])
def test_hook_accepts_what_the_pipeline_skips(coco_root, loader, fault, skipped):
    path = coco_root / 'train' / '000003.png'
    if fault == 'missing':
        os.remove(path)
    else:
        path.write_bytes(b'garbage' * 10)
    dataset = build_coco_dataset(coco_root, [dict(type=loader, ignore_empty=True)])
    hook = CheckDataHook()
    if skipped:
        with mmengine_warnings() as warnings:
            hook.before_train(_runner(dataset))
        assert 'will be skipped' in warnings[0] and f'{path}: ' in warnings[0]
    else:
        with pytest.raises(DataCheckError, match='000003.png'):
            hook.before_train(_runner(dataset))


def test_hook_checks_the_validation_set_too(coco_root):
    os.remove(coco_root / 'train' / '000006.png')
    dataset = build_coco_dataset(coco_root, [dict(type='mmsda.LoadImageFromFile', ignore_empty=True)])
    val_loop = SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))
    runner = SimpleNamespace(train_dataloader=None, val_loop=val_loop)
    with pytest.raises(DataCheckError, match='of the val set'):  # validation cannot skip samples
        CheckDataHook(splits=('val', )).before_train(runner)


@pytest.mark.parametrize('kwargs,fragment', [(dict(verify='full'), 'verify'), (dict(splits=('test', )), 'splits')])
def test_hook_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        CheckDataHook(**kwargs)

"""Generate-if-missing, safe under concurrency.

A split is generated under a file lock into a temporary directory, then renamed into place; a
completion marker with its parameters and summary is written last.
"""
import contextlib
import json
import os
import os.path as osp
import re
import shutil
import tempfile

from .classification import cls_sizes_file, generate_shapes_cls, shapes_cls_sizes
from .coco import generate_shapes_coco
from .params import _cls_params, _coco_params, _seg_params, _with_added_params
from .segmentation import generate_shapes_seg, seg_objects_file
from .writers import _write_json

#: Default number of images (detection) or images per class (classification) per split.
DEFAULT_COCO_SPLITS = {'train': 400, 'val': 100}
DEFAULT_CLS_SPLITS = {'train': 100, 'val': 20}
DEFAULT_SEG_SPLITS = {'train': 400, 'val': 100}

_TMP_PREFIX = '.tmp-shapes-'
_LOCK_NAME = '.shapes.lock'


@contextlib.contextmanager
def _file_lock(path):
    """Hold an exclusive ``fcntl.flock`` on ``path`` (POSIX; needs a file system with flock)."""
    import fcntl  # imported here so that the module stays importable where fcntl does not exist
    with open(path, 'a') as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _read_marker(data_root, marker, params, outputs):
    """The recorded summary if ``marker`` exists, None if not.

    Raises:
        ValueError: the data was generated with other parameters.
    """
    if not osp.isfile(marker):
        return None
    with open(marker, encoding='utf-8') as f:
        recorded = json.load(f)
    old = _with_added_params(recorded['params'])
    if old != params:
        diffs = ', '.join(f'{key}={old.get(key)!r} (requested {params.get(key)!r})'
                          for key in sorted(set(old) | set(params))
                          if old.get(key) != params.get(key))
        raise ValueError(
            f'Shapes data for split {params["split"]!r} in {data_root!r} was generated with other '
            f'parameters: {diffs}. Delete {outputs} and {osp.basename(marker)} there, or use '
            'another data_root.')
    return recorded['summary']


def _ensure(data_root, params, outputs, shared, generate_fn):
    """Generate one split into ``data_root`` unless its completion marker is there.

    Generation runs under a file lock in ``data_root`` into a temporary directory, whose outputs are
    then renamed into place; the marker (parameters and summary) is written last, so it exists only
    for complete data.

    Args:
        data_root (str): dataset root.
        params (dict): checked generation parameters (``kind`` and ``split`` name the marker).
        outputs (list[str]): paths, relative to the root, that belong to this split only.
        shared (list[str]): paths written by every split of this kind (replaced, same content).
        generate_fn (Callable[[str], dict]): writes the split into a directory, returns a summary.

    Returns:
        dict: the split's summary.
    """
    marker = osp.join(data_root, f'.{params["kind"]}_{params["split"]}.complete')
    summary = _read_marker(data_root, marker, params, outputs)
    if summary is not None:
        return summary
    os.makedirs(data_root, exist_ok=True)
    with _file_lock(osp.join(data_root, _LOCK_NAME)):
        summary = _read_marker(data_root, marker, params, outputs)
        if summary is not None:
            return summary
        present = [rel for rel in outputs if osp.exists(osp.join(data_root, rel))]
        if present:
            raise ValueError(
                f'{data_root!r} already holds {present} but no {osp.basename(marker)} marker: the '
                'data was not made by mmsda\'s shapes generator or its generation was interrupted. '
                'Delete it or use another data_root.')
        for name in os.listdir(data_root):  # left behind by killed runs; we hold the lock
            if name.startswith(_TMP_PREFIX):
                shutil.rmtree(osp.join(data_root, name), ignore_errors=True)
        tmp_dir = tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=data_root)
        try:
            summary = generate_fn(tmp_dir)
            for rel in outputs + shared:
                os.makedirs(osp.dirname(osp.join(data_root, rel)), exist_ok=True)
                os.replace(osp.join(tmp_dir, rel), osp.join(data_root, rel))
            _write_json(osp.join(tmp_dir, 'marker'), dict(params=params, summary=summary))
            os.replace(osp.join(tmp_dir, 'marker'), marker)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return summary


def ensure_shapes_coco(data_root, splits=None, **kwargs):
    """Generate the missing detection splits of ``data_root``.

    See :func:`generate_shapes_coco` for the layout.

    Safe to call from several processes at once. A split generated before with the same parameters
    is kept as it is.

    Args:
        data_root (str): dataset root.
        splits (dict[str, int], optional): number of images per split. Defaults to
            :data:`DEFAULT_COCO_SPLITS`.
        **kwargs: other arguments of :func:`generate_shapes_coco` (``img_size``, ``seed``,
            ``max_objects``, ``min_visible``).

    Returns:
        dict[str, dict]: each split's summary.

    Raises:
        ValueError: for invalid arguments, or if a split exists with other parameters or without a
            completion marker.
    """
    summaries = {}
    for split, num_images in (DEFAULT_COCO_SPLITS if splits is None else splits).items():
        params = _coco_params(split=split, num_images=num_images, **kwargs)
        args = {k: v for k, v in params.items() if k not in ('kind', 'version')}
        summaries[split] = _ensure(
            data_root, params, outputs=[split, f'annotations/instances_{split}.json'], shared=[],
            generate_fn=lambda out_dir, args=args: generate_shapes_coco(out_dir, **args))
    return summaries


def ensure_shapes_cls(data_root, splits=None, **kwargs):
    """Generate the missing classification splits of ``data_root``.

    See :func:`generate_shapes_cls` for the layout. A split generated by an older mmsda without the
    sizes file gets it (its images stay as they are).

    Safe to call from several processes at once. A split generated before with the same parameters
    is kept as it is.

    Args:
        data_root (str): dataset root.
        splits (dict[str, int], optional): number of images per class per split. Defaults to
            :data:`DEFAULT_CLS_SPLITS`.
        **kwargs: other arguments of :func:`generate_shapes_cls` (``img_size``, ``seed``,
            ``scale_range``).

    Returns:
        dict[str, dict]: each split's summary.

    Raises:
        ValueError: for invalid arguments, or if a split exists with other parameters or without a
            completion marker.
    """
    summaries = {}
    for split, num_per_class in (DEFAULT_CLS_SPLITS if splits is None else splits).items():
        params = _cls_params(split=split, num_per_class=num_per_class, **kwargs)
        args = {k: v for k, v in params.items() if k not in ('kind', 'version')}
        summaries[split] = _ensure(
            data_root, params, outputs=[split, f'meta/{split}.txt', cls_sizes_file(split)],
            shared=['meta/classes.txt'],
            generate_fn=lambda out_dir, args=args: generate_shapes_cls(out_dir, **args))
        _add_missing_cls_sizes(data_root, args)
    return summaries


def ensure_shapes_seg(data_root, splits=None, **kwargs):
    """Generate the missing semantic-segmentation splits of ``data_root``.

    See :func:`generate_shapes_seg` for the layout.

    Safe to call from several processes at once. A split generated before with the same parameters
    is kept as it is.

    Args:
        data_root (str): dataset root.
        splits (dict[str, int], optional): number of images per split. Defaults to
            :data:`DEFAULT_SEG_SPLITS`.
        **kwargs: other arguments of :func:`generate_shapes_seg` (``img_size``, ``seed``,
            ``max_objects``, ``min_visible``).

    Returns:
        dict[str, dict]: each split's summary.

    Raises:
        ValueError: for invalid arguments, or if a split exists with other parameters or without a
            completion marker.
    """
    summaries = {}
    for split, num_images in (DEFAULT_SEG_SPLITS if splits is None else splits).items():
        params = _seg_params(split=split, num_images=num_images, **kwargs)
        args = {k: v for k, v in params.items() if k not in ('kind', 'version')}
        summaries[split] = _ensure(
            data_root, params,
            outputs=[f'img_dir/{split}', f'ann_dir/{split}', seg_objects_file(split)], shared=[],
            generate_fn=lambda out_dir, args=args: generate_shapes_seg(out_dir, **args))
    return summaries


def _add_missing_cls_sizes(data_root, args):
    """Write the sizes file of a classification split generated before mmsda recorded object sizes.

    The sizes are recomputed from the images' random generators (:func:`shapes_cls_sizes`); the
    images and the annotation file are not touched.
    """
    path = osp.join(data_root, cls_sizes_file(args['split']))
    if osp.isfile(path):
        return
    with _file_lock(osp.join(data_root, _LOCK_NAME)):
        if osp.isfile(path):
            return
        tmp_dir = tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=data_root)
        try:
            _write_json(osp.join(tmp_dir, 'sizes.json'), shapes_cls_sizes(**args))
            os.replace(osp.join(tmp_dir, 'sizes.json'), path)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)


def split_from_ann_file(ann_file, task):
    """Dataset root and split of a shapes annotation file.

    Args:
        ann_file (str): ``<root>/annotations/instances_<split>.json`` (``task='det'``) or
            ``<root>/meta/<split>.txt`` (``task='cls'``).
        task (str): ``'det'`` or ``'cls'``.

    Returns:
        tuple[str, str]: absolute dataset root and split name.
    """
    folder, pattern, example = {
        'det': ('annotations', r'instances_([A-Za-z0-9_-]+)\.json',
                'annotations/instances_train.json'),
        'cls': ('meta', r'([A-Za-z0-9_-]+)\.txt', 'meta/train.txt'),
    }[task]
    ann_dir, name = osp.split(osp.abspath(ann_file))
    match = re.fullmatch(pattern, name)
    if match is None or osp.basename(ann_dir) != folder:
        raise ValueError(f'ann_file must look like <data_root>/{example} to generate shapes data, '
                         f'got {ann_file!r}')
    return osp.dirname(ann_dir), match.group(1)


def split_from_seg_prefix(img_path, seg_map_path):
    """Dataset root and split of the folders of a shapes segmentation split.

    Args:
        img_path (str): ``<root>/img_dir/<split>``.
        seg_map_path (str): ``<root>/ann_dir/<split>``.

    Returns:
        tuple[str, str]: absolute dataset root and split name.
    """
    img_path = osp.abspath(str(img_path or '.'))
    root, split = osp.dirname(osp.dirname(img_path)), osp.basename(img_path)
    valid = (osp.basename(osp.dirname(img_path)) == 'img_dir'
             and re.fullmatch(r'[A-Za-z0-9_-]+', split) is not None)
    if not valid or osp.abspath(str(seg_map_path or '.')) != osp.join(root, 'ann_dir', split):
        raise ValueError('data_prefix must be dict(img_path=\'img_dir/<split>\', '
                         'seg_map_path=\'ann_dir/<split>\') under data_root to generate shapes '
                         f'segmentation data, got img_path={img_path!r}, seg_map_path={seg_map_path!r}')
    return root, split

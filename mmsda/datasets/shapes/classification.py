"""Classification split in mmpretrain ``CustomDataset`` layout: one shape per image, its size recorded."""
import os
import os.path as osp

import numpy as np

from .geometry import SHAPES_CLASSES, _polygon, _rasterize
from .params import DEFAULT_CLS_SCALE_RANGE, _cls_params
from .render import _background, _finish, _image_rng, _paint, _pick_colour
from .writers import _save_png, _write_json


def _place_cls_object(rng, label, width, height, scale_range):
    """Draw the size, position and rotation of an image's shape (after its background).

    Args:
        rng (np.random.Generator): the image's random generator.
        label (int): index into :data:`SHAPES_CLASSES`.
        width (int): image width.
        height (int): image height.
        scale_range (Sequence[float]): ``(min, max)`` of the scale, see :func:`generate_shapes_cls`.

    Returns:
        tuple: the boolean mask cropped to its box, the box (see :func:`~.geometry._rasterize`) and
        the size record ``dict(scale, radius, area)``: the drawn scale, the circumradius in pixels and
        the number of pixels of the shape.
    """
    scale = rng.uniform(*scale_range)
    radius = scale * min(width, height) / 2
    center = rng.uniform(radius, (width - radius, height - radius))
    points = _polygon(label, center, radius, rng.uniform(0, 2 * np.pi))
    mask, box = _rasterize(points, width, height)
    return mask, box, dict(scale=float(scale), radius=float(radius), area=int(mask.sum()))


def _render_cls_image(rng, label, width, height, scale_range=DEFAULT_CLS_SCALE_RANGE):
    """Render one classification image: a single shape whose circumscribed circle spans a random
    fraction (``scale_range``) of the shorter side.

    Args:
        rng (np.random.Generator): the image's random generator.
        label (int): index into :data:`SHAPES_CLASSES`.
        width (int): image width.
        height (int): image height.
        scale_range (Sequence[float]): see :func:`generate_shapes_cls`.

    Returns:
        tuple[np.ndarray, dict]: ``uint8`` RGB image and the shape's size record (see
        :func:`_place_cls_object`).
    """
    image = _background(rng, width, height)
    mask, box, size = _place_cls_object(rng, label, width, height, scale_range)
    reference = image[box][mask].mean(axis=0) if mask.any() else image.mean(axis=(0, 1))
    colour = _pick_colour(rng, [reference])
    _paint(rng, image, mask, box, colour)
    return _finish(rng, image), size


def _cls_images(params):
    """``(label, file_name, rng)`` of every image of a split, in the annotation file's order."""
    for label, name in enumerate(SHAPES_CLASSES):
        for index in range(params['num_per_class']):
            yield label, f'{name}/{index:05d}.png', _image_rng(params['seed'], 'cls', params['split'],
                                                                label, index)


def cls_sizes_file(split):
    """Path of a classification split's object sizes, relative to the dataset root."""
    return osp.join('meta', f'{split}_sizes.json')


def _sizes_record(params, sizes):
    """The JSON content of a split's sizes file (see :func:`generate_shapes_cls`)."""
    return dict(scale_range=params['scale_range'], img_size=params['img_size'], images=sizes)


def shapes_cls_sizes(split='train', num_per_class=100, img_size=(64, 64), seed=0,
                     scale_range=DEFAULT_CLS_SCALE_RANGE):
    """The content of the sizes file of a split, recomputed without rendering the images.

    The sizes follow from the images' random generators alone, so data written before mmsda
    recorded them can get its sizes file afterwards (:func:`~.cache.ensure_shapes_cls` does that).
    Arguments as :func:`generate_shapes_cls`.

    Returns:
        dict: see the sizes file in :func:`generate_shapes_cls`.
    """
    params = _cls_params(split, num_per_class, img_size, seed, scale_range)
    width, height = params['img_size']
    sizes = {}
    for label, file_name, rng in _cls_images(params):
        _background(rng, width, height)  # advances the generator exactly as rendering does
        sizes[file_name] = _place_cls_object(rng, label, width, height, params['scale_range'])[2]
    return _sizes_record(params, sizes)


def generate_shapes_cls(out_dir, split='train', num_per_class=100, img_size=(64, 64), seed=0,
                        scale_range=DEFAULT_CLS_SCALE_RANGE):
    """Write a classification split in mmpretrain ``CustomDataset`` layout.

    Output: ``out_dir/<split>/<class_name>/00000.png ...``, the annotation file
    ``out_dir/meta/<split>.txt`` with lines ``<class_name>/00000.png <label>`` (labels index
    :data:`SHAPES_CLASSES`), ``out_dir/meta/classes.txt`` (one class name per line) and the object
    sizes ``out_dir/meta/<split>_sizes.json``: ``{"scale_range": [min, max], "img_size": [w, h],
    "images": {"<class_name>/00000.png": {"scale": s, "radius": r, "area": a}, ...}}`` with the
    scale ``s`` (circumscribed circle's diameter / shorter image side), the circumradius ``r`` in
    pixels and the shape's area ``a`` in pixels. Use ``data_prefix='<split>'`` and
    ``ann_file='meta/<split>.txt'``.

    Args:
        out_dir (str): dataset root.
        split (str): split name (not ``'classes'``). Defaults to ``'train'``.
        num_per_class (int): images per class (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 32. Defaults to (64, 64).
        seed (int): non-negative random seed. Defaults to 0.
        scale_range (tuple[float, float]): ``(min, max)`` of the uniformly drawn scale, with
            ``0 < min <= max <= 1``. Defaults to (0.15, 0.9).

    Returns:
        dict: summary with ``num_images`` and ``per_class`` (images per class).
    """
    params = _cls_params(split, num_per_class, img_size, seed, scale_range)
    width, height = params['img_size']
    lines, sizes = [], {}
    for name in SHAPES_CLASSES:
        os.makedirs(osp.join(out_dir, split, name), exist_ok=True)
    for label, file_name, rng in _cls_images(params):
        image, sizes[file_name] = _render_cls_image(rng, label, width, height, params['scale_range'])
        _save_png(image, osp.join(out_dir, split, file_name))
        lines.append(f'{file_name} {label}\n')
    os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
    with open(osp.join(out_dir, 'meta', f'{split}.txt'), 'w', encoding='utf-8') as f:
        f.writelines(lines)
    with open(osp.join(out_dir, 'meta', 'classes.txt'), 'w', encoding='utf-8') as f:
        f.writelines(f'{name}\n' for name in SHAPES_CLASSES)
    _write_json(osp.join(out_dir, cls_sizes_file(split)), _sizes_record(params, sizes))
    return dict(num_images=len(lines), per_class=params['num_per_class'])

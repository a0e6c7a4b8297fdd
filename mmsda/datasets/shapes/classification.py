"""Classification split in mmpretrain ``CustomDataset`` layout: one shape per image."""
import os
import os.path as osp

import numpy as np

from .geometry import SHAPES_CLASSES, _polygon, _rasterize
from .params import _cls_params
from .render import _background, _finish, _image_rng, _paint, _pick_colour
from .writers import _save_png

_CLS_SCALE_RANGE = (0.15, 0.9)


def _render_cls_image(rng, label, width, height):
    """Render one classification image: a single shape at 15 %-90 % of the shorter side.

    Args:
        rng (np.random.Generator): the image's random generator.
        label (int): index into :data:`SHAPES_CLASSES`.
        width (int): image width.
        height (int): image height.

    Returns:
        np.ndarray: ``uint8`` RGB image.
    """
    image = _background(rng, width, height)
    radius = rng.uniform(*_CLS_SCALE_RANGE) * min(width, height) / 2
    center = rng.uniform(radius, (width - radius, height - radius))
    points = _polygon(label, center, radius, rng.uniform(0, 2 * np.pi))
    mask, box = _rasterize(points, width, height)
    reference = image[box][mask].mean(axis=0) if mask.any() else image.mean(axis=(0, 1))
    colour = _pick_colour(rng, [reference])
    _paint(rng, image, mask, box, colour)
    return _finish(rng, image)


def generate_shapes_cls(out_dir, split='train', num_per_class=100, img_size=(64, 64), seed=0):
    """Write a classification split in mmpretrain ``CustomDataset`` layout.

    Output: ``out_dir/<split>/<class_name>/00000.png ...``, the annotation file
    ``out_dir/meta/<split>.txt`` with lines ``<class_name>/00000.png <label>`` (labels index
    :data:`SHAPES_CLASSES`) and ``out_dir/meta/classes.txt`` (one class name per line). Use
    ``data_prefix='<split>'`` and ``ann_file='meta/<split>.txt'``.

    Args:
        out_dir (str): dataset root.
        split (str): split name (not ``'classes'``). Defaults to ``'train'``.
        num_per_class (int): images per class (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 32. Defaults to (64, 64).
        seed (int): non-negative random seed. Defaults to 0.

    Returns:
        dict: summary with ``num_images`` and ``per_class`` (images per class).
    """
    params = _cls_params(split, num_per_class, img_size, seed)
    width, height = params['img_size']
    lines = []
    for label, name in enumerate(SHAPES_CLASSES):
        os.makedirs(osp.join(out_dir, split, name), exist_ok=True)
        for index in range(params['num_per_class']):
            rng = _image_rng(params['seed'], 'cls', split, label, index)
            file_name = f'{name}/{index:05d}.png'
            image = _render_cls_image(rng, label, width, height)
            _save_png(image, osp.join(out_dir, split, file_name))
            lines.append(f'{file_name} {label}\n')
    os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
    with open(osp.join(out_dir, 'meta', f'{split}.txt'), 'w', encoding='utf-8') as f:
        f.writelines(lines)
    with open(osp.join(out_dir, 'meta', 'classes.txt'), 'w', encoding='utf-8') as f:
        f.writelines(f'{name}\n' for name in SHAPES_CLASSES)
    return dict(num_images=len(lines), per_class=params['num_per_class'])

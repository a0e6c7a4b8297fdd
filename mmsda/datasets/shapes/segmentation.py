"""Semantic-segmentation split in MMSegmentation's ``BaseSegDataset`` layout.

The images are multi-object scenes like the detection view's (:mod:`.scene`), drawn from their own
random streams (task ``'seg'``): the two views share no image. Each image gets a label PNG of the same
size (``uint8``, one channel): 0 for background, ``1 + i`` for the visible pixels of an object of class
:data:`~.geometry.SHAPES_CLASSES` ``[i]``, i.e. mmseg's ``reduce_zero_label=False`` layout with the
classes :data:`SEG_CLASSES`.
"""
import os
import os.path as osp

import numpy as np

from .geometry import SHAPES_CLASSES
from .params import _seg_params
from .render import _image_rng
from .scene import _label_map, _render_scene
from .writers import _save_png, _write_json

#: The classes of the label maps, by label value: background, then the shape kinds.
SEG_CLASSES = ('background', ) + SHAPES_CLASSES


def seg_objects_file(split):
    """Path of a segmentation split's object record, relative to the dataset root."""
    return osp.join('meta', f'{split}_objects.json')


def generate_shapes_seg(out_dir, split='train', num_images=100, img_size=(128, 128), seed=0,
                        max_objects=6, min_visible=0.5):
    """Write a semantic-segmentation split in mmseg ``BaseSegDataset`` layout.

    Output: images ``out_dir/img_dir/<split>/000000.png ...`` (RGB), label maps
    ``out_dir/ann_dir/<split>/000000.png ...`` (see the module docstring; use
    ``data_prefix=dict(img_path='img_dir/<split>', seg_map_path='ann_dir/<split>')``,
    ``img_suffix='.png'``, ``reduce_zero_label=False``) and the visible objects of every image,
    ``out_dir/meta/<split>_objects.json``: ``{"img_size": [w, h], "images": {"000000": [{"label": l,
    "area": a}, ...], ...}}`` with the label value ``l`` of the object's pixels and its visible area
    ``a`` in pixels, in painting order. Existing files are overwritten; use
    :func:`~.cache.ensure_shapes_seg` to generate only what is missing.

    Args:
        out_dir (str): dataset root.
        split (str): split name. Defaults to ``'train'``.
        num_images (int): number of images (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 64. Defaults to (128, 128).
        seed (int): non-negative random seed. Defaults to 0.
        max_objects (int): each image gets ``max(1, max_objects // 2)`` to ``max_objects`` objects,
            fewer if a placement fails (see :mod:`.placement`). Defaults to 6.
        min_visible (float): minimum visible fraction of an occluded object, in (0, 1].
            Defaults to 0.5.

    Returns:
        dict: summary with ``num_images``, ``num_objects`` and ``pixels`` (number of pixels per class
        name of :data:`SEG_CLASSES`).
    """
    params = _seg_params(split, num_images, img_size, seed, max_objects, min_visible)
    width, height = params['img_size']
    img_dir, ann_dir = osp.join(out_dir, 'img_dir', split), osp.join(out_dir, 'ann_dir', split)
    for folder in (img_dir, ann_dir, osp.join(out_dir, 'meta')):
        os.makedirs(folder, exist_ok=True)
    objects_record, pixels = {}, [0] * len(SEG_CLASSES)
    for index in range(params['num_images']):
        rng = _image_rng(params['seed'], 'seg', split, index)
        image, objects, owner = _render_scene(rng, width, height, params['max_objects'],
                                              params['min_visible'])
        labels = _label_map(objects, owner)
        name = f'{index:06d}'
        _save_png(image, osp.join(img_dir, f'{name}.png'))
        _save_png(labels, osp.join(ann_dir, f'{name}.png'))
        objects_record[name] = [dict(label=obj['label'] + 1, area=obj['visible_area'])
                                for obj in objects]
        for value, count in enumerate(np.bincount(labels.ravel(), minlength=len(SEG_CLASSES))):
            pixels[value] += int(count)
    _write_json(osp.join(out_dir, seg_objects_file(split)),
                dict(img_size=params['img_size'], images=objects_record))
    return dict(num_images=params['num_images'],
                num_objects=sum(len(objs) for objs in objects_record.values()),
                pixels=dict(zip(SEG_CLASSES, pixels)))


"""Detection / instance segmentation split in COCO format: images, annotations, size statistics.

The annotation describes the visible part of an object (see :mod:`.placement` for occlusion): an
unoccluded object's segmentation is its polygon, an occluded one's a compressed RLE of the visible
mask (mmdet's ``LoadAnnotations`` needs ``poly2mask=True``, its default, to use RLE). ``bbox`` and
``area`` are computed from that visible mask, exactly as pycocotools decodes it; the polygons are
rasterised with pycocotools as well, so image, mask and box always agree.
"""
import os
import os.path as osp

import numpy as np
from pycocotools import mask as mask_util

from .geometry import SHAPES_CLASSES
from .params import _coco_params
from .render import _image_rng
from .scene import _render_scene
from .writers import _save_png, _write_json

#: pycocotools' area thresholds between the small, medium and large ranges.
COCO_AREA_THRESHOLDS = (32 ** 2, 96 ** 2)


def _coco_annotation(obj, visible):
    """COCO annotation fields (without ids) of an object's visible mask.

    Args:
        obj (dict): a placed object (see :func:`_place_objects`).
        visible (np.ndarray): boolean ``(H, W)`` visible part of the object.

    Returns:
        dict: ``category_id``, ``segmentation`` (the polygon if the object is unoccluded, else a
        compressed RLE), ``bbox`` (``[x, y, w, h]`` of the mask) , ``area`` (mask pixels) and
        ``iscrowd``.
    """
    rle = mask_util.encode(np.asfortranarray(visible, dtype=np.uint8))
    if obj['visible_area'] == obj['full_area']:
        segmentation = [obj['points'].ravel().tolist()]
    else:
        segmentation = dict(size=list(rle['size']), counts=rle['counts'].decode('ascii'))
    return dict(category_id=obj['label'] + 1, segmentation=segmentation,
                bbox=[float(v) for v in mask_util.toBbox(rle)], area=float(mask_util.area(rle)),
                iscrowd=0)


def _render_coco_image(rng, width, height, max_objects, min_visible):
    """Render one detection image.

    Args:
        rng (np.random.Generator): the image's random generator.
        width (int): image width.
        height (int): image height.
        max_objects (int): see :func:`~.placement._sample_objects`.
        min_visible (float): see :func:`~.placement._keeps_earlier_visible`.

    Returns:
        tuple[np.ndarray, list[dict]]: ``uint8`` RGB image and its annotations (without ids).
    """
    image, objects, owner = _render_scene(rng, width, height, max_objects, min_visible)
    return image, [_coco_annotation(obj, owner == index) for index, obj in enumerate(objects)]


def size_range_counts(areas):
    """Count areas per pycocotools size range.

    Args:
        areas (Iterable[float]): object areas in pixels.

    Returns:
        dict: numbers of ``small`` (< 32²), ``medium`` (32² to < 96²) and ``large`` (>= 96²) areas.
    """
    areas = np.asarray(list(areas), np.float64)
    small, large = COCO_AREA_THRESHOLDS
    return dict(small=int((areas < small).sum()),
                medium=int(((areas >= small) & (areas < large)).sum()),
                large=int((areas >= large).sum()))


def generate_shapes_coco(out_dir, split='train', num_images=100, img_size=(256, 256), seed=0,
                         max_objects=8, min_visible=0.5):
    """Write a detection / instance segmentation split in COCO format.

    Output: ``out_dir/<split>/000000.png ...`` and ``out_dir/annotations/instances_<split>.json``,
    whose images' ``file_name`` is the bare PNG name (set ``data_prefix=dict(img='<split>/')``).
    Categories are :data:`SHAPES_CLASSES` with ids from 1. Existing files are overwritten; use
    :func:`~.cache.ensure_shapes_coco` to generate only what is missing.

    Args:
        out_dir (str): dataset root.
        split (str): split name. Defaults to ``'train'``.
        num_images (int): number of images (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 64. Defaults to (256, 256).
        seed (int): non-negative random seed. Defaults to 0.
        max_objects (int): each image gets ``max(1, max_objects // 2)`` to ``max_objects`` objects,
            fewer if a placement fails. Defaults to 8.
        min_visible (float): minimum visible fraction of an occluded object, in (0, 1].
            Defaults to 0.5.

    Returns:
        dict: summary with ``num_images``, ``num_objects`` and ``sizes`` (object counts per COCO
        size range, see :func:`size_range_counts`).
    """
    params = _coco_params(split, num_images, img_size, seed, max_objects, min_visible)
    width, height = params['img_size']
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    images, annotations = [], []
    for index in range(params['num_images']):
        rng = _image_rng(params['seed'], 'det', split, index)
        image, anns = _render_coco_image(rng, width, height, params['max_objects'],
                                         params['min_visible'])
        file_name = f'{index:06d}.png'
        _save_png(image, osp.join(img_dir, file_name))
        images.append(dict(id=index + 1, file_name=file_name, width=width, height=height))
        for ann in anns:
            annotations.append(dict(ann, id=len(annotations) + 1, image_id=index + 1))
    categories = [dict(id=i + 1, name=name, supercategory='shape')
                  for i, name in enumerate(SHAPES_CLASSES)]
    info = dict(description='mmsda synthetic multi-scale shapes', params=params)
    _write_json(osp.join(out_dir, 'annotations', f'instances_{split}.json'),
                dict(info=info, licenses=[], images=images, annotations=annotations,
                     categories=categories))
    return dict(num_images=len(images), num_objects=len(annotations),
                sizes=size_range_counts(ann['area'] for ann in annotations))

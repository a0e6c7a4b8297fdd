"""Deterministic synthetic "multi-scale shapes" data.

Three views of the same kind of images, written to disk with numpy, PIL and pycocotools only:

* **Detection / instance segmentation** (:func:`generate_shapes_coco`): several solid, slightly
  shaded shapes of the :data:`SHAPES_CLASSES` per image, randomly rotated, on textured backgrounds
  (a smooth tinted gradient, low-frequency colour noise, faint blobs and thin lines that are *not*
  objects, pixel noise). Annotations are COCO ``instances_<split>.json`` files.
* **Classification** (:func:`generate_shapes_cls`): one shape per image at a random scale (drawn
  from ``scale_range`` and recorded with the object's size in ``meta/<split>_sizes.json``), in the
  folder layout and annotation-file format of mmpretrain's ``CustomDataset``.
* **Semantic segmentation** (:func:`generate_shapes_seg`): the detection view's kind of scenes with a
  label PNG per image (0 = background, 1..5 = shape kind, :data:`SEG_CLASSES`), in mmseg's
  ``BaseSegDataset`` layout (``img_dir/<split>``, ``ann_dir/<split>``).

Determinism. Every image draws from its own ``numpy.random.Generator`` seeded from ``(seed, task,
split, index)``: the same arguments give byte-identical images and annotation files (with the same
numpy, Pillow and pycocotools versions), and any image can be regenerated on its own.

:func:`ensure_shapes_coco`, :func:`ensure_shapes_cls` and :func:`ensure_shapes_seg` generate a split
only when it is missing and are safe to call from several processes at once (distributed training).

Modules: :mod:`.geometry` (shape polygons, rasterisation), :mod:`.render` (backgrounds, colours,
painting, per-image random generators), :mod:`.placement` (object sizes and occlusion), :mod:`.scene`
(a multi-object image), :mod:`.coco` (detection images and annotations), :mod:`.segmentation` (label
maps), :mod:`.classification`, :mod:`.params` (argument checks), :mod:`.writers` (JSON and PNG
files) and :mod:`.cache` (generate-if-missing).
"""
from .cache import (DEFAULT_CLS_SPLITS, DEFAULT_COCO_SPLITS, DEFAULT_SEG_SPLITS, ensure_shapes_cls,
                    ensure_shapes_coco, ensure_shapes_seg, split_from_ann_file, split_from_seg_prefix)
from .classification import cls_sizes_file, generate_shapes_cls, shapes_cls_sizes
from .coco import COCO_AREA_THRESHOLDS, generate_shapes_coco, size_range_counts
from .geometry import SHAPES_CLASSES
from .params import DEFAULT_CLS_SCALE_RANGE, FORMAT_VERSION
from .placement import MIN_VISIBLE_AREA, SIZE_RANGES, SIZE_WEIGHTS
from .segmentation import SEG_CLASSES, generate_shapes_seg, seg_objects_file

__all__ = [
    'SHAPES_CLASSES', 'SIZE_RANGES', 'SIZE_WEIGHTS', 'COCO_AREA_THRESHOLDS', 'MIN_VISIBLE_AREA',
    'DEFAULT_COCO_SPLITS', 'DEFAULT_CLS_SPLITS', 'FORMAT_VERSION', 'generate_shapes_coco',
    'generate_shapes_cls', 'ensure_shapes_coco', 'ensure_shapes_cls', 'split_from_ann_file',
    'size_range_counts', 'DEFAULT_CLS_SCALE_RANGE', 'cls_sizes_file', 'shapes_cls_sizes', 'SEG_CLASSES',
    'DEFAULT_SEG_SPLITS', 'generate_shapes_seg', 'ensure_shapes_seg', 'seg_objects_file',
    'split_from_seg_prefix'
]

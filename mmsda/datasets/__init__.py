"""Datasets of the ``mmsda`` scope.

The synthetic shapes generators need only numpy, PIL and pycocotools. The dataset classes need
mmdet (:class:`ShapesCocoDataset`), mmpretrain (:class:`ShapesClsDataset`) or mmsegmentation
(:class:`ShapesSegDataset`); each is available when its library is installed, so the package also
imports without the others. The data checks
(:mod:`.checks`) and the ``LoadImageFromFile`` transform work for both.
"""
from importlib.util import find_spec

from .shapes import (SEG_CLASSES, SHAPES_CLASSES, ensure_shapes_cls, ensure_shapes_coco,
                     ensure_shapes_seg, generate_shapes_cls, generate_shapes_coco, generate_shapes_seg,
                     size_range_counts)

__all__ = [
    'SHAPES_CLASSES', 'SEG_CLASSES', 'generate_shapes_coco', 'generate_shapes_cls',
    'generate_shapes_seg', 'ensure_shapes_coco', 'ensure_shapes_cls', 'ensure_shapes_seg',
    'size_range_counts'
]

if find_spec('mmcv') is not None:
    from .transforms import ImageLoadError, LoadImageFromFile
    __all__ += ['ImageLoadError', 'LoadImageFromFile']

if find_spec('mmdet') is not None:
    from .shapes_dataset import ShapesCocoDataset
    __all__.append('ShapesCocoDataset')

if find_spec('mmpretrain') is not None:
    from .shapes_cls_dataset import ShapesClsDataset
    __all__.append('ShapesClsDataset')

if find_spec('mmseg') is not None:
    from .shapes_seg_dataset import SEG_PALETTE, ShapesSegDataset
    __all__ += ['SEG_PALETTE', 'ShapesSegDataset']

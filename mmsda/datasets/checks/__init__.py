"""Finding bad data before a long run: missing, empty, corrupt or mis-sized images, and annotations
that mmdet/mmpretrain/mmseg would silently drop, mislabel or crash on.

Used by ``tools/misc/check_dataset.py`` (everything, offline) and by
:class:`~mmsda.engine.hooks.CheckDataHook` (image files, before training starts).
"""
from .coco import BORDER_TOLERANCE, coco_problems
from .dataset import annotation_problems, image_loader, image_problems, leaf_datasets
from .images import VERIFY_LEVELS, image_problem
from .problem import IMAGE_KINDS, DataProblem, format_problems
from .seg_maps import seg_map_problem

__all__ = [
    'DataProblem', 'IMAGE_KINDS', 'VERIFY_LEVELS', 'BORDER_TOLERANCE', 'annotation_problems',
    'coco_problems', 'format_problems', 'image_loader', 'image_problem', 'image_problems', 'leaf_datasets',
    'seg_map_problem'
]

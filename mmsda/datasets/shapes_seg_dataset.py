"""Semantic-segmentation dataset of synthetic shapes (needs mmsegmentation)."""
import json
import os.path as osp

from mmseg.datasets import BaseSegDataset

from mmsda.registry import DATASETS
from .shapes import (DEFAULT_SEG_SPLITS, SEG_CLASSES, ensure_shapes_seg, seg_objects_file,
                     split_from_seg_prefix)

#: Colours of :data:`~mmsda.datasets.shapes.SEG_CLASSES`: black background, then the colours of the
#: shapes in :class:`~mmsda.datasets.ShapesCocoDataset`.
SEG_PALETTE = [(0, 0, 0), (220, 20, 60), (0, 130, 200), (255, 170, 0), (60, 180, 75), (145, 30, 180)]


@DATASETS.register_module()
class ShapesSegDataset(BaseSegDataset):
    """mmseg ``BaseSegDataset`` over :func:`~mmsda.datasets.shapes.generate_shapes_seg` data,
    generated on first use.

    Before the split is listed, it is generated with :func:`~mmsda.datasets.shapes.ensure_shapes_seg`
    unless it exists already (safe with several processes). Set ``data_prefix=dict(img_path=
    'img_dir/<split>', seg_map_path='ann_dir/<split>')``. Label 0 is the background class
    (``reduce_zero_label=False``), 1..5 the shape kinds. Every data info gets ``object_labels`` and
    ``object_areas`` (the visible objects' label values and pixel counts, from the split's
    ``meta/<split>_objects.json``) when that record exists.

    Example::

        dataset = dict(
            type='mmsda.ShapesSegDataset', data_root='data/shapes_seg',
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            generate=dict(num_images=400, img_size=128, seed=0), pipeline=[...])

    Args:
        *args: positional arguments of ``BaseSegDataset``.
        generate (dict, optional): arguments of ``ensure_shapes_seg`` for this split: ``num_images``
            (default: 400 for ``train``, 100 for any other split), ``img_size``, ``seed``,
            ``max_objects``, ``min_visible``. None disables generation (the data must exist).
            Defaults to ``dict()``.
        img_suffix (str): image file suffix. Defaults to ``'.png'``.
        seg_map_suffix (str): label file suffix. Defaults to ``'.png'``.
        reduce_zero_label (bool): must stay False (0 is a class here). Defaults to False.
        **kwargs: keyword arguments of ``BaseSegDataset``.
    """

    METAINFO = dict(classes=SEG_CLASSES, palette=SEG_PALETTE)

    def __init__(self, *args, generate=dict(), img_suffix='.png', seg_map_suffix='.png',
                 reduce_zero_label=False, **kwargs):
        if reduce_zero_label:
            raise ValueError('ShapesSegDataset: reduce_zero_label must be False: label 0 is the '
                             "'background' class of the shapes data, not an ignored label")
        if generate is not None and not isinstance(generate, dict):
            raise TypeError(f'ShapesSegDataset: generate must be a dict or None, got {generate!r}')
        self.generate = None if generate is None else dict(generate)
        super().__init__(*args, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=False, **kwargs)

    def load_data_list(self):
        """Generate the split if it is missing, then list it as ``BaseSegDataset`` does.

        Returns:
            list[dict]: image and label paths (and the objects if they were recorded).
        """
        img_dir, ann_dir = self.data_prefix.get('img_path'), self.data_prefix.get('seg_map_path')
        if self.generate is not None:
            data_root, split = split_from_seg_prefix(img_dir, ann_dir)
            options = dict(self.generate)
            num_images = options.pop('num_images',
                                     DEFAULT_SEG_SPLITS.get(split, DEFAULT_SEG_SPLITS['val']))
            ensure_shapes_seg(data_root, {split: num_images}, **options)
        if not osp.isdir(str(img_dir)):
            raise FileNotFoundError(f'ShapesSegDataset: image folder {img_dir!r} not found (and '
                                    'generate=None); generate it with tools/misc/generate_shapes.py '
                                    '--task seg')
        data_list = super().load_data_list()
        self._add_objects(data_list, img_dir)
        return data_list

    @staticmethod
    def _add_objects(data_list, img_dir):
        """Copy the recorded objects of a split into ``data_list`` (in place), if it has a record."""
        img_dir = osp.abspath(img_dir)
        record_path = osp.join(osp.dirname(osp.dirname(img_dir)),
                               seg_objects_file(osp.basename(img_dir)))
        if not osp.isfile(record_path):
            return
        with open(record_path, encoding='utf-8') as f:
            images = json.load(f)['images']
        for info in data_list:
            name = osp.splitext(osp.basename(info['img_path']))[0]
            if name not in images:
                raise ValueError(f'{record_path} has no objects for {name!r}: it does not belong to '
                                 f'{img_dir}; delete the split and let it be generated again')
            info['object_labels'] = [obj['label'] for obj in images[name]]
            info['object_areas'] = [obj['area'] for obj in images[name]]

"""Classification dataset of synthetic shapes (needs mmpretrain)."""
import json
import os.path as osp

from mmpretrain.datasets import CustomDataset

from mmsda.registry import DATASETS
from .shapes import (DEFAULT_CLS_SPLITS, SHAPES_CLASSES, cls_sizes_file, ensure_shapes_cls,
                     split_from_ann_file)


@DATASETS.register_module()
class ShapesClsDataset(CustomDataset):
    """mmpretrain ``CustomDataset`` over :func:`~mmsda.datasets.shapes.generate_shapes_cls` data,
    generated on first use.

    Before the annotation file is read, the split is generated with
    :func:`~mmsda.datasets.shapes.ensure_shapes_cls` unless it exists already (safe with several
    processes). ``ann_file`` must be ``<data_root>/meta/<split>.txt``; set
    ``data_prefix='<split>'``.

    If the split's recorded object sizes (``meta/<split>_sizes.json``) exist, every data info gets
    ``object_scale``, ``object_radius`` and ``object_area`` (see
    :func:`~mmsda.datasets.shapes.generate_shapes_cls`) and the metainfo ``scale_range``.

    Example::

        dataset = dict(
            type='mmsda.ShapesClsDataset', data_root='data/shapes_cls', ann_file='meta/train.txt',
            data_prefix='train', generate=dict(num_per_class=100, img_size=64), pipeline=[...])

    Args:
        *args: positional arguments of ``CustomDataset``.
        generate (dict, optional): arguments of ``ensure_shapes_cls`` for this split:
            ``num_per_class`` (default: 100 for ``train``, 20 for any other split), ``img_size``,
            ``seed``, ``scale_range``. None disables generation (the data must exist). Defaults to
            ``dict()``.
        **kwargs: keyword arguments of ``CustomDataset``.
    """

    METAINFO = dict(classes=SHAPES_CLASSES)

    def __init__(self, *args, generate=dict(), **kwargs):
        self.generate = None if generate is None else dict(generate)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        """Generate the split if it is missing, then read it as ``CustomDataset`` does.

        Returns:
            list[dict]: image paths and labels (and object sizes if they were recorded).
        """
        if self.generate is not None:
            data_root, split = split_from_ann_file(self.ann_file, 'cls')
            options = dict(self.generate)
            num_per_class = options.pop('num_per_class',
                                        DEFAULT_CLS_SPLITS.get(split, DEFAULT_CLS_SPLITS['val']))
            ensure_shapes_cls(data_root, {split: num_per_class}, **options)
        data_list = super().load_data_list()
        self._add_sizes(data_list)
        return data_list

    def _add_sizes(self, data_list):
        """Copy the recorded object sizes into ``data_list`` (in place) and ``scale_range`` into the
        metainfo, if the split has a sizes file."""
        ann_dir, ann_name = osp.split(self.ann_file)
        sizes_path = osp.join(osp.dirname(ann_dir), cls_sizes_file(osp.splitext(ann_name)[0]))
        if not osp.isfile(sizes_path):
            return
        with open(sizes_path, encoding='utf-8') as f:
            recorded = json.load(f)
        image_dir = self.data_prefix['img_path']
        for info in data_list:
            name = osp.relpath(info['img_path'], image_dir).replace(osp.sep, '/')
            if name not in recorded['images']:
                raise ValueError(f'{sizes_path} has no size for {name!r}: it does not belong to '
                                 f'{self.ann_file}; delete both and let the split be generated again')
            size = recorded['images'][name]
            info.update(object_scale=size['scale'], object_radius=size['radius'],
                        object_area=size['area'])
        self._metainfo['scale_range'] = tuple(recorded['scale_range'])

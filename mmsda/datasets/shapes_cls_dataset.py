"""Classification dataset of synthetic shapes (needs mmpretrain)."""
from mmpretrain.datasets import CustomDataset

from mmsda.registry import DATASETS
from .shapes import DEFAULT_CLS_SPLITS, SHAPES_CLASSES, ensure_shapes_cls, split_from_ann_file


@DATASETS.register_module()
class ShapesClsDataset(CustomDataset):
    """mmpretrain ``CustomDataset`` over :func:`~mmsda.datasets.shapes.generate_shapes_cls` data,
    generated on first use.

    Before the annotation file is read, the split is generated with
    :func:`~mmsda.datasets.shapes.ensure_shapes_cls` unless it exists already (safe with several
    processes). ``ann_file`` must be ``<data_root>/meta/<split>.txt``; set
    ``data_prefix='<split>'``.

    Example::

        dataset = dict(
            type='mmsda.ShapesClsDataset', data_root='data/shapes_cls', ann_file='meta/train.txt',
            data_prefix='train', generate=dict(num_per_class=100, img_size=64), pipeline=[...])

    Args:
        *args: positional arguments of ``CustomDataset``.
        generate (dict, optional): arguments of ``ensure_shapes_cls`` for this split:
            ``num_per_class`` (default: 100 for ``train``, 20 for any other split), ``img_size``,
            ``seed``. None disables generation (the data must exist). Defaults to ``dict()``.
        **kwargs: keyword arguments of ``CustomDataset``.
    """

    METAINFO = dict(classes=SHAPES_CLASSES)

    def __init__(self, *args, generate=dict(), **kwargs):
        self.generate = None if generate is None else dict(generate)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        """Generate the split if it is missing, then read it as ``CustomDataset`` does.

        Returns:
            list[dict]: image paths and labels.
        """
        if self.generate is not None:
            data_root, split = split_from_ann_file(self.ann_file, 'cls')
            options = dict(self.generate)
            num_per_class = options.pop('num_per_class',
                                        DEFAULT_CLS_SPLITS.get(split, DEFAULT_CLS_SPLITS['val']))
            ensure_shapes_cls(data_root, {split: num_per_class}, **options)
        return super().load_data_list()

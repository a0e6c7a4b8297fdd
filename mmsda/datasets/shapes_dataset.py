"""COCO-style detection / instance segmentation dataset of synthetic shapes (needs mmdet)."""
from mmdet.datasets import CocoDataset

from mmsda.registry import DATASETS
from .shapes import DEFAULT_COCO_SPLITS, SHAPES_CLASSES, ensure_shapes_coco, split_from_ann_file


@DATASETS.register_module()
class ShapesCocoDataset(CocoDataset):
    """mmdet ``CocoDataset`` over :func:`~mmsda.datasets.shapes.generate_shapes_coco` data,
    generated on first use.

    Before the annotations are loaded, the split is generated with
    :func:`~mmsda.datasets.shapes.ensure_shapes_coco` unless it exists already (safe with several
    processes). ``ann_file`` must be ``<data_root>/annotations/instances_<split>.json``; set
    ``data_prefix=dict(img='<split>/')``. Occluded objects are RLE masks, so keep ``poly2mask=True``
    (the default) in ``LoadAnnotations``.

    Example::

        dataset = dict(
            type='mmsda.ShapesCocoDataset', data_root='data/shapes',
            ann_file='annotations/instances_train.json', data_prefix=dict(img='train/'),
            generate=dict(num_images=400, img_size=256, seed=0), pipeline=[...])

    Args:
        *args: positional arguments of ``CocoDataset``.
        generate (dict, optional): arguments of ``ensure_shapes_coco`` for this split:
            ``num_images`` (default: 400 for ``train``, 100 for any other split), ``img_size``,
            ``seed``, ``max_objects``, ``min_visible``. None disables generation (the data must
            exist). Defaults to ``dict()``.
        **kwargs: keyword arguments of ``CocoDataset``.
    """

    METAINFO = dict(
        classes=SHAPES_CLASSES,
        palette=[(220, 20, 60), (0, 130, 200), (255, 170, 0), (60, 180, 75), (145, 30, 180)])

    def __init__(self, *args, generate=dict(), **kwargs):
        self.generate = None if generate is None else dict(generate)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        """Generate the split if it is missing, then load it as ``CocoDataset`` does.

        Returns:
            list[dict]: annotation infos.
        """
        if self.generate is not None:
            data_root, split = split_from_ann_file(self.ann_file, 'det')
            options = dict(self.generate)
            num_images = options.pop('num_images',
                                     DEFAULT_COCO_SPLITS.get(split, DEFAULT_COCO_SPLITS['val']))
            ensure_shapes_coco(data_root, {split: num_images}, **options)
        return super().load_data_list()

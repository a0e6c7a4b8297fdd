"""The problems of a built data set (mmdet, mmpretrain or mmseg): its image files and its annotations."""
from .coco import coco_problems
from .images import check_verify_level, image_problem
from .problem import error
from .seg_maps import seg_map_problem


def leaf_datasets(dataset):
    """The data sets that hold samples, found inside wrappers (``ConcatDataset``, ``RepeatDataset``,
    ``ClassBalancedDataset`` ...)."""
    children = getattr(dataset, 'datasets', None)
    if isinstance(children, (list, tuple)):
        return [leaf for child in children for leaf in leaf_datasets(child)]
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and hasattr(inner, 'get_data_info'):
        return leaf_datasets(inner)
    return [dataset]


def _infos(dataset):
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    return (dataset.get_data_info(i) for i in range(len(dataset)))


def image_loader(dataset):
    """The ``LoadImageFromFile`` (mmcv's or a subclass) in a data set's pipeline, or None."""
    from mmcv.transforms import LoadImageFromFile
    for transform in getattr(getattr(dataset, 'pipeline', None), 'transforms', []):
        if isinstance(transform, LoadImageFromFile):
            return transform
    return None


def image_problems(dataset, verify='header', shard=(0, 1)):
    """Check every image file a data set will load.

    Args:
        dataset: a built data set (or data set wrapper).
        verify (str): ``'exists'``, ``'header'`` or ``'decode'`` (see :func:`image_problem`).
        shard (tuple[int, int]): check only the images ``index % shard[1] == shard[0]`` (ranks of a
            distributed job share the work). Default: all.

    Returns:
        tuple[list[DataProblem], int]: the problems and the number of image files checked.
    """
    check_verify_level(verify)
    problems, checked = [], 0
    for leaf in leaf_datasets(dataset):
        loader = image_loader(leaf)
        decoder = getattr(loader, 'imdecode_backend', 'cv2')
        backend_args = getattr(loader, 'backend_args', None) or getattr(leaf, 'backend_args', None)
        sizes = {}  # image path -> (height, width) the annotations give, if they do
        for info in _infos(leaf):
            path = info.get('img_path')
            if path is not None and path not in sizes:
                sizes[path] = (info['height'], info['width']) if 'height' in info and 'width' in info else None
        for path in list(sizes)[shard[0]::shard[1]]:
            problem = image_problem(path, verify, sizes[path], backend_args, decoder)
            if problem is not None:
                problems.append(problem)
            checked += 1
    return problems, checked


def _is_coco(dataset):
    try:
        from mmdet.datasets import CocoDataset, CocoPanopticDataset
    except ImportError:
        return False
    return isinstance(dataset, CocoDataset) and not isinstance(dataset, CocoPanopticDataset)


def _label_problems(dataset):
    """Single-label classification labels outside ``0..len(classes)-1``."""
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        return []
    problems = []
    for info in _infos(dataset):
        label = info.get('gt_label')
        if isinstance(label, int) or getattr(label, 'ndim', None) == 0:
            if not 0 <= int(label) < len(classes):
                problems.append(error(info.get('img_path', '?'), 'label',
                                      f'label {int(label)} is not a class index 0..{len(classes) - 1}'))
    return problems


def _seg_map_problems(dataset):
    """Semantic-segmentation label maps (``seg_map_path`` of the data infos, mmseg) that are missing,
    unreadable, of another size than their image or hold unknown label values."""
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        return []
    problems = []
    for info in _infos(dataset):
        if info.get('seg_map_path') is None:
            continue
        problem = seg_map_problem(info['seg_map_path'], info.get('img_path', ''), len(classes),
                                  getattr(dataset, 'ignore_index', 255), info.get('label_map'),
                                  info.get('reduce_zero_label', False))
        if problem is not None:
            problems.append(problem)
    return problems


def annotation_problems(dataset):
    """Check the annotations of a data set: COCO files (:func:`coco_problems`), classification labels
    and semantic-segmentation label maps (:func:`seg_map_problem`).

    Args:
        dataset: a built data set (or data set wrapper).

    Returns:
        list[DataProblem]: the problems.
    """
    problems = []
    for leaf in leaf_datasets(dataset):
        if _is_coco(leaf):
            problems += coco_problems(leaf.ann_file, leaf.metainfo.get('classes'),
                                      leaf.data_prefix.get('img', ''), getattr(leaf, 'backend_args', None))
        problems += _label_problems(leaf)
        problems += _seg_map_problems(leaf)
    return problems

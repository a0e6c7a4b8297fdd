"""Problems in a COCO annotation file that mmdet's ``CocoDataset`` hides or crashes on.

``CocoDataset`` silently drops boxes that lie outside their image, boxes of zero area or under one
pixel, and annotations whose ``category_id`` is not a category of the data set's classes; it assigns
labels in the order of the file's categories, not of ``metainfo['classes']``; and it fails with a bare
``KeyError``/``AssertionError`` on annotations without ``area`` or ``bbox`` and on duplicate annotation
ids. This module reads the JSON itself and names each such annotation with its image file.
"""
import math
import os.path as osp

from mmengine import fileio

from .problem import error, warning

#: Boxes may cross the image border by this much (pixels) before it is reported (rounding).
BORDER_TOLERANCE = 1.0


def _index_images(images, ann_file, img_prefix, problems):
    """image id -> (image path, width, height); reports duplicate ids and bad sizes."""
    index = {}
    for image in images:
        path = osp.join(img_prefix, str(image.get('file_name', f'<image id {image.get("id")}>')))
        if image.get('id') in index:
            problems.append(error(ann_file, 'duplicate_image_id',
                                  f'image id {image.get("id")} is used twice ({index[image["id"]][0]} and {path})'))
            continue
        width, height = image.get('width'), image.get('height')
        if not all(isinstance(v, (int, float)) and v > 0 for v in (width, height)):
            problems.append(error(path, 'image_size', f'width/height in {ann_file} must be > 0, '
                                  f'got {width!r}/{height!r}'))
            width = height = None
        index[image.get('id')] = (path, width, height)
    return index


def _check_classes(categories, classes, ann_file, problems):
    """Every class has a category, in the same order (mmdet labels in the file's category order)."""
    names = [c.get('name') for c in categories]
    missing = [c for c in classes if c not in names]
    if missing:
        problems.append(error(ann_file, 'missing_class',
                              f'classes {missing} of the data set have no category in the file '
                              f'(categories: {names}); every later class would get a wrong label'))
    elif [n for n in names if n in classes] != list(classes):
        problems.append(error(ann_file, 'class_order',
                              f'categories are in the order {[n for n in names if n in classes]}, the '
                              f'data set\'s classes in the order {list(classes)}: mmdet numbers labels '
                              'in the file\'s order, so they would not match the class names'))
    for category in categories:
        if category.get('name') not in classes:
            problems.append(warning(ann_file, 'unused_category',
                                    f'category {category.get("name")!r} (id {category.get("id")}) is '
                                    'not one of the data set\'s classes: its annotations are ignored'))


def _bbox_problem(ann, width, height):
    """(severity, kind, message) for a bad box, or None."""
    bbox = ann.get('bbox')
    if not (isinstance(bbox, (list, tuple)) and len(bbox) == 4
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox)):
        return 'error', 'bbox_format', f'bbox must be 4 finite numbers [x, y, w, h], got {bbox!r}'
    x, y, w, h = bbox
    if w <= 0 or h <= 0:
        return 'error', 'bbox_zero_area', f'box {bbox} has zero area (w={w}, h={h}); mmdet drops it'
    if w < 1 or h < 1:
        return 'warning', 'bbox_tiny', f'box {bbox} is under one pixel wide or high; mmdet drops it'
    if width is None:
        return None
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        return 'error', 'bbox_outside', f'box {bbox} lies outside the {width}x{height} image; mmdet drops it'
    beyond = max(-x, -y, x + w - width, y + h - height)
    if beyond > BORDER_TOLERANCE:
        return 'error', 'bbox_outside', f'box {bbox} extends {beyond:g} px beyond the {width}x{height} image'
    return None


def _annotation_problems(ann, images, categories, ann_file):
    """Problems of one annotation (unknown image or category, missing area, bad box)."""
    ann_id = ann.get('id')
    if ann.get('image_id') not in images:
        return [error(ann_file, 'unknown_image', f'annotation id {ann_id} refers to image_id '
                      f'{ann.get("image_id")!r}, which is not in "images"')]
    path, width, height = images[ann['image_id']]
    found = []
    if ann.get('category_id') not in categories:
        found.append(error(path, 'unknown_category',
                           f'annotation id {ann_id} has category_id {ann.get("category_id")!r}, which is '
                           f'not in "categories" (ids {sorted(categories)}); mmdet drops it'))
    area = ann.get('area')
    if not isinstance(area, (int, float)):
        found.append(error(path, 'area', f'annotation id {ann_id} has no numeric "area" (got {area!r}); '
                           'mmdet\'s CocoDataset needs it'))
    elif area <= 0:
        found.append(error(path, 'area', f'annotation id {ann_id} has area {area}; mmdet drops it'))
    bad_box = _bbox_problem(ann, width, height)
    if bad_box is not None:
        severity, kind, message = bad_box
        found.append((error if severity == 'error' else warning)(path, kind, f'annotation id {ann_id}: {message}'))
    return found


def coco_problems(ann_file, classes=None, img_prefix='', backend_args=None):
    """Check a COCO instances file the way mmdet's ``CocoDataset`` reads it.

    Errors: duplicate image or annotation ids, non-positive image sizes, classes without a category or
    in another order than the categories, annotations of unknown images or categories, without a
    positive ``area``, with a malformed, zero-area or out-of-image box (more than
    :data:`BORDER_TOLERANCE` px). Warnings: boxes under one pixel, categories that are not classes,
    images without annotations.

    Args:
        ann_file (str): the JSON file.
        classes (Sequence[str], optional): the data set's classes (``metainfo['classes']``).
        img_prefix (str): joined to each ``file_name`` to name the image in the messages
            (``data_prefix['img']``).
        backend_args (dict, optional): ``mmengine.fileio`` backend arguments.

    Returns:
        list[DataProblem]: the problems, each naming its image file (or the annotation file).
    """
    try:
        data = fileio.load(ann_file, file_format='json', backend_args=backend_args)
    except Exception as exc:  # missing file, invalid JSON ...
        return [error(ann_file, 'ann_file', f'cannot read the annotation file ({type(exc).__name__}: {exc})')]
    if not isinstance(data, dict):
        return [error(ann_file, 'ann_file', f'not a COCO instances file: the top level is a {type(data).__name__}')]
    missing_keys = [k for k in ('images', 'annotations', 'categories') if not isinstance(data.get(k), list)]
    if missing_keys:
        return [error(ann_file, 'ann_file', f'not a COCO instances file: no list {missing_keys}')]
    problems = []
    images = _index_images(data['images'], ann_file, img_prefix, problems)
    categories = {c.get('id'): c.get('name') for c in data['categories']}
    if classes is not None:
        _check_classes(data['categories'], list(classes), ann_file, problems)

    seen_ann_ids, annotated = set(), set()
    for ann in data['annotations']:
        if ann.get('id') in seen_ann_ids:
            problems.append(error(ann_file, 'duplicate_ann_id', f'annotation id {ann.get("id")} is used twice'))
        seen_ann_ids.add(ann.get('id'))
        annotated.add(ann.get('image_id'))
        problems.extend(_annotation_problems(ann, images, categories, ann_file))
    for image_id, (path, _, _) in images.items():
        if image_id not in annotated:
            problems.append(warning(path, 'no_annotations', 'the image has no annotations (an empty '
                                    'annotation list): left out of training by filter_empty_gt=True, '
                                    'else trained as background'))
    return problems

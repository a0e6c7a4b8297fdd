"""Can a semantic-segmentation label map be used with its image: readable, same size, known labels?"""
import numpy as np
from PIL import Image, UnidentifiedImageError

from .problem import error


def seg_map_problem(seg_map_path, img_path, num_classes, ignore_index=255, label_map=None,
                    reduce_zero_label=False):
    """Why the label map ``seg_map_path`` cannot be used with ``img_path``, or None if it can.

    Args:
        seg_map_path (str): label map file (PNG of label values, as mmseg's ``LoadAnnotations`` reads).
        img_path (str): its image (only its header is read, for the size; a missing image is
            reported by the image checks, not here).
        num_classes (int): number of classes; label values must be ``0..num_classes-1`` or
            ``ignore_index`` (after ``label_map`` and ``reduce_zero_label``, as the loader applies them).
        ignore_index (int): the ignored label value. Defaults to 255.
        label_map (dict, optional): the dataset's ``label_map`` (old value → new value).
        reduce_zero_label (bool): whether 0 becomes ``ignore_index`` and every other value drops by 1.

    Returns:
        DataProblem | None: the problem (kind ``seg_missing``, ``seg_unreadable``, ``seg_size`` or
        ``seg_label``), None for a good label map.
    """
    try:
        with Image.open(seg_map_path) as seg_map:
            labels = np.asarray(seg_map)
    except FileNotFoundError:
        return error(seg_map_path, 'seg_missing', 'label map file not found')
    except (UnidentifiedImageError, OSError) as exc:
        return error(seg_map_path, 'seg_unreadable', f'label map cannot be read ({exc})')
    if labels.ndim != 2:
        return error(seg_map_path, 'seg_unreadable', f'label map has shape {labels.shape}; expected one '
                     'channel of label values (a palette or greyscale PNG)')
    try:
        with Image.open(img_path) as image:
            width, height = image.size
    except OSError:
        width = height = None
    if width is not None and labels.shape != (height, width):
        return error(seg_map_path, 'seg_size', f'label map is {labels.shape[1]}x{labels.shape[0]} (WxH) '
                     f'but its image {img_path} is {width}x{height}')
    values = np.unique(labels).astype(np.int64)
    if label_map:
        values = np.array([label_map.get(int(v), int(v)) for v in values], np.int64)
    if reduce_zero_label:
        values = np.where(values == 0, ignore_index, values - 1)
    bad = [int(v) for v in values if not (0 <= v < num_classes or v == ignore_index)]
    if bad:
        return error(seg_map_path, 'seg_label', f'label values {bad} are neither a class index '
                     f'0..{num_classes - 1} nor the ignore index {ignore_index}')
    return None

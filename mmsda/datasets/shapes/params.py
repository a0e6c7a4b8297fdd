"""Argument checks: the checked, JSON-ready generation parameters recorded with the data."""
import re

import numpy as np

#: Bumped whenever the images a given set of parameters produces change.
FORMAT_VERSION = 1

#: Default ``(min, max)`` scale of the classification view's shape: its circumscribed circle's
#: diameter as a fraction of the shorter image side.
DEFAULT_CLS_SCALE_RANGE = (0.15, 0.9)

#: Parameters added after data of :data:`FORMAT_VERSION` was first written, with the value such older
#: data was made with: a completion marker without the key describes data made with that value.
_ADDED_PARAMS = {'shapes_cls': dict(scale_range=list(DEFAULT_CLS_SCALE_RANGE))}

_MIN_COCO_SIDE = 64
_MIN_CLS_SIDE = 32


def _check_int(name, value, minimum):
    """``value`` as an ``int``; raise ValueError naming ``name`` unless it is an int >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f'{name} must be an integer >= {minimum}, got {value!r}')
    return int(value)


def _check_img_size(img_size, minimum):
    """``img_size`` (an int or a ``(width, height)`` pair) as a ``[width, height]`` list."""
    if isinstance(img_size, (int, np.integer)) and not isinstance(img_size, bool):
        img_size = (img_size, img_size)
    if not isinstance(img_size, (tuple, list)) or len(img_size) != 2:
        raise ValueError(f'img_size must be an int or a (width, height) pair, got {img_size!r}')
    return [_check_int('img_size', side, minimum) for side in img_size]


def _check_split(split, reserved=()):
    """Raise ValueError unless ``split`` is a plain name usable as a directory and file name."""
    valid = isinstance(split, str) and re.fullmatch(r'[A-Za-z0-9_-]+', split) is not None
    if not valid or split in reserved:
        raise ValueError(f'split must be a name of letters, digits, "_" and "-" (not one of '
                         f'{list(reserved)}), got {split!r}')
    return split


def _check_scale_range(scale_range):
    """``scale_range`` as a ``[min, max]`` list of floats with ``0 < min <= max <= 1``."""
    valid = isinstance(scale_range, (tuple, list)) and len(scale_range) == 2 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in scale_range)
    if not valid or not 0 < scale_range[0] <= scale_range[1] <= 1:
        raise ValueError('scale_range must be a (min, max) pair of fractions of the shorter image side '
                         f'with 0 < min <= max <= 1, got {scale_range!r}')
    return [float(v) for v in scale_range]


def _with_added_params(params):
    """Recorded parameters completed with the :data:`_ADDED_PARAMS` of their kind."""
    return dict(_ADDED_PARAMS.get(params.get('kind'), {}), **params)


def _coco_params(split='train', num_images=100, img_size=(256, 256), seed=0, max_objects=8,
                 min_visible=0.5):
    """Checked, JSON-ready parameters of :func:`~.coco.generate_shapes_coco`."""
    if isinstance(min_visible, bool) or not isinstance(min_visible, (int, float)) or \
            not 0 < min_visible <= 1:
        raise ValueError(f'min_visible must be a number in (0, 1], got {min_visible!r}')
    return dict(kind='shapes_coco', version=FORMAT_VERSION, split=_check_split(split),
                num_images=_check_int('num_images', num_images, 1),
                img_size=_check_img_size(img_size, _MIN_COCO_SIDE),
                seed=_check_int('seed', seed, 0),
                max_objects=_check_int('max_objects', max_objects, 1),
                min_visible=float(min_visible))


def _cls_params(split='train', num_per_class=100, img_size=(64, 64), seed=0,
                scale_range=DEFAULT_CLS_SCALE_RANGE):
    """Checked, JSON-ready parameters of :func:`~.classification.generate_shapes_cls`."""
    return dict(kind='shapes_cls', version=FORMAT_VERSION,
                split=_check_split(split, reserved=('classes', )),
                num_per_class=_check_int('num_per_class', num_per_class, 1),
                img_size=_check_img_size(img_size, _MIN_CLS_SIDE),
                seed=_check_int('seed', seed, 0),
                scale_range=_check_scale_range(scale_range))


def _seg_params(split='train', num_images=100, img_size=(128, 128), seed=0, max_objects=6,
                min_visible=0.5):
    """Checked, JSON-ready parameters of :func:`~.segmentation.generate_shapes_seg`."""
    return dict(_coco_params(split, num_images, img_size, seed, max_objects, min_visible),
                kind='shapes_seg')

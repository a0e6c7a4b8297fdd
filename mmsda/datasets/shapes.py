"""Deterministic synthetic "multi-scale shapes" data.

Two views of the same kind of images, written to disk with numpy, PIL and pycocotools only:

* **Detection / instance segmentation** (:func:`generate_shapes_coco`): several solid, slightly
  shaded shapes of the :data:`SHAPES_CLASSES` per image, randomly rotated, on textured backgrounds
  (a smooth tinted gradient, low-frequency colour noise, faint blobs and thin lines that are *not*
  objects, pixel noise). Annotations are COCO ``instances_<split>.json`` files.
* **Classification** (:func:`generate_shapes_cls`): one shape per image at a random scale, in the
  folder layout and annotation-file format of mmpretrain's ``CustomDataset``.

Object sizes (detection). Each object first draws one of the :data:`SIZE_RANGES` (with the
probabilities :data:`SIZE_WEIGHTS`), then the square root of its area uniformly inside that range.
The ranges lie inside pycocotools' *absolute* small (< 32²), medium (32²-96²) and large (> 96²)
areas, the large one well above 96² because smaller objects placed on top of a large one reduce its
visible area. Large objects are drawn more often because a second large object often finds no place
that leaves the first one visible enough (see below). At the default 256x256 with ``max_objects=8``
this gives about 34 % small, 36 % medium and 30 % large objects (about 4.6 per image). An object's
circumradius is capped at 45 % of the shorter image side: the upper part of the large range is only
reached on larger images, and below about 190 px no object reaches COCO's large range.

Occlusion (detection). Objects are placed from the largest to the smallest; later objects may
overlap earlier ones. A placement is rejected (and retried elsewhere, at most 8 times, then the
object is left out) if it would leave an earlier object with less than ``min_visible`` of its area
or fewer than :data:`MIN_VISIBLE_AREA` pixels, so every visible object is annotated. The annotation
describes the visible part: an unoccluded object's segmentation is its polygon, an occluded one's a
compressed RLE of the visible mask (mmdet's ``LoadAnnotations`` needs ``poly2mask=True``, its
default, to use RLE). ``bbox`` and ``area`` are computed from that visible mask, exactly as
pycocotools decodes it; the polygons are rasterised with pycocotools as well, so image, mask and box
always agree.

Determinism. Every image draws from its own ``numpy.random.Generator`` seeded from ``(seed, task,
split, index)``: the same arguments give byte-identical images and annotation files (with the same
numpy, Pillow and pycocotools versions), and any image can be regenerated on its own.

:func:`ensure_shapes_coco` and :func:`ensure_shapes_cls` generate a split only when it is missing
and are safe to call from several processes at once (distributed training).
"""
import colorsys
import contextlib
import json
import os
import os.path as osp
import re
import shutil
import tempfile
import zlib

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_util

SHAPES_CLASSES = ('circle', 'square', 'triangle', 'star', 'cross')
#: ``(min, max)`` of ``sqrt(area)`` in pixels, one range per COCO size range (small, medium, large).
SIZE_RANGES = ((14, 30), (34, 88), (110, 160))
#: Probabilities of drawing each of the :data:`SIZE_RANGES`.
SIZE_WEIGHTS = (0.25, 0.25, 0.5)
#: pycocotools' area thresholds between the small, medium and large ranges.
COCO_AREA_THRESHOLDS = (32 ** 2, 96 ** 2)
#: Objects (detection) keep at least this many visible pixels.
MIN_VISIBLE_AREA = 16
#: Default number of images (detection) or images per class (classification) per split.
DEFAULT_COCO_SPLITS = {'train': 400, 'val': 100}
DEFAULT_CLS_SPLITS = {'train': 100, 'val': 20}
#: Bumped whenever the images a given set of parameters produces change.
FORMAT_VERSION = 1

_MIN_COCO_SIDE = 64
_MIN_CLS_SIDE = 32
_MAX_RADIUS_FRACTION = 0.45
_CLS_SCALE_RANGE = (0.15, 0.9)
_PLACEMENT_TRIES = 8
_COLOUR_TRIES = 16
_MIN_CONTRAST = 100.0
_NOISE_STD = 4.0
_TASK_SEEDS = {'det': 0, 'cls': 1}
_TMP_PREFIX = '.tmp-shapes-'
_LOCK_NAME = '.shapes.lock'


# --------------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------------
def _regular_polygon(num_vertices, phase=0.0):
    """Vertices of a regular polygon with circumradius 1 centred at the origin."""
    angles = phase + 2 * np.pi * np.arange(num_vertices) / num_vertices
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _star(num_points=5, inner_ratio=0.45):
    """Vertices of a star with outer radius 1, alternating outer and inner points."""
    outer = _regular_polygon(num_points, -np.pi / 2)
    inner = inner_ratio * _regular_polygon(num_points, -np.pi / 2 + np.pi / num_points)
    return np.stack([outer, inner], axis=1).reshape(-1, 2)


def _cross(half_width=0.3):
    """Vertices of a plus sign whose arm ends lie on the unit circle."""
    a = half_width
    quarter = np.array([[-a, -1], [a, -1], [a, -a]])
    rotations = [np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
                 for t in np.arange(4) * np.pi / 2]
    return np.concatenate([quarter @ r.T for r in rotations]) / np.hypot(1, a)


def _polygon_area(points):
    """Area of a simple polygon (shoelace formula)."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


_TEMPLATES = {
    'circle': _regular_polygon(48),
    'square': _regular_polygon(4, np.pi / 4),
    'triangle': _regular_polygon(3, -np.pi / 2),
    'star': _star(),
    'cross': _cross(),
}
_UNIT_AREAS = {name: _polygon_area(points) for name, points in _TEMPLATES.items()}


def _polygon(label, center, radius, angle):
    """Vertices (rounded to 0.01 px, as stored in the annotations) of a placed shape.

    Args:
        label (int): index into :data:`SHAPES_CLASSES`.
        center (np.ndarray): ``(x, y)`` of the centre.
        radius (float): circumradius in pixels.
        angle (float): rotation in radians.

    Returns:
        np.ndarray: ``(N, 2)`` array of ``(x, y)`` vertices.
    """
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    points = _TEMPLATES[SHAPES_CLASSES[label]] @ rotation.T * radius + center
    return np.round(points, 2)


def _rasterize(points, width, height):
    """Rasterise a polygon exactly as pycocotools decodes it.

    Args:
        points (np.ndarray): ``(N, 2)`` polygon vertices ``(x, y)``.
        width (int): image width.
        height (int): image height.

    Returns:
        tuple[np.ndarray, tuple[slice, slice]]: the boolean mask cropped to its bounding box (later
        steps work on the crop only) and the crop's ``(rows, columns)`` slices in the image.
    """
    rle = mask_util.merge(mask_util.frPyObjects([points.ravel().tolist()], height, width))
    x, y, w, h = (int(v) for v in mask_util.toBbox(rle))
    box = (slice(y, y + h), slice(x, x + w))
    return mask_util.decode(rle)[box].astype(bool), box


# --------------------------------------------------------------------------------------------------
# Backgrounds, colours and painting
# --------------------------------------------------------------------------------------------------
def _gradient(rng, width, height):
    """A smooth, weakly tinted linear gradient between two grey levels (float32 ``H x W x 3``)."""
    colours = rng.uniform(70, 190, size=(2, 1)) + rng.uniform(-25, 25, size=(2, 3))
    angle = rng.uniform(0, 2 * np.pi)
    proj = (np.arange(width, dtype=np.float32)[None, :] * np.float32(np.cos(angle)) +
            np.arange(height, dtype=np.float32)[:, None] * np.float32(np.sin(angle)))
    t = (proj - proj.min()) / (np.ptp(proj) + np.float32(1e-6))
    start, stop = colours.astype(np.float32)
    return start + (stop - start) * t[..., None]


def _low_frequency_noise(rng, width, height, cells=4, std=12.0):
    """Colour noise on a coarse ``cells x cells`` grid, bilinearly upsampled to the image size."""
    grid = rng.normal(0, std, size=(3, cells, cells)).astype(np.float32)
    channels = [Image.fromarray(c).resize((width, height), Image.BILINEAR) for c in grid]
    return np.stack([np.asarray(c) for c in channels], axis=-1)


def _rgba(colour, alpha):
    """An RGBA tuple for PIL from a float RGB colour and an opacity in [0, 1]."""
    return (*(int(v) for v in np.clip(np.rint(colour), 0, 255)), int(round(255 * alpha)))


def _add_clutter(rng, image):
    """Blend a few faint ellipses and thin lines (distractors, never annotated) into an image.

    Args:
        rng (np.random.Generator): random generator.
        image (np.ndarray): float ``H x W x 3`` image.

    Returns:
        np.ndarray: the float32 image with the clutter.
    """
    height, width = image.shape[:2]
    side = min(width, height)
    canvas = Image.fromarray(np.clip(np.rint(image), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(canvas, 'RGBA')
    mean = image.mean(axis=(0, 1))
    for _ in range(rng.integers(2, 6)):
        cx, cy = rng.uniform(0, (width, height))
        rx, ry = rng.uniform(0.04, 0.2, size=2) * side
        colour = _rgba(mean + rng.uniform(-40, 40, size=3), rng.uniform(0.25, 0.45))
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=colour)
    for _ in range(rng.integers(2, 7)):
        ends = rng.uniform(-0.1, 1.1, size=4) * (width, height, width, height)
        line_width = int(rng.integers(1, max(2, side // 128) + 1))
        colour = _rgba(rng.uniform(30, 225) + rng.uniform(-20, 20, size=3), rng.uniform(0.4, 0.7))
        draw.line(tuple(ends), fill=colour, width=line_width)
    return np.asarray(canvas, np.float32)


def _background(rng, width, height):
    """A textured background: gradient + low-frequency noise + clutter (float32 ``H x W x 3``)."""
    image = _gradient(rng, width, height) + _low_frequency_noise(rng, width, height)
    return _add_clutter(rng, image)


def _pick_colour(rng, references):
    """A saturated random colour that contrasts with every reference colour.

    Args:
        rng (np.random.Generator): random generator.
        references (list[np.ndarray]): RGB colours the object must stand out from (the background
            under it and the objects it overlaps).

    Returns:
        np.ndarray: the first of up to 16 candidates whose RGB distance to every reference is at
        least 100, else the candidate with the largest such distance.
    """
    best, best_distance = None, -1.0
    for _ in range(_COLOUR_TRIES):
        hsv = rng.uniform(0, 1), rng.uniform(0.55, 1), rng.uniform(0.45, 1)
        colour = 255 * np.array(colorsys.hsv_to_rgb(*hsv), np.float32)
        distance = min(float(np.linalg.norm(colour - ref)) for ref in references)
        if distance >= _MIN_CONTRAST:
            return colour
        if distance > best_distance:
            best, best_distance = colour, distance
    return best


def _paint(rng, image, mask, box, colour):
    """Fill a mask with ``colour`` under a random linear shading of up to +-12 % (in place).

    Args:
        rng (np.random.Generator): random generator.
        image (np.ndarray): float ``H x W x 3`` image.
        mask (np.ndarray): boolean mask of the crop ``box``.
        box (tuple[slice, slice]): ``(rows, columns)`` of the crop in ``image``.
        colour (np.ndarray): RGB colour.
    """
    ys, xs = np.nonzero(mask)
    angle, strength = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.25)
    proj = xs * np.float32(np.cos(angle)) + ys * np.float32(np.sin(angle))
    shade = 1 + np.float32(strength) * (proj - proj.mean()) / (np.ptp(proj) + 1)
    image[box][ys, xs] = np.clip(colour * shade[:, None], 0, 255)


def _finish(rng, image):
    """Add pixel noise and convert to ``uint8``."""
    noisy = _NOISE_STD * rng.standard_normal(size=image.shape, dtype=np.float32) + image
    return np.clip(noisy + 0.5, 0, 255, out=noisy).astype(np.uint8)  # +0.5 then truncate: rounds


def _image_rng(seed, task, split, *indices):
    """The random generator of one image, independent of every other image."""
    return np.random.default_rng([seed, _TASK_SEEDS[task], zlib.crc32(split.encode()), *indices])


# --------------------------------------------------------------------------------------------------
# Detection images
# --------------------------------------------------------------------------------------------------
def _sample_objects(rng, width, height, max_objects):
    """Draw the classes and circumradii of an image's objects, largest first.

    Args:
        rng (np.random.Generator): random generator.
        width (int): image width.
        height (int): image height.
        max_objects (int): the image gets between ``max(1, max_objects // 2)`` and ``max_objects``
            objects (before placement failures).

    Returns:
        list[tuple[int, float]]: ``(label, radius)`` pairs sorted by decreasing area.
    """
    count = rng.integers(max(1, max_objects // 2), max_objects + 1)
    max_radius = _MAX_RADIUS_FRACTION * min(width, height)
    objects = []
    for _ in range(count):
        label = int(rng.integers(len(SHAPES_CLASSES)))
        low, high = SIZE_RANGES[rng.choice(len(SIZE_RANGES), p=SIZE_WEIGHTS)]
        unit_area = _UNIT_AREAS[SHAPES_CLASSES[label]]
        radius = min(rng.uniform(low, high) / np.sqrt(unit_area), max_radius)
        objects.append((label, radius, unit_area * radius ** 2))
    objects.sort(key=lambda obj: -obj[2])
    return [(label, radius) for label, radius, _ in objects]


def _covered_areas(owner, mask, box, num_objects):
    """Number of currently visible pixels of each object that a new object would cover.

    Args:
        owner (np.ndarray): ``(H, W)`` index of the object seen at each pixel, -1 for background.
        mask (np.ndarray): mask of the new object in the crop ``box``.
        box (tuple[slice, slice]): ``(rows, columns)`` of the crop.
        num_objects (int): number of objects placed so far.

    Returns:
        np.ndarray: ``(num_objects, )`` pixel counts.
    """
    return np.bincount(owner[box][mask] + 1, minlength=num_objects + 1)[1:]


def _keeps_earlier_visible(covered, objects, min_visible):
    """Whether losing the ``covered`` pixels leaves every earlier object visible enough.

    Args:
        covered (np.ndarray): see :func:`_covered_areas`.
        objects (list[dict]): objects placed so far (``full_area`` and ``visible_area`` keys).
        min_visible (float): minimum visible fraction of an object's full area.

    Returns:
        bool: whether each object keeps ``min_visible`` of its area and :data:`MIN_VISIBLE_AREA`
        pixels.
    """
    return all(obj['visible_area'] - n >= max(min_visible * obj['full_area'], MIN_VISIBLE_AREA)
               for obj, n in zip(objects, covered))


def _place_objects(rng, background, max_objects, min_visible):
    """Place the objects of one detection image.

    Args:
        rng (np.random.Generator): random generator.
        background (np.ndarray): float ``H x W x 3`` background (for colour contrast).
        max_objects (int): see :func:`_sample_objects`.
        min_visible (float): see :func:`_keeps_earlier_visible`.

    Returns:
        tuple[list[dict], np.ndarray]: the placed objects in painting order (``label``, ``points``,
        ``mask`` and ``box`` from :func:`_rasterize`, ``colour``, ``full_area``, ``visible_area``)
        and the ``(H, W)`` map of the object visible at each pixel (-1 for background).
    """
    height, width = background.shape[:2]
    owner = np.full((height, width), -1, np.int32)
    objects = []
    for label, radius in _sample_objects(rng, width, height, max_objects):
        for _ in range(_PLACEMENT_TRIES):
            center = rng.uniform(radius, (width - radius, height - radius))
            points = _polygon(label, center, radius, rng.uniform(0, 2 * np.pi))
            mask, box = _rasterize(points, width, height)
            covered = _covered_areas(owner, mask, box, len(objects))
            if mask.any() and _keeps_earlier_visible(covered, objects, min_visible):
                break
        else:
            continue
        references = [background[box][mask].mean(axis=0)]
        references += [obj['colour'] for obj, n in zip(objects, covered) if n > 0]
        for obj, n in zip(objects, covered):
            obj['visible_area'] -= int(n)
        area = int(mask.sum())
        objects.append(dict(label=label, points=points, mask=mask, box=box, full_area=area,
                            visible_area=area, colour=_pick_colour(rng, references)))
        owner[box][mask] = len(objects) - 1
    return objects, owner


def _coco_annotation(obj, visible):
    """COCO annotation fields (without ids) of an object's visible mask.

    Args:
        obj (dict): a placed object (see :func:`_place_objects`).
        visible (np.ndarray): boolean ``(H, W)`` visible part of the object.

    Returns:
        dict: ``category_id``, ``segmentation`` (the polygon if the object is unoccluded, else a
        compressed RLE), ``bbox`` (``[x, y, w, h]`` of the mask) , ``area`` (mask pixels) and
        ``iscrowd``.
    """
    rle = mask_util.encode(np.asfortranarray(visible, dtype=np.uint8))
    if obj['visible_area'] == obj['full_area']:
        segmentation = [obj['points'].ravel().tolist()]
    else:
        segmentation = dict(size=list(rle['size']), counts=rle['counts'].decode('ascii'))
    return dict(category_id=obj['label'] + 1, segmentation=segmentation,
                bbox=[float(v) for v in mask_util.toBbox(rle)], area=float(mask_util.area(rle)),
                iscrowd=0)


def _render_coco_image(rng, width, height, max_objects, min_visible):
    """Render one detection image.

    Args:
        rng (np.random.Generator): the image's random generator.
        width (int): image width.
        height (int): image height.
        max_objects (int): see :func:`_sample_objects`.
        min_visible (float): see :func:`_keeps_earlier_visible`.

    Returns:
        tuple[np.ndarray, list[dict]]: ``uint8`` RGB image and its annotations (without ids).
    """
    image = _background(rng, width, height)
    objects, owner = _place_objects(rng, image, max_objects, min_visible)
    annotations = []
    for index, obj in enumerate(objects):
        _paint(rng, image, obj['mask'], obj['box'], obj['colour'])
        annotations.append(_coco_annotation(obj, owner == index))
    return _finish(rng, image), annotations


def size_range_counts(areas):
    """Count areas per pycocotools size range.

    Args:
        areas (Iterable[float]): object areas in pixels.

    Returns:
        dict: numbers of ``small`` (< 32²), ``medium`` (32² to < 96²) and ``large`` (>= 96²) areas.
    """
    areas = np.asarray(list(areas), np.float64)
    small, large = COCO_AREA_THRESHOLDS
    return dict(small=int((areas < small).sum()),
                medium=int(((areas >= small) & (areas < large)).sum()),
                large=int((areas >= large).sum()))


# --------------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------------
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


def _coco_params(split='train', num_images=100, img_size=(256, 256), seed=0, max_objects=8,
                 min_visible=0.5):
    """Checked, JSON-ready parameters of :func:`generate_shapes_coco` (see there)."""
    if isinstance(min_visible, bool) or not isinstance(min_visible, (int, float)) or \
            not 0 < min_visible <= 1:
        raise ValueError(f'min_visible must be a number in (0, 1], got {min_visible!r}')
    return dict(kind='shapes_coco', version=FORMAT_VERSION, split=_check_split(split),
                num_images=_check_int('num_images', num_images, 1),
                img_size=_check_img_size(img_size, _MIN_COCO_SIDE),
                seed=_check_int('seed', seed, 0),
                max_objects=_check_int('max_objects', max_objects, 1),
                min_visible=float(min_visible))


def _cls_params(split='train', num_per_class=100, img_size=(64, 64), seed=0):
    """Checked, JSON-ready parameters of :func:`generate_shapes_cls` (see there)."""
    return dict(kind='shapes_cls', version=FORMAT_VERSION,
                split=_check_split(split, reserved=('classes', )),
                num_per_class=_check_int('num_per_class', num_per_class, 1),
                img_size=_check_img_size(img_size, _MIN_CLS_SIDE),
                seed=_check_int('seed', seed, 0))


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------
def _write_json(path, obj):
    """Write ``obj`` as compact, key-ordered JSON (byte-identical for equal objects)."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(json.dumps(obj, separators=(',', ':'), sort_keys=True))  # dumps uses the C encoder


def _save_png(image, path):
    """Save a ``uint8`` RGB image as PNG; zlib's RLE strategy packs the noisy pixels fastest."""
    Image.fromarray(image).save(path, compress_type=zlib.Z_RLE)


def generate_shapes_coco(out_dir, split='train', num_images=100, img_size=(256, 256), seed=0,
                         max_objects=8, min_visible=0.5):
    """Write a detection / instance segmentation split in COCO format.

    Output: ``out_dir/<split>/000000.png ...`` and ``out_dir/annotations/instances_<split>.json``,
    whose images' ``file_name`` is the bare PNG name (set ``data_prefix=dict(img='<split>/')``).
    Categories are :data:`SHAPES_CLASSES` with ids from 1. Existing files are overwritten; use
    :func:`ensure_shapes_coco` to generate only what is missing.

    Args:
        out_dir (str): dataset root.
        split (str): split name. Defaults to ``'train'``.
        num_images (int): number of images (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 64. Defaults to (256, 256).
        seed (int): non-negative random seed. Defaults to 0.
        max_objects (int): each image gets ``max(1, max_objects // 2)`` to ``max_objects`` objects,
            fewer if a placement fails. Defaults to 8.
        min_visible (float): minimum visible fraction of an occluded object, in (0, 1].
            Defaults to 0.5.

    Returns:
        dict: summary with ``num_images``, ``num_objects`` and ``sizes`` (object counts per COCO
        size range, see :func:`size_range_counts`).
    """
    params = _coco_params(split, num_images, img_size, seed, max_objects, min_visible)
    width, height = params['img_size']
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    images, annotations = [], []
    for index in range(params['num_images']):
        rng = _image_rng(params['seed'], 'det', split, index)
        image, anns = _render_coco_image(rng, width, height, params['max_objects'],
                                         params['min_visible'])
        file_name = f'{index:06d}.png'
        _save_png(image, osp.join(img_dir, file_name))
        images.append(dict(id=index + 1, file_name=file_name, width=width, height=height))
        for ann in anns:
            annotations.append(dict(ann, id=len(annotations) + 1, image_id=index + 1))
    categories = [dict(id=i + 1, name=name, supercategory='shape')
                  for i, name in enumerate(SHAPES_CLASSES)]
    info = dict(description='mmsda synthetic multi-scale shapes', params=params)
    _write_json(osp.join(out_dir, 'annotations', f'instances_{split}.json'),
                dict(info=info, licenses=[], images=images, annotations=annotations,
                     categories=categories))
    return dict(num_images=len(images), num_objects=len(annotations),
                sizes=size_range_counts(ann['area'] for ann in annotations))


def _render_cls_image(rng, label, width, height):
    """Render one classification image: a single shape at 15 %-90 % of the shorter side.

    Args:
        rng (np.random.Generator): the image's random generator.
        label (int): index into :data:`SHAPES_CLASSES`.
        width (int): image width.
        height (int): image height.

    Returns:
        np.ndarray: ``uint8`` RGB image.
    """
    image = _background(rng, width, height)
    radius = rng.uniform(*_CLS_SCALE_RANGE) * min(width, height) / 2
    center = rng.uniform(radius, (width - radius, height - radius))
    points = _polygon(label, center, radius, rng.uniform(0, 2 * np.pi))
    mask, box = _rasterize(points, width, height)
    reference = image[box][mask].mean(axis=0) if mask.any() else image.mean(axis=(0, 1))
    colour = _pick_colour(rng, [reference])
    _paint(rng, image, mask, box, colour)
    return _finish(rng, image)


def generate_shapes_cls(out_dir, split='train', num_per_class=100, img_size=(64, 64), seed=0):
    """Write a classification split in mmpretrain ``CustomDataset`` layout.

    Output: ``out_dir/<split>/<class_name>/00000.png ...``, the annotation file
    ``out_dir/meta/<split>.txt`` with lines ``<class_name>/00000.png <label>`` (labels index
    :data:`SHAPES_CLASSES`) and ``out_dir/meta/classes.txt`` (one class name per line). Use
    ``data_prefix='<split>'`` and ``ann_file='meta/<split>.txt'``.

    Args:
        out_dir (str): dataset root.
        split (str): split name (not ``'classes'``). Defaults to ``'train'``.
        num_per_class (int): images per class (>= 1). Defaults to 100.
        img_size (int | tuple[int, int]): ``(width, height)``, each >= 32. Defaults to (64, 64).
        seed (int): non-negative random seed. Defaults to 0.

    Returns:
        dict: summary with ``num_images`` and ``per_class`` (images per class).
    """
    params = _cls_params(split, num_per_class, img_size, seed)
    width, height = params['img_size']
    lines = []
    for label, name in enumerate(SHAPES_CLASSES):
        os.makedirs(osp.join(out_dir, split, name), exist_ok=True)
        for index in range(params['num_per_class']):
            rng = _image_rng(params['seed'], 'cls', split, label, index)
            file_name = f'{name}/{index:05d}.png'
            image = _render_cls_image(rng, label, width, height)
            _save_png(image, osp.join(out_dir, split, file_name))
            lines.append(f'{file_name} {label}\n')
    os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
    with open(osp.join(out_dir, 'meta', f'{split}.txt'), 'w', encoding='utf-8') as f:
        f.writelines(lines)
    with open(osp.join(out_dir, 'meta', 'classes.txt'), 'w', encoding='utf-8') as f:
        f.writelines(f'{name}\n' for name in SHAPES_CLASSES)
    return dict(num_images=len(lines), per_class=params['num_per_class'])


# --------------------------------------------------------------------------------------------------
# Generate-if-missing, safe under concurrency
# --------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _file_lock(path):
    """Hold an exclusive ``fcntl.flock`` on ``path`` (POSIX; needs a file system with flock)."""
    import fcntl  # imported here so that the module stays importable where fcntl does not exist
    with open(path, 'a') as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _read_marker(data_root, marker, params, outputs):
    """The recorded summary if ``marker`` exists, None if not.

    Raises:
        ValueError: the data was generated with other parameters.
    """
    if not osp.isfile(marker):
        return None
    with open(marker, encoding='utf-8') as f:
        recorded = json.load(f)
    if recorded['params'] != params:
        old = recorded['params']
        diffs = ', '.join(f'{key}={old.get(key)!r} (requested {params.get(key)!r})'
                          for key in sorted(set(old) | set(params))
                          if old.get(key) != params.get(key))
        raise ValueError(
            f'Shapes data for split {params["split"]!r} in {data_root!r} was generated with other '
            f'parameters: {diffs}. Delete {outputs} and {osp.basename(marker)} there, or use '
            'another data_root.')
    return recorded['summary']


def _ensure(data_root, params, outputs, shared, generate_fn):
    """Generate one split into ``data_root`` unless its completion marker is there.

    Generation runs under a file lock in ``data_root`` into a temporary directory, whose outputs are
    then renamed into place; the marker (parameters and summary) is written last, so it exists only
    for complete data.

    Args:
        data_root (str): dataset root.
        params (dict): checked generation parameters (``kind`` and ``split`` name the marker).
        outputs (list[str]): paths, relative to the root, that belong to this split only.
        shared (list[str]): paths written by every split of this kind (replaced, same content).
        generate_fn (Callable[[str], dict]): writes the split into a directory, returns a summary.

    Returns:
        dict: the split's summary.
    """
    marker = osp.join(data_root, f'.{params["kind"]}_{params["split"]}.complete')
    summary = _read_marker(data_root, marker, params, outputs)
    if summary is not None:
        return summary
    os.makedirs(data_root, exist_ok=True)
    with _file_lock(osp.join(data_root, _LOCK_NAME)):
        summary = _read_marker(data_root, marker, params, outputs)
        if summary is not None:
            return summary
        present = [rel for rel in outputs if osp.exists(osp.join(data_root, rel))]
        if present:
            raise ValueError(
                f'{data_root!r} already holds {present} but no {osp.basename(marker)} marker: the '
                'data was not made by mmsda\'s shapes generator or its generation was interrupted. '
                'Delete it or use another data_root.')
        for name in os.listdir(data_root):  # left behind by killed runs; we hold the lock
            if name.startswith(_TMP_PREFIX):
                shutil.rmtree(osp.join(data_root, name), ignore_errors=True)
        tmp_dir = tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=data_root)
        try:
            summary = generate_fn(tmp_dir)
            for rel in outputs + shared:
                os.makedirs(osp.dirname(osp.join(data_root, rel)), exist_ok=True)
                os.replace(osp.join(tmp_dir, rel), osp.join(data_root, rel))
            _write_json(osp.join(tmp_dir, 'marker'), dict(params=params, summary=summary))
            os.replace(osp.join(tmp_dir, 'marker'), marker)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return summary


def ensure_shapes_coco(data_root, splits=None, **kwargs):
    """Generate the missing detection splits of ``data_root``.

    See :func:`generate_shapes_coco` for the layout.

    Safe to call from several processes at once. A split generated before with the same parameters
    is kept as it is.

    Args:
        data_root (str): dataset root.
        splits (dict[str, int], optional): number of images per split. Defaults to
            :data:`DEFAULT_COCO_SPLITS`.
        **kwargs: other arguments of :func:`generate_shapes_coco` (``img_size``, ``seed``,
            ``max_objects``, ``min_visible``).

    Returns:
        dict[str, dict]: each split's summary.

    Raises:
        ValueError: for invalid arguments, or if a split exists with other parameters or without a
            completion marker.
    """
    summaries = {}
    for split, num_images in (DEFAULT_COCO_SPLITS if splits is None else splits).items():
        params = _coco_params(split=split, num_images=num_images, **kwargs)
        args = {k: v for k, v in params.items() if k not in ('kind', 'version')}
        summaries[split] = _ensure(
            data_root, params, outputs=[split, f'annotations/instances_{split}.json'], shared=[],
            generate_fn=lambda out_dir, args=args: generate_shapes_coco(out_dir, **args))
    return summaries


def ensure_shapes_cls(data_root, splits=None, **kwargs):
    """Generate the missing classification splits of ``data_root``.

    See :func:`generate_shapes_cls` for the layout.

    Safe to call from several processes at once. A split generated before with the same parameters
    is kept as it is.

    Args:
        data_root (str): dataset root.
        splits (dict[str, int], optional): number of images per class per split. Defaults to
            :data:`DEFAULT_CLS_SPLITS`.
        **kwargs: other arguments of :func:`generate_shapes_cls` (``img_size``, ``seed``).

    Returns:
        dict[str, dict]: each split's summary.

    Raises:
        ValueError: for invalid arguments, or if a split exists with other parameters or without a
            completion marker.
    """
    summaries = {}
    for split, num_per_class in (DEFAULT_CLS_SPLITS if splits is None else splits).items():
        params = _cls_params(split=split, num_per_class=num_per_class, **kwargs)
        args = {k: v for k, v in params.items() if k not in ('kind', 'version')}
        summaries[split] = _ensure(
            data_root, params, outputs=[split, f'meta/{split}.txt'], shared=['meta/classes.txt'],
            generate_fn=lambda out_dir, args=args: generate_shapes_cls(out_dir, **args))
    return summaries


def split_from_ann_file(ann_file, task):
    """Dataset root and split of a shapes annotation file.

    Args:
        ann_file (str): ``<root>/annotations/instances_<split>.json`` (``task='det'``) or
            ``<root>/meta/<split>.txt`` (``task='cls'``).
        task (str): ``'det'`` or ``'cls'``.

    Returns:
        tuple[str, str]: absolute dataset root and split name.
    """
    folder, pattern, example = {
        'det': ('annotations', r'instances_([A-Za-z0-9_-]+)\.json',
                'annotations/instances_train.json'),
        'cls': ('meta', r'([A-Za-z0-9_-]+)\.txt', 'meta/train.txt'),
    }[task]
    ann_dir, name = osp.split(osp.abspath(ann_file))
    match = re.fullmatch(pattern, name)
    if match is None or osp.basename(ann_dir) != folder:
        raise ValueError(f'ann_file must look like <data_root>/{example} to generate shapes data, '
                         f'got {ann_file!r}')
    return osp.dirname(ann_dir), match.group(1)

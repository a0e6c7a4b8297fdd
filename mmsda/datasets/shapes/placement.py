"""Sizes and placement of the objects of a detection image, with bounded occlusion.

Object sizes. Each object first draws one of the :data:`SIZE_RANGES` (with the probabilities
:data:`SIZE_WEIGHTS`), then the square root of its area uniformly inside that range. The ranges
lie inside pycocotools' *absolute* small (< 32²), medium (32²-96²) and large (> 96²) areas, the
large one well above 96² because smaller objects placed on top of a large one reduce its visible
area. Large objects are drawn more often because a second large object often finds no place that
leaves the first one visible enough (see below). At the default 256x256 with ``max_objects=8`` this
gives about 34 % small, 36 % medium and 30 % large objects (about 4.6 per image). An object's
circumradius is capped at 45 % of the shorter image side: the upper part of the large range is
only reached on larger images, and below about 190 px no object reaches COCO's large range.

Occlusion. Objects are placed from the largest to the smallest; later objects may overlap earlier
ones. A placement is rejected (and retried elsewhere, at most 8 times, then the object is left out)
if it would leave an earlier object with less than ``min_visible`` of its area or fewer than
:data:`MIN_VISIBLE_AREA` pixels, so every visible object is annotated (:mod:`.coco` describes how).
"""
import numpy as np

from .geometry import _UNIT_AREAS, SHAPES_CLASSES, _polygon, _rasterize
from .render import _pick_colour

#: ``(min, max)`` of ``sqrt(area)`` in pixels, one range per COCO size range (small, medium, large).
SIZE_RANGES = ((14, 30), (34, 88), (110, 160))
#: Probabilities of drawing each of the :data:`SIZE_RANGES`.
SIZE_WEIGHTS = (0.25, 0.25, 0.5)
#: Objects keep at least this many visible pixels.
MIN_VISIBLE_AREA = 16

_MAX_RADIUS_FRACTION = 0.45
_PLACEMENT_TRIES = 8


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

"""Shape geometry: the unit templates of :data:`SHAPES_CLASSES`, placed polygons and rasterisation.

Polygons are rasterised with pycocotools, exactly as it decodes them, so an image, its masks and its
boxes always agree.
"""
import numpy as np
from pycocotools import mask as mask_util

SHAPES_CLASSES = ('circle', 'square', 'triangle', 'star', 'cross')


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

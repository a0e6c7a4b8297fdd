"""A multi-object scene: textured background, objects placed with bounded occlusion, painted in order.

The detection view (:mod:`.coco`) and the semantic-segmentation view (:mod:`.segmentation`) render
their images with :func:`_render_scene` and differ only in what they write about the objects.
"""
import numpy as np

from .placement import _place_objects
from .render import _background, _finish, _paint


def _render_scene(rng, width, height, max_objects, min_visible):
    """Render one multi-object image.

    Args:
        rng (np.random.Generator): the image's random generator.
        width (int): image width.
        height (int): image height.
        max_objects (int): see :func:`~.placement._sample_objects`.
        min_visible (float): see :func:`~.placement._keeps_earlier_visible`.

    Returns:
        tuple[np.ndarray, list[dict], np.ndarray]: the ``uint8`` RGB image, the placed objects in
        painting order (see :func:`~.placement._place_objects`) and the ``(H, W)`` ``int32`` map of the
        object seen at each pixel (its index in the list, -1 for background).
    """
    image = _background(rng, width, height)
    objects, owner = _place_objects(rng, image, max_objects, min_visible)
    for obj in objects:
        _paint(rng, image, obj['mask'], obj['box'], obj['colour'])
    return _finish(rng, image), objects, owner


def _label_map(objects, owner):
    """The semantic label of each pixel: 0 for background, ``1 + class index`` for a visible object.

    Args:
        objects (list[dict]): placed objects (``label`` keys), as :func:`_render_scene` returns them.
        owner (np.ndarray): the object index map of :func:`_render_scene`.

    Returns:
        np.ndarray: ``(H, W)`` ``uint8`` label map.
    """
    lookup = np.array([0] + [obj['label'] + 1 for obj in objects], np.uint8)
    return lookup[owner + 1]

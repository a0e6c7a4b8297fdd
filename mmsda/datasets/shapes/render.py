"""Rendering: textured backgrounds with clutter, contrasting colours, shading and pixel noise.

Also the per-image random generators: every image draws from its own ``numpy.random.Generator``
seeded from ``(seed, task, split, index)``, independent of every other image.
"""
import colorsys
import zlib

import numpy as np
from PIL import Image, ImageDraw

_COLOUR_TRIES = 16
_MIN_CONTRAST = 100.0
_NOISE_STD = 4.0
_TASK_SEEDS = {'det': 0, 'cls': 1, 'seg': 2}


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

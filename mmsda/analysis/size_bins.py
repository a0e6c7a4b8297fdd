"""Object size bins (small / medium / large) and per-bin averages of per-image values.

Two definitions of the bins:

* **COCO areas** (detection): pycocotools' absolute area ranges, small < 32² ≤ medium < 96² ≤ large
  pixels (the convention of :func:`mmsda.datasets.shapes.size_range_counts`).
* **Scale terciles** (the shapes classification view): the recorded scale (circumscribed circle's
  diameter / shorter image side) against the three equal thirds of the range it was drawn from.

Per-image quantities (e.g. depth-attention weights, which a network computes once per image from
globally pooled features) are assigned to bins through each image's **object shares**: the fraction
of its objects in each bin. An image with one object (classification) belongs wholly to that
object's bin; an image with two small and two large objects counts half for each. Averages per bin
are weighted by these shares (:func:`binned_means`); images whose objects all fall into one bin
("pure" images) are also counted and averaged separately.
"""
import numpy as np

from mmsda.datasets.shapes.coco import COCO_AREA_THRESHOLDS

SIZE_BINS = ('small', 'medium', 'large')


def coco_size_bin(area):
    """COCO size bin of an object area in pixels (small < 32², medium < 96², large otherwise)."""
    small, large = COCO_AREA_THRESHOLDS
    return SIZE_BINS[0] if area < small else SIZE_BINS[1] if area < large else SIZE_BINS[2]


def scale_bin_edges(scale_range):
    """The two edges between the terciles of ``scale_range``.

    Args:
        scale_range (Sequence[float]): ``(min, max)`` of the scales.

    Returns:
        tuple[float, float]: the small/medium and medium/large edges.
    """
    low, high = (float(v) for v in scale_range)
    if not low < high:
        raise ValueError(f'scale_range must be (min, max) with min < max to be split into terciles, '
                         f'got {tuple(scale_range)}')
    step = (high - low) / 3
    return low + step, low + 2 * step


def scale_size_bin(scale, scale_range):
    """Size bin of an object scale: the tercile of ``scale_range`` it falls into (edges go up)."""
    first, second = scale_bin_edges(scale_range)
    return SIZE_BINS[0] if scale < first else SIZE_BINS[1] if scale < second else SIZE_BINS[2]


def bin_counts(bins):
    """Number of objects per size bin.

    Args:
        bins (Iterable[str]): the bin of each object of an image.

    Returns:
        dict[str, int]: a count for every bin of :data:`SIZE_BINS`.
    """
    counts = dict.fromkeys(SIZE_BINS, 0)
    for name in bins:
        if name not in counts:
            raise ValueError(f'unknown size bin {name!r}; expected one of {SIZE_BINS}')
        counts[name] += 1
    return counts


def bin_shares(counts):
    """An image's object shares per bin (fractions summing to 1; all zero without objects)."""
    total = sum(counts.values())
    return {name: (counts.get(name, 0) / total if total else 0.0) for name in SIZE_BINS}


def binned_means(values, counts):
    """Share-weighted mean, spread and number of images of per-image values, per size bin.

    Args:
        values (array-like): M×K values of M images.
        counts (Sequence[dict[str, int]]): the M images' objects per bin (see :func:`bin_counts`).

    Returns:
        dict[str, dict]: for every bin of :data:`SIZE_BINS`: ``weight`` (sum of the images'
        shares), ``images`` (images with a share > 0), ``effective_images`` ((Σ share)² / Σ share²),
        ``mean`` and ``std`` (share-weighted, K values each; None without images), ``pure_images``
        (images with all objects in this bin) and ``pure_mean`` (their plain mean, None if none).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or len(values) != len(counts):
        raise ValueError(f'values must be M×K for the M={len(counts)} images, got shape {values.shape}')
    shares = [bin_shares(c) for c in counts]
    result = {}
    for name in SIZE_BINS:
        w = np.array([s[name] for s in shares])
        pure = w == 1.0
        entry = dict(weight=float(w.sum()), images=int((w > 0).sum()), effective_images=0.0,
                     mean=None, std=None, pure_images=int(pure.sum()), pure_mean=None)
        if w.sum() > 0:
            mean = (w[:, None] * values).sum(0) / w.sum()
            var = (w[:, None] * (values - mean) ** 2).sum(0) / w.sum()
            entry.update(effective_images=float(w.sum() ** 2 / (w ** 2).sum()), mean=mean.tolist(),
                         std=np.sqrt(var).tolist())
        if pure.any():
            entry['pure_mean'] = values[pure].mean(0).tolist()
        result[name] = entry
    return result

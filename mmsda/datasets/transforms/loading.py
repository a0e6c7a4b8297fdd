"""Image loading whose failures name the file, and whose ``ignore_empty`` skips corrupt images too."""
import logging

from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile
from mmengine.logging import print_log

from mmsda.registry import TRANSFORMS


class ImageLoadError(OSError):
    """An image file of the data set cannot be loaded (the message names the file and why)."""


def _reason(exc):
    if isinstance(exc, FileNotFoundError):
        return 'file not found'
    if isinstance(exc, AssertionError) and 'failed to load image' in str(exc):
        return 'cannot be decoded (corrupt or truncated image data)'
    return f'{type(exc).__name__}: {exc}'


@TRANSFORMS.register_module()
class LoadImageFromFile(_MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile``, with a clear error and a real skip for unreadable images.

    mmcv's transform re-raises whatever the file backend or the decoder raised, and a file that exists
    but does not decode ends in ``AssertionError: failed to load image`` (stripped under ``python -O``),
    even with ``ignore_empty=True``, which skips only files the backend cannot read. Here:

    * ``ignore_empty=False`` (default): :class:`ImageLoadError` naming the file and the reason (not
      found, empty, cannot be decoded), chained to the original exception;
    * ``ignore_empty=True``: any unreadable image is skipped — the transform returns None and the
      training data set draws another sample (MMEngine's ``BaseDataset`` refetch); each skipped file
      is logged once per process as a warning.

    Use it as ``dict(type='mmsda.LoadImageFromFile', ignore_empty=True)`` in a pipeline; the other
    arguments are mmcv's.

    Args:
        ignore_empty (bool): skip unreadable images instead of raising. Default: False.
        **kwargs: arguments of mmcv's ``LoadImageFromFile`` (``to_float32``, ``color_type``,
            ``imdecode_backend``, ``backend_args`` ...).
    """

    def __init__(self, ignore_empty: bool = False, **kwargs):
        super().__init__(ignore_empty=False, **kwargs)  # failures come to transform() as exceptions
        self.skip_unreadable = ignore_empty
        self._skipped = set()

    def transform(self, results: dict):
        """Load ``results['img_path']``; None (skip) or :class:`ImageLoadError` when it cannot be read."""
        path = results['img_path']
        try:
            loaded = super().transform(results)
        except Exception as exc:  # the file backends and decoders raise many kinds of errors
            failure, reason = exc, _reason(exc)
        else:
            if loaded['img'] is not None:
                return loaded
            failure, reason = None, 'cannot be decoded (corrupt or truncated image data)'  # python -O
        if not self.skip_unreadable:
            raise ImageLoadError(f'cannot load image {path}: {reason}') from failure
        if path not in self._skipped:
            self._skipped.add(path)
            print_log(f'skipping image {path}: {reason} (ignore_empty=True)', logger='current',
                      level=logging.WARNING)
        return None

    def __repr__(self):
        return super().__repr__().replace('ignore_empty=False', f'ignore_empty={self.skip_unreadable}')

"""Can an image file be read, and does it have the size its annotations say?"""
import os

from mmengine import fileio
from PIL import Image, UnidentifiedImageError

from .problem import error

#: How thoroughly an image is checked, cheapest first: the file exists; its header names an image
#: format and a size (PIL, reads a few KB); it decodes with the decoder of mmcv's LoadImageFromFile.
VERIFY_LEVELS = ('exists', 'header', 'decode')


def check_verify_level(verify):
    if verify not in VERIFY_LEVELS:
        raise ValueError(f'verify must be one of {VERIFY_LEVELS}, got {verify!r}')


def _decode_problem(path, backend_args, imdecode_backend):
    import mmcv  # only this level needs mmcv's decoder
    try:
        img = mmcv.imfrombytes(fileio.get(path, backend_args=backend_args), flag='color',
                               backend=imdecode_backend)
    except Exception as exc:  # decoders raise many kinds of errors on bad bytes
        return f'cannot be decoded ({type(exc).__name__}: {exc})'
    if img is None:
        return f'cannot be decoded by {imdecode_backend} (corrupt or truncated image data)'
    return None


def image_problem(path, verify='header', expected_hw=None, backend_args=None, imdecode_backend='cv2'):
    """Why the image file ``path`` cannot be used for training, or None if it can.

    Args:
        path (str): image path (local, or any backend of ``mmengine.fileio``).
        verify (str): one of :data:`VERIFY_LEVELS`. Default: ``'header'``.
        expected_hw (tuple[int, int], optional): height and width the annotations give; compared
            with the file's header from the ``'header'`` level on.
        backend_args (dict, optional): ``mmengine.fileio`` backend arguments.
        imdecode_backend (str): decoder of the ``'decode'`` level (as ``LoadImageFromFile``).

    Returns:
        DataProblem | None: the problem (kind ``missing``, ``empty``, ``unreadable``, ``undecodable``
        or ``size``), None for a good image.
    """
    check_verify_level(verify)
    if not fileio.exists(path, backend_args=backend_args):
        return error(path, 'missing', 'image file not found')
    if verify == 'exists':
        return None
    try:
        with fileio.get_local_path(path, backend_args=backend_args) as local:
            if os.path.getsize(local) == 0:
                return error(path, 'empty', 'image file is empty (0 bytes)')
            with Image.open(local) as image:
                width, height = image.size
    except UnidentifiedImageError:
        return error(path, 'unreadable', 'not an image file (no known image format in its header; '
                     'corrupt or not an image)')
    except OSError as exc:
        return error(path, 'unreadable', f'cannot be read ({exc})')
    if expected_hw is not None and tuple(expected_hw) != (height, width):
        return error(path, 'size', f'image is {width}x{height} (WxH) but the annotations say '
                     f'{expected_hw[1]}x{expected_hw[0]}')
    if verify == 'decode':
        reason = _decode_problem(path, backend_args, imdecode_backend)
        if reason is not None:
            return error(path, 'undecodable', reason)
    return None

"""Reading checkpoint files: ``weights_only`` stays on, and every failure names the file and the cause.

mmengine reads a local checkpoint with a bare ``torch.load``. On torch >= 2.6 that refuses a file that
would run code, but the user sees torch's generic ``weights_only`` message without the file; a
truncated file (a run killed while writing it) gives ``PytorchStreamReader failed reading zip archive``,
again without the file. :func:`install` registers :func:`load_local_checkpoint` as mmengine's loader for
local paths, so every path that reads a checkpoint through mmengine — ``tools/test.py``, ``load_from``,
``--resume``, ``init_cfg=dict(type='Pretrained')``, mmdet's ``init_detector``, mmpretrain's
``init_model`` — raises:

* :class:`UnsafeCheckpointError` for a file that asks for a global (function or class) torch does not
  consider data, naming the file and the globals, e.g. ``posix.system``;
* :class:`IncompleteCheckpointError` for a truncated file (no zip end record);
* :class:`CheckpointError` for any other unreadable file, with torch's message.

The file is only inspected statically (its pickle opcodes are listed, never executed).
"""
import _compat_pickle
import io
import os.path as osp
import pickle
import pickletools
import zipfile

import torch

#: modules torch refuses outright in a ``weights_only`` load
BLOCKED_MODULES = ('sys', 'os', 'posix', 'nt')
_STRING_OPS = {'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'UNICODE', 'STRING', 'BINSTRING',
               'SHORT_BINSTRING'}


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used; the message names the file."""


class IncompleteCheckpointError(CheckpointError):
    """A truncated checkpoint file (e.g. its writing was interrupted)."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint that would run code when unpickled; it is refused.

    Attributes:
        filename (str): the file.
        names (list[str]): the globals it asked for that are not plain data.
    """

    def __init__(self, message, filename, names):
        super().__init__(message)
        self.filename, self.names = filename, names


def pickle_globals(data):
    """Every global (``module.name``) a pickle stream refers to, found without unpickling it.

    Reads consecutive pickles (torch's legacy format holds several) until the data stops being a pickle.

    Args:
        data (bytes): the pickle stream.

    Returns:
        list[str]: the globals in the order they first appear.
    """
    found, stream = [], io.BytesIO(data)
    while stream.tell() < len(data):
        strings, memo = [], {}
        try:
            for opcode, arg, _ in pickletools.genops(stream):
                name = opcode.name
                if name in ('GLOBAL', 'INST'):
                    module, _, attr = arg.partition(' ')
                    found.append(_qualified(module, attr))
                elif name == 'STACK_GLOBAL' and len(strings) >= 2:
                    found.append(_qualified(strings[-2], strings[-1]))
                elif name in _STRING_OPS:
                    strings.append(arg.decode('latin-1') if isinstance(arg, bytes) else arg)
                elif name == 'MEMOIZE' and strings:
                    memo[len(memo)] = strings[-1]
                elif name in ('PUT', 'BINPUT', 'LONG_BINPUT') and strings:
                    memo[arg] = strings[-1]
                elif name in ('GET', 'BINGET', 'LONG_BINGET') and isinstance(memo.get(arg), str):
                    strings.append(memo[arg])
        except ValueError:  # not (or no longer) a pickle: the rest is raw data
            break
    return list(dict.fromkeys(found))


def _qualified(module, name):
    module = _compat_pickle.IMPORT_MAPPING.get(module, module)  # Python 2 names, as torch maps them
    return f'{module}.{name}'


def _pickle_bytes(filename):
    """The pickled part of a checkpoint file: ``*/data.pkl`` of a zip checkpoint, else the whole file."""
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as archive:
            names = [n for n in archive.namelist() if n.endswith('data.pkl')]
            return archive.read(names[0]) if names else b''
    with open(filename, 'rb') as f:
        return f.read()


def _allowed_globals():
    """Globals torch's ``weights_only`` unpickler accepts (its defaults and the user allow-list)."""
    from torch import _weights_only_unpickler as wo
    allowed = set()
    for getter in ('_get_allowed_globals', '_get_user_allowed_globals'):
        if hasattr(wo, getter):
            allowed.update(getattr(wo, getter)())
    return allowed


def unsafe_globals(filename):
    """The globals of a checkpoint file that a ``weights_only`` load would refuse.

    Args:
        filename (str): checkpoint file.

    Returns:
        list[str]: ``module.name`` of each such global, e.g. ``['posix.system']``.
    """
    allowed = _allowed_globals()
    return [name for name in pickle_globals(_pickle_bytes(filename)) if name not in allowed]


def unsafe_checkpoint_error(filename, cause, names=None):
    """The error for a checkpoint refused because unpickling it would run code.

    Args:
        filename (str): the file.
        cause (Exception): the unpickler's error (quoted when no global can be named).
        names (list[str], optional): the offending globals; found in the file when not given.

    Returns:
        UnsafeCheckpointError: naming the file, the globals and why it is refused.
    """
    if names is None:
        try:
            names = unsafe_globals(filename)
        except Exception:  # noqa: BLE001 - the file is unreadable beyond what torch said
            names = []
    what = ', '.join(names) if names else f'an object torch will not unpickle ({cause})'
    return UnsafeCheckpointError(
        f'{filename}: refused to load this checkpoint: it asks for {what}, which is not plain data '
        '(tensors, numbers, strings, containers): unpickling the file would import and run that '
        'code. Checkpoints are read with torch.load(weights_only=True), which stays on; load only '
        'files whose origin you trust, and convert them in a separate step you control.',
        filename, names)


def checkpoint_is_complete(filename):
    """Whether a checkpoint file is whole: a readable zip with its pickle (torch's format since 1.6).

    A truncated zip has no end record, so a checkpoint whose writing was interrupted is detected
    without reading its tensors. Files in torch's legacy (non-zip) format are taken as complete.

    Args:
        filename (str): the file.

    Returns:
        bool
    """
    if not osp.isfile(filename) or osp.getsize(filename) == 0:
        return False
    if not zipfile.is_zipfile(filename):
        with open(filename, 'rb') as f:
            return f.read(1) == b'\x80'  # a pickle (the legacy format) rather than a cut-off zip
    try:
        with zipfile.ZipFile(filename) as archive:
            return any(n.endswith('data.pkl') for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def load_checkpoint_file(filename, map_location=None):
    """``torch.load(filename, weights_only=True)`` whose errors name the file and the cause.

    Args:
        filename (str): a local checkpoint file.
        map_location: as for ``torch.load``.

    Returns:
        object: the loaded checkpoint.

    Raises:
        UnsafeCheckpointError: the file would run code.
        IncompleteCheckpointError: the file is truncated.
        CheckpointError: the file cannot be read otherwise.
    """
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for bad files; all are reported
        raise diagnose_load_error(filename, err) from err


def diagnose_load_error(filename, err):
    """The :class:`CheckpointError` that explains why ``torch.load`` failed on a file.

    Args:
        filename (str): the file.
        err (Exception): what ``torch.load`` raised.

    Returns:
        CheckpointError: :class:`UnsafeCheckpointError` if the file names globals that are not data,
        :class:`IncompleteCheckpointError` if it is empty or a cut-off zip, else :class:`CheckpointError`
        quoting torch's error.
    """
    try:
        names = unsafe_globals(filename)
    except Exception:  # noqa: BLE001 - unreadable beyond what torch said
        names = []
    if names or (isinstance(err, pickle.UnpicklingError) and 'GLOBAL' in str(err)):
        return unsafe_checkpoint_error(filename, err, names)
    with open(filename, 'rb') as f:
        head = f.read(4)
    if not head or (head == b'PK\x03\x04' and not checkpoint_is_complete(filename)):
        return IncompleteCheckpointError(
            f'{filename}: incomplete checkpoint file ({osp.getsize(filename)} bytes, truncated: no zip '
            'end record) - typically a checkpoint whose writing was interrupted. Use an earlier '
            'checkpoint; `tools/train.py --resume` without a path picks the last complete one.')
    return CheckpointError(f'{filename}: cannot be loaded as a PyTorch checkpoint '
                           f'({type(err).__name__}: {err})')


def load_local_checkpoint(filename, map_location=None):
    """mmengine's checkpoint loader for local paths, with :func:`load_checkpoint_file`'s errors.

    Args:
        filename (str): local path (``~`` expanded).
        map_location: as for ``torch.load``.

    Returns:
        object: the loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_checkpoint_file(filename, map_location)


def install():
    """Make mmengine read local checkpoints with :func:`load_local_checkpoint` (idempotent)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)

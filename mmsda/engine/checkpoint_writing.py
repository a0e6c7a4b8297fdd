"""Writing checkpoints so that a kill at any moment leaves the last complete checkpoint usable.

mmengine 0.10 writes a checkpoint in place (a kill leaves a truncated ``epoch_N.pth`` under its final
name), deletes the oldest checkpoint beyond ``max_keep_ckpts`` *before* writing the new one (with
``max_keep_ckpts=1`` a kill during the write leaves no checkpoint at all), and auto-resume trusts the
``last_checkpoint`` file blindly. :func:`install` changes the three, for every runner once ``mmsda`` is
imported (mmsda's tools, or any tool with ``custom_imports=dict(imports=['mmsda'])``):

* **atomic write**: a local checkpoint is written to a hidden temporary file in the same directory,
  flushed and ``fsync``-ed, then renamed over the final name (``os.replace``, atomic on POSIX and
  Windows), and the directory is synced. A file under a checkpoint's name is always complete;
  an interrupted write leaves only a ``.<name>.<pid>.partial`` file, removed by the next write of the
  same checkpoint. Remote backends (``backend_args``, ``s3://`` ...) keep mmengine's own writer.
* **rotation after the write**: ``CheckpointHook`` deletes old (and replaced best) checkpoints only
  after the new one is written; if saving fails, nothing is deleted.
* **auto-resume picks a complete file**: when ``last_checkpoint`` is missing, empty, or names a file
  that is missing or incomplete, the newest complete ``epoch_N.pth`` / ``iter_N.pth`` of the work
  directory is resumed instead (with a warning naming both).
"""
import functools
import glob
import logging
import os
import os.path as osp
import re
import uuid

import torch
from mmengine.logging import print_log

from .checkpoint_reading import checkpoint_is_complete

_PARTIAL_SUFFIX = '.partial'


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened; the rename is durable there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_atomically(obj, filename):
    """``torch.save(obj, filename)`` such that ``filename`` is either the old file or the whole new one.

    Args:
        obj: what to save.
        filename (str): the final local path.
    """
    directory, name = osp.split(osp.abspath(filename))
    for stale in glob.glob(osp.join(glob.escape(directory), f'.{glob.escape(name)}.*{_PARTIAL_SUFFIX}')):
        os.remove(stale)  # left by a write that was killed; never a checkpoint
    partial = osp.join(directory, f'.{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_PARTIAL_SUFFIX}')
    try:
        with open(partial, 'xb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, filename)
    except BaseException:
        if osp.exists(partial):
            os.remove(partial)
        raise
    _fsync_directory(directory)


def _is_local(filename, file_client_args, backend_args):
    if file_client_args is not None or '://' in filename:
        return False
    return backend_args is None or backend_args.get('backend', 'local') == 'local'


def _atomic_save_checkpoint(original):
    @functools.wraps(original)
    def save_checkpoint(checkpoint, filename, file_client_args=None, backend_args=None):
        if not _is_local(filename, file_client_args, backend_args):
            return original(checkpoint, filename, file_client_args=file_client_args, backend_args=backend_args)
        save_atomically(checkpoint, filename)

    save_checkpoint._mmsda_atomic = True
    return save_checkpoint


class _DeferredRemoval:
    """A file backend whose ``remove``/``rmtree`` are recorded and run later (everything else passes)."""

    def __init__(self, backend):
        self._backend, self._pending = backend, []

    def remove(self, path):
        self._pending.append((self._backend.remove, path))

    def rmtree(self, path):
        self._pending.append((self._backend.rmtree, path))

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def run(self):
        for remove, path in self._pending:
            remove(path)


def _rotate_after_saving(method):
    """Wrap a ``CheckpointHook`` save method so that its deletions happen after the save succeeded."""

    @functools.wraps(method)
    def save_then_delete(self, runner, *args, **kwargs):
        backend = getattr(self, 'file_backend', None)
        if backend is None or isinstance(backend, _DeferredRemoval):
            return method(self, runner, *args, **kwargs)
        deferred = self.file_backend = _DeferredRemoval(backend)
        try:
            result = method(self, runner, *args, **kwargs)
        finally:
            self.file_backend = backend
        deferred.run()
        return result

    save_then_delete._mmsda_deferred = True
    return save_then_delete


_STEP_FILE = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def complete_checkpoints(work_dir):
    """The complete ``epoch_N.pth`` / ``iter_N.pth`` files of a work directory, newest last.

    Args:
        work_dir (str): the directory.

    Returns:
        list[str]: paths ordered by modification time, then step.
    """
    paths = [osp.join(work_dir, n) for n in os.listdir(work_dir) if _STEP_FILE.match(n)] \
        if osp.isdir(work_dir) else []
    paths = [p for p in paths if checkpoint_is_complete(p)]
    return sorted(paths, key=lambda p: (osp.getmtime(p), int(_STEP_FILE.match(osp.basename(p)).group(1))))


def find_latest_checkpoint(path):
    """The checkpoint to auto-resume in a work directory: ``last_checkpoint`` if it names a complete
    file, else the newest complete ``epoch_N.pth`` / ``iter_N.pth``; None if there is none.

    Args:
        path (str): the work directory.

    Returns:
        str | None
    """
    record = osp.join(path, 'last_checkpoint')
    named = None
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip() or None
    if named is not None and checkpoint_is_complete(named):
        return named
    found = complete_checkpoints(path)
    latest = found[-1] if found else None
    if named is not None:
        print_log(f'{record} names {named}, which is missing or incomplete; '
                  + (f'resuming from {latest} instead.' if latest else 'no complete checkpoint found.'),
                  logger='current', level=logging.WARNING)
    return latest


def install():
    """Apply the three changes of this module to mmengine (idempotent)."""
    from mmengine.hooks import CheckpointHook
    from mmengine.runner import checkpoint as mm_checkpoint
    from mmengine.runner import runner as mm_runner

    for module in (mm_checkpoint, mm_runner):
        if not getattr(module.save_checkpoint, '_mmsda_atomic', False):
            module.save_checkpoint = _atomic_save_checkpoint(module.save_checkpoint)
        module.find_latest_checkpoint = find_latest_checkpoint
    for name in ('_save_checkpoint_with_step', '_save_best_checkpoint'):
        method = getattr(CheckpointHook, name)
        if not getattr(method, '_mmsda_deferred', False):
            setattr(CheckpointHook, name, _rotate_after_saving(method))

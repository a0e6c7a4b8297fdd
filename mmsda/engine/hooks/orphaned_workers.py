"""Data-loader workers that end when their training process is killed, instead of lingering."""
import ctypes
import os
import signal
import sys

from mmengine.hooks import Hook

from mmsda.registry import HOOKS

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def exit_with_parent(parent_pid):
    """Ask the kernel to SIGKILL this process when its parent ends (Linux ``PR_SET_PDEATHSIG``).

    Args:
        parent_pid (int): the expected parent; if it has already ended (the worker was orphaned
            between fork and this call), the process ends now.

    Returns:
        bool: whether the request was made (False where ``prctl`` does not exist).
    """
    if not sys.platform.startswith('linux'):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f'prctl(PR_SET_PDEATHSIG) failed: {os.strerror(errno)}')
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


class ExitWithParentInit:
    """A data loader's ``worker_init_fn`` that first ties the worker's life to its parent's, then runs
    the original ``worker_init_fn`` (MMEngine's seeding) unchanged.

    Args:
        init_fn (callable, optional): the data loader's original ``worker_init_fn``.
    """

    def __init__(self, init_fn=None):
        self.init_fn = init_fn
        self.parent_pid = os.getpid()

    def __call__(self, worker_id):
        exit_with_parent(self.parent_pid)
        if self.init_fn is not None:
            self.init_fn(worker_id)


def guard_workers(dataloader):
    """Make the worker processes of ``dataloader`` end with the process that iterates it.

    Args:
        dataloader: a ``torch.utils.data.DataLoader`` (others are left alone).

    Returns:
        bool: whether the data loader was changed (it has workers and was not guarded yet).
    """
    if getattr(dataloader, 'num_workers', 0) == 0 or isinstance(dataloader.worker_init_fn, ExitWithParentInit):
        return False
    dataloader.worker_init_fn = ExitWithParentInit(dataloader.worker_init_fn)
    return True


@HOOKS.register_module()
class KillOrphanedWorkersHook(Hook):
    """End the data-loader workers of a training process that is killed.

    When a training process dies from SIGKILL (a crashed rank torchrun tears down, the OOM killer, a
    user's ``kill -9``), its data-loader workers are orphaned: PyTorch's worker notices, but a worker
    with prefetched batches blocks forever writing them to a pipe nobody reads, and torchrun only
    signals the process groups of workers still alive. Each lingers with its share of memory (seen
    on this project's 2-rank CPU job: the dead rank's worker was still there minutes later). This
    hook wraps each data loader's ``worker_init_fn`` (see :class:`ExitWithParentInit`) so that the
    kernel kills the workers with their parent (Linux; elsewhere nothing changes). Seeding and data
    order are untouched. ``tools/train.py`` and ``tools/test.py`` add it to every config.

    Example::

        custom_hooks = [dict(type='mmsda.KillOrphanedWorkersHook')]
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        guard_workers(runner.train_dataloader)  # workers start with the first epoch, after this hook
        if runner.val_loop is not None:
            guard_workers(runner.val_loop.dataloader)

    def before_val(self, runner) -> None:
        guard_workers(runner.val_loop.dataloader)  # runner.val() without training

    def before_test(self, runner) -> None:
        guard_workers(runner.test_loop.dataloader)

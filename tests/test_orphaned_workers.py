"""A training process killed with SIGKILL takes its data-loader workers with it (KillOrphanedWorkersHook)."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import psutil
import pytest
import torch

from mmsda.engine import KillOrphanedWorkersHook
from mmsda.engine.hooks.orphaned_workers import ExitWithParentInit, guard_workers

# A "training process": a data loader whose worker has prefetched batches when the process is killed;
# it prints the worker's pid and waits. The samples are pickled through the worker's pipe, as mmdet's
# annotations and masks are (tensors and numpy arrays would go through shared memory): 1 MB each,
# more than a pipe holds.
TRAINER = textwrap.dedent('''
    import sys, time, torch
    from mmsda.engine.hooks.orphaned_workers import guard_workers

    class Big(torch.utils.data.Dataset):
        def __len__(self):
            return 100
        def __getitem__(self, i):
            return dict(masks=bytes(1 << 20))

    loader = torch.utils.data.DataLoader(Big(), batch_size=None, num_workers=1, persistent_workers=True)
    if sys.argv[1] == 'guarded':
        guard_workers(loader)
    batches = iter(loader)
    next(batches)
    print(loader._iterator._workers[0].pid, flush=True)
    time.sleep(600)
''')


def _worker_after_parent_killed(mode):
    """SIGKILL the trainer; return the worker's process if it is still running 5 s later."""
    trainer = subprocess.Popen([sys.executable, '-c', TRAINER, mode], stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, OMP_NUM_THREADS='1'))
    worker = psutil.Process(int(trainer.stdout.readline()))
    time.sleep(0.5)  # let the worker prefetch
    trainer.kill()
    trainer.wait()
    try:
        worker.wait(timeout=5)
        return None
    except psutil.TimeoutExpired:
        return worker


@pytest.mark.slow  # two interpreters and a 5 s wait
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='PR_SET_PDEATHSIG is Linux only')
def test_a_killed_trainers_worker_lingers_unless_guarded():
    lingering = _worker_after_parent_killed('plain')
    if lingering is not None:  # the defect the hook is for (PyTorch's own watchdog does not end it)
        lingering.send_signal(signal.SIGKILL)
        lingering.wait(timeout=10)
    assert lingering is not None, 'PyTorch now ends orphaned workers itself; the hook may be unnecessary'
    assert _worker_after_parent_killed('guarded') is None


def test_guard_keeps_the_original_worker_init_fn_and_is_idempotent():
    calls = []
    loader = torch.utils.data.DataLoader(list(range(4)), num_workers=1, worker_init_fn=calls.append)
    assert guard_workers(loader) and not guard_workers(loader)
    assert isinstance(loader.worker_init_fn, ExitWithParentInit) and loader.worker_init_fn.init_fn == calls.append
    assert sorted(int(x) for x in loader) == [0, 1, 2, 3]
    assert not guard_workers(torch.utils.data.DataLoader(list(range(4))))  # no workers: nothing to do


def test_hook_guards_train_and_val_loaders():
    train = torch.utils.data.DataLoader(list(range(4)), num_workers=1)
    val = torch.utils.data.DataLoader(list(range(4)), num_workers=2)
    runner = SimpleNamespace(train_dataloader=train, val_loop=SimpleNamespace(dataloader=val))
    KillOrphanedWorkersHook().before_train(runner)
    assert all(isinstance(loader.worker_init_fn, ExitWithParentInit) for loader in (train, val))

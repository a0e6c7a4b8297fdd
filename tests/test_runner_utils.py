"""``tools/_runner_utils.run``: how ``tools/train.py`` / ``tools/test.py`` end a (distributed) run."""
import os
import sys
import weakref

import pytest
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))

from _runner_utils import run  # noqa: E402


@pytest.fixture
def gloo_group(tmp_path):
    """A one-process gloo group, as each rank of ``tools/dist_train.sh`` on a CPU has."""
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


class FakeRunner:
    """What ``run`` relies on of an mmengine ``Runner``: ``model`` and ``train`` returning it."""

    def __init__(self, model):
        self.model = model
        self.trained = False

    def train(self):
        self.trained = True
        return self.model


def test_run_frees_the_ddp_model_and_destroys_the_process_group_after_a_successful_run(gloo_group):
    # left to the interpreter's exit, gloo's threads can abort the finished process (SIGABRT); the
    # distributed model holds the group, so it has to go first
    runner = FakeRunner(torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2)))
    ddp = weakref.ref(runner.model)
    assert run(runner.train) is None
    assert runner.trained and runner.model is None and ddp() is None
    assert not dist.is_initialized()


def test_run_leaves_the_process_group_after_a_failed_run(gloo_group):
    from mmsda.engine import CheckpointError

    def fail():
        raise CheckpointError('bad.pth: not a checkpoint')

    with pytest.raises(SystemExit, match='error: bad.pth: not a checkpoint'):
        run(fail)
    assert dist.is_initialized()  # a collective call with the other ranks gone would hang


def test_run_outside_distributed_training_keeps_the_model():
    assert not dist.is_initialized()
    runner = FakeRunner(torch.nn.Linear(2, 2))
    run(runner.train)
    assert runner.trained and runner.model is not None

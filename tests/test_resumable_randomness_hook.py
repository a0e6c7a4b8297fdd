"""ResumableRandomnessHook: augmentation and model randomness as a function of the position in training,
so a run resumed from a checkpoint repeats the uninterrupted one (persistent workers included)."""
import functools
import pickle
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler, default_collate, worker_init_fn
from mmengine.registry import DATASETS
from torch.utils.data import DataLoader, Dataset

from _toy_runner import ToyDataset, toy_runner
from mmsda.engine import ResumableRandomnessHook
from mmsda.engine.hooks.resumable_randomness_hook import SeededIndex, SeedTaggingSampler


class Augmented(Dataset):
    """Each sample draws from the three global RNGs, as augmentation pipelines do."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return torch.tensor([i, random.random(), np.random.rand(), torch.rand(()).item()], dtype=torch.float64)


def loader(num_workers, dataset=None):
    dataset = dataset or Augmented()
    return DataLoader(dataset, batch_size=2, sampler=DefaultSampler(dataset, shuffle=True, seed=0),
                      num_workers=num_workers, persistent_workers=num_workers > 0, collate_fn=default_collate,
                      worker_init_fn=functools.partial(worker_init_fn, num_workers=num_workers, rank=0, seed=0)
                      if num_workers else None)


def run_epochs(data_loader, epochs, hook=None):
    """Iterate ``epochs`` as MMEngine's epoch loop does (DistSamplerSeedHook's set_epoch), with the hook."""
    runner = SimpleNamespace(train_loop=SimpleNamespace(dataloader=data_loader), seed=0, epoch=0)
    if hook is not None:
        hook.before_train(runner)
    out = {}
    for epoch in epochs:
        runner.epoch = epoch
        data_loader.sampler.set_epoch(epoch)
        if hook is not None:
            hook.before_train_epoch(runner)
        out[epoch] = torch.cat(list(data_loader))
    return out


@pytest.mark.parametrize('num_workers', [0, 2])
def test_a_resumed_epoch_sees_the_same_augmentations(num_workers):
    uninterrupted = run_epochs(loader(num_workers), [0, 1], ResumableRandomnessHook())
    resumed = run_epochs(loader(num_workers), [1], ResumableRandomnessHook())
    assert torch.equal(resumed[1], uninterrupted[1])
    assert not torch.equal(uninterrupted[0][:, 1:], uninterrupted[1][:, 1:]), 'epochs must differ'


def test_without_the_hook_persistent_workers_replay_the_first_epoch_after_a_resume():
    # the cause this hook removes: workers are seeded once, so after a restart epoch 2 sees epoch 1's stream
    uninterrupted = run_epochs(loader(1), [0, 1])
    resumed = run_epochs(loader(1), [1])
    assert torch.equal(resumed[1][:, 0], uninterrupted[1][:, 0])  # same indices (the sampler is seeded)
    assert not torch.equal(resumed[1], uninterrupted[1])  # different augmentations


def test_tagged_indices_survive_pickling_and_keep_int_semantics():
    index = SeededIndex(5, (0, 1, 1, 3))
    copy = pickle.loads(pickle.dumps(index))
    assert copy == 5 and copy.key == (0, 1, 1, 3) and list(range(10))[copy] == 5


def test_the_sampler_wrapper_tags_positions_and_passes_attributes_through():
    sampler = DefaultSampler(ToyDataset(), shuffle=True, seed=0)
    wrapped = SeedTaggingSampler(sampler, seed=7)
    wrapped.set_epoch(3)
    wrapped.epoch = 3
    indices = list(wrapped)
    assert indices == list(sampler) and len(wrapped) == len(sampler) and wrapped.dataset is sampler.dataset
    assert [i.key for i in indices] == [(7, 3, 3, k) for k in range(len(sampler))]


def test_the_main_process_rngs_are_a_function_of_the_iteration():
    hook = ResumableRandomnessHook()
    draws = {}
    for it in (5, 6, 5):
        hook.before_train_iter(SimpleNamespace(seed=0, iter=it), batch_idx=0)
        draws.setdefault(it, []).append((torch.rand(3), np.random.rand(), random.random()))
    (a, b), (c,) = draws[5], draws[6]
    assert torch.equal(a[0], b[0]) and a[1:] == b[1:]
    assert not torch.equal(a[0], c[0])


@DATASETS.register_module(force=True)
class NoisyToyDataset(ToyDataset):
    """The toy data with input noise from the three global RNGs (an 'augmentation')."""

    def __getitem__(self, i):
        sample = super().__getitem__(i)
        noise = torch.randn(2) + float(np.random.randn()) + random.random()
        return dict(inputs=sample['inputs'] + 0.1 * noise, labels=sample['labels'])


class Dropout(torch.nn.Module):
    """Randomness in the model itself (main process)."""

    def forward(self, x):
        return torch.nn.functional.dropout(x, 0.5, self.training)


def _train(work_dir, train_cfg, resume=False):
    from _toy_runner import ToyModel
    torch.manual_seed(0)  # the same initial weights in every run
    model = ToyModel()
    model.linear = torch.nn.Sequential(Dropout(), model.linear)
    runner = toy_runner(work_dir, model=model, dataset='NoisyToyDataset', num_workers=1,
                        custom_hooks=[ResumableRandomnessHook()], resume=resume, train_cfg=train_cfg)
    runner.train()
    return [p.detach().clone() for p in runner.model.parameters()]


@pytest.mark.parametrize('by_epoch', [True, False])
def test_a_resumed_run_ends_with_the_same_weights(tmp_path, by_epoch):
    def cfg(n):
        return dict(by_epoch=True, max_epochs=n) if by_epoch else dict(by_epoch=False, max_iters=4 * n)

    uninterrupted = _train(tmp_path / 'a', cfg(2))
    _train(tmp_path / 'b', cfg(1))  # stops after its first checkpoint
    resumed = _train(tmp_path / 'b', cfg(2), resume=True)
    assert all(torch.equal(p, q) for p, q in zip(resumed, uninterrupted))


def test_registered_in_the_mmsda_scope():
    from mmengine.registry import HOOKS
    assert isinstance(HOOKS.build(dict(type='mmsda.ResumableRandomnessHook')), ResumableRandomnessHook)

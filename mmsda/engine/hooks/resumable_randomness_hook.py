"""Random streams that are a function of the position in training, so a resumed run repeats the
uninterrupted one bit for bit.

MMEngine saves the weights, the optimizer, the schedulers and the message hub, but not the random
state, and seeds the data-loader workers once (``seed + worker id + rank``). An uninterrupted run
carries that state from epoch to epoch (with ``persistent_workers=True`` the workers' augmentation
streams go on; the main process's stream, used by e.g. mmdet's RoI samplers, goes on), a resumed run
starts both afresh from the seed: epoch 2 of a resumed run augments and samples differently.

This hook removes the state instead of saving it:

* **data**: each sample's augmentation RNGs (``random``, ``numpy`` and PyTorch's CPU generator, in the
  worker or in the main process with ``num_workers=0``) are seeded from ``(seed, epoch, position in
  the epoch's index stream, sample index)`` right before the sample is loaded;
* **model**: the main process's RNGs are seeded from ``(seed, iteration)`` at the start of every
  training iteration (after the batch is loaded, before the data preprocessor and the model run).

Add it to any config with one line: ``custom_hooks = [dict(type='mmsda.ResumableRandomnessHook')]``.
The streams differ from MMEngine's default ones (they are equally random, but a run with the hook does
not repeat a run without it). Works with epoch- and iteration-based loops, any number of workers,
persistent or not, and distributed samplers.

How the epoch reaches a worker: the train loader's batch sampler draws from a thin wrapper of its
sampler that tags each index (an ``int`` subclass) with its seed key, and the dataset gets a
``__getitems__`` (PyTorch's batched-fetch protocol, used by every worker) that seeds the RNGs from the
key before loading each sample.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from mmsda.registry import HOOKS

_SAMPLE_STREAM, _ITERATION_STREAM = 0, 1


def derive_seed(*keys):
    """A 32-bit seed from a sequence of ints (numpy's ``SeedSequence`` hash, keys taken mod 2**64)."""
    return int(np.random.SeedSequence([int(k) % 2**64 for k in keys]).generate_state(1, dtype=np.uint32)[0])


def seed_all(seed, cpu_only=False):
    """Seed Python's, NumPy's and PyTorch's global RNGs.

    Args:
        seed (int): the seed.
        cpu_only (bool): seed only PyTorch's CPU generator. That is all data loading uses, and
            ``torch.manual_seed`` costs about 100x more (it also seeds every accelerator backend),
            which is felt when it runs once per sample. Defaults to False.
    """
    random.seed(seed)
    np.random.seed(seed)
    if cpu_only:
        torch.default_generator.manual_seed(seed)
    else:
        torch.manual_seed(seed)


class SeededIndex(int):
    """A dataset index carrying the key its sample's RNG is seeded from."""

    def __new__(cls, index, key):
        obj = super().__new__(cls, index)
        obj.key = key
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.key)


class SeedTaggingSampler:
    """Wraps a sampler; yields its indices as :class:`SeededIndex` keyed by (seed, epoch, position).

    Args:
        sampler: the wrapped sampler (attributes such as ``set_epoch`` and ``dataset`` pass through).
        seed (int): the run's seed.
    """

    def __init__(self, sampler, seed):
        self.sampler, self.seed, self.epoch = sampler, seed, 0

    def __iter__(self):
        # The sampler's own epoch (set by DistSamplerSeedHook, or on each restart of an iteration-based
        # loop's finite loader) and the runner's epoch (set by the hook) both enter the key.
        key = (self.seed, self.epoch, getattr(self.sampler, 'epoch', 0))
        for position, index in enumerate(self.sampler):
            yield SeededIndex(index, (*key, position))

    def __len__(self):
        return len(self.sampler)

    def __getattr__(self, name):
        if name == 'sampler':  # not yet set (e.g. while unpickling)
            raise AttributeError(name)
        return getattr(self.sampler, name)


class SeededFetch:
    """``dataset.__getitems__``: loads each sample after seeding the RNGs from its index's key."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __call__(self, indices):
        samples = []
        for index in indices:
            key = getattr(index, 'key', None)
            if key is not None:
                seed_all(derive_seed(key[0], _SAMPLE_STREAM, *key[1:], int(index)), cpu_only=True)
            samples.append(self.dataset[int(index)])
        return samples


@HOOKS.register_module()
class ResumableRandomnessHook(Hook):
    """Make data augmentation and model randomness a function of (seed, epoch, sample, iteration).

    See the module docstring. No arguments: the seed is the runner's (``randomness.seed``, or the one
    restored from the resumed checkpoint).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner):
        loop = runner.train_loop
        iterator = getattr(loop, 'dataloader_iterator', None)
        if iterator is not None and loop.dataloader.num_workers > 0:
            # An iteration-based loop starts its loader, and the workers with their copy of the
            # dataset, when it is built, before any hook runs: build the loader again (same config,
            # same seed) and start it after the seeding is installed.
            if 'train_dataloader' not in runner.cfg:
                raise TypeError('ResumableRandomnessHook: an iteration-based loop with data-loader workers '
                                'needs a runner built from a config (Runner.from_cfg, as tools/train.py does)')
            randomness = runner.cfg.get('randomness') or {}
            loop.dataloader = runner.build_dataloader(
                runner.cfg.train_dataloader, seed=runner.seed,
                diff_rank_seed=randomness.get('diff_rank_seed', False))
            self._install(loop.dataloader, runner.seed)
            loop.dataloader_iterator = type(iterator)(loop.dataloader)
        else:
            self._install(loop.dataloader, runner.seed)

    @staticmethod
    def _install(loader, seed):
        batch_sampler = getattr(loader, 'batch_sampler', None)
        if batch_sampler is None or not hasattr(batch_sampler, 'sampler'):
            raise TypeError('ResumableRandomnessHook needs a train dataloader with a batch sampler '
                            '(a map-style dataset with batch_size or batch_sampler set)')
        if not isinstance(batch_sampler.sampler, SeedTaggingSampler):
            batch_sampler.sampler = SeedTaggingSampler(batch_sampler.sampler, seed)
        batch_sampler.sampler.seed = seed
        dataset = loader.dataset
        if not isinstance(vars(dataset).get('__getitems__'), SeededFetch):
            dataset.__getitems__ = SeededFetch(dataset)

    def before_train_epoch(self, runner):
        runner.train_loop.dataloader.batch_sampler.sampler.epoch = runner.epoch

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        seed_all(derive_seed(runner.seed, _ITERATION_STREAM, runner.iter))

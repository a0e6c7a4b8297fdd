"""A real MMEngine Runner on a two-parameter model: the training loop, hooks and checkpoints in a second."""
import uuid

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.registry import DATASETS
from mmengine.runner import Runner
from torch.utils.data import Dataset


class ToyModel(BaseModel):
    """Linear regression with two loss terms; ``loss_b`` becomes ``bad_value`` at the given calls.

    Args:
        bad_at (Iterable[int]): 1-based loss calls (= training iterations) whose ``loss_b`` is bad.
        bad_value (float): NaN or Inf.
    """

    def __init__(self, bad_at=(), bad_value=float('nan')):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.bad_at, self.bad_value, self.calls = set(bad_at), bad_value, 0

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs)
        if mode != 'loss':
            return out
        self.calls += 1
        loss_b = 0.1 * out.abs().mean()
        if self.calls in self.bad_at:
            loss_b = loss_b * self.bad_value
        return dict(loss_a=(out - labels).pow(2).mean(), loss_b=loss_b)


@DATASETS.register_module(force=True)
class ToyDataset(Dataset):
    """8 samples ``dict(inputs=2-vector, labels=1-vector)``."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(8, 2, generator=g)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], labels=self.y[i])


def toy_runner(work_dir, model=None, max_epochs=2, max_keep_ckpts=-1, custom_hooks=(), optimizer=None,
               dataset=None, num_workers=0, train_cfg=None, **kwargs):
    """A Runner training :class:`ToyModel` (4 iterations per epoch, batch 2) with a checkpoint per epoch
    (per 4 iterations with an iteration-based ``train_cfg``); ``dataset`` is a registered type name."""
    train_cfg = train_cfg or dict(by_epoch=True, max_epochs=max_epochs)
    by_epoch = train_cfg.get('by_epoch', True)
    sampler = 'DefaultSampler' if by_epoch else 'InfiniteSampler'
    train_dataloader = dict(dataset=dict(type=dataset or 'ToyDataset'), sampler=dict(type=sampler, shuffle=True),
                            batch_size=2, num_workers=num_workers, persistent_workers=num_workers > 0,
                            collate_fn=dict(type='default_collate'))
    return Runner(
        model=model or ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{uuid.uuid4().hex}',
        train_dataloader=train_dataloader,
        optim_wrapper=dict(optimizer=optimizer or dict(type='SGD', lr=0.01)),
        train_cfg=train_cfg,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1 if by_epoch else 4,
                                           by_epoch=by_epoch, max_keep_ckpts=max_keep_ckpts),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=list(custom_hooks),
        randomness=dict(seed=0),
        default_scope='mmengine',
        log_level='WARNING',
        cfg=dict(train_dataloader=train_dataloader),  # as Runner.from_cfg keeps it
        **kwargs)

"""mmsda.compat: mmengine checkpoints load with weights_only=True kept on; CPU distributed shims."""
import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel

import mmsda  # noqa: F401  (applies the shims)


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs).squeeze(-1)  # default_collate batches inputs: B×2
        if mode == 'loss':
            return dict(loss=((out - labels) ** 2).mean())
        return out


class ToyDataset(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i), 1.0]), labels=torch.tensor(float(i % 2)))


def _run_toy(work_dir, max_epochs, resume=False):
    from mmengine.runner import Runner
    runner = Runner(
        model=ToyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToyDataset(), sampler=dict(type='DefaultSampler', shuffle=False),
                              batch_size=4, num_workers=0, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1), logger=dict(type='LoggerHook',
                                                                                          interval=1)),
        resume=resume, default_scope='mmengine', experiment_name=f'toy_{max_epochs}_{int(resume)}')
    runner.train()
    return runner


@pytest.fixture(scope='module')
def mmengine_checkpoint(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('toy')
    _run_toy(work_dir, max_epochs=1)
    return work_dir, work_dir / 'epoch_1.pth'


def test_mmengine_checkpoint_needs_more_than_torch_default_allow_list(mmengine_checkpoint):
    # Guards the premise of the shim: without mmsda, torch's weights_only default refuses the file.
    _, path = mmengine_checkpoint
    code = textwrap.dedent(f'''
        import torch, pickle
        try:
            torch.load({str(path)!r}, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            print("refused")
    ''')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == 'refused', out.stderr


def test_mmengine_checkpoint_loads_with_weights_only(mmengine_checkpoint):
    _, path = mmengine_checkpoint
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    assert ckpt['meta']['epoch'] == 1 and 'message_hub' in ckpt
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ


def test_mmengine_checkpoint_loads_in_a_fresh_process(mmengine_checkpoint):
    # A process that only loads (tools/test.py) has created no HistoryBuffer before unpickling.
    _, path = mmengine_checkpoint
    code = f'import mmsda, torch; print(torch.load({str(path)!r}, weights_only=True)["meta"]["epoch"])'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == '1', out.stderr[-2000:]


def test_resume_from_checkpoint_continues_training(mmengine_checkpoint):
    work_dir, _ = mmengine_checkpoint
    runner = _run_toy(work_dir, max_epochs=2, resume=True)
    assert runner.epoch == 2 and (work_dir / 'epoch_2.pth').is_file()


class _Exploit:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def test_code_in_a_checkpoint_is_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': _Exploit()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_cpu_init_dist_uses_gloo(monkeypatch):
    from mmengine.dist import utils as dist_utils
    calls = {}
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.distributed, 'init_process_group', lambda backend, **kw: calls.update(backend=backend))
    monkeypatch.setattr(torch.cuda, 'set_device', lambda *_: pytest.fail('set_device called without CUDA'))
    dist_utils._init_dist_pytorch('nccl')
    assert calls['backend'] == 'gloo'


def test_ddp_wrapper_drops_device_ids_for_cpu_modules(monkeypatch):
    from mmengine.model.wrappers import MMDistributedDataParallel
    seen = {}

    def fake_ddp_init(self, module, **kwargs):
        nn.Module.__init__(self)
        seen.update(kwargs)

    monkeypatch.setattr(torch.nn.parallel.DistributedDataParallel, '__init__', fake_ddp_init)
    MMDistributedDataParallel(module=nn.Linear(2, 2), device_ids=[0], broadcast_buffers=False)
    assert seen['device_ids'] is None


def test_apply_is_idempotent():
    from mmengine.dist import utils as dist_utils
    before = dist_utils._init_dist_pytorch
    mmsda.compat.apply()
    mmsda.compat.patch_cpu_distributed()
    assert dist_utils._init_dist_pytorch is before


def test_getattr_in_a_checkpoint_is_limited_to_history_buffer_methods(tmp_path):
    import builtins

    from mmengine.logging.history_buffer import HistoryBuffer
    path = tmp_path / 'getattr.pth'

    class Sneaky:  # getattr on an allowed class, but not one of its statistics methods
        def __reduce__(self):
            return (builtins.getattr, (HistoryBuffer, '__init__'))

    torch.save({'x': Sneaky()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)

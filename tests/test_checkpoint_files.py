"""Checkpoint files: atomic writes, rotation after the write, auto-resume of the last complete file,
and errors naming the file for truncated, corrupt and code-running ("untrusted") checkpoints."""
import os
import pickle

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import _load_checkpoint

from _toy_runner import toy_runner
from mmsda.engine import (CheckpointError, IncompleteCheckpointError, UnsafeCheckpointError,
                          checkpoint_is_complete, find_latest_checkpoint, save_atomically)
from mmsda.engine import checkpoint_writing
from mmsda.engine.checkpoint_reading import pickle_globals


def truncate(src, dst, fraction=0.5):
    data = open(src, 'rb').read()
    open(dst, 'wb').write(data[:int(len(data) * fraction)])
    return str(dst)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A toy run's work dir with epoch_1.pth and epoch_2.pth (real mmengine checkpoints)."""
    work_dir = tmp_path_factory.mktemp('trained')
    toy_runner(work_dir).train()
    return work_dir


# ---- atomic writes -------------------------------------------------------------------------------

def test_save_atomically_writes_the_whole_file_and_no_partial(tmp_path):
    path = tmp_path / 'a.pth'
    save_atomically({'w': torch.arange(10)}, str(path))
    assert torch.equal(torch.load(path)['w'], torch.arange(10))
    assert sorted(os.listdir(tmp_path)) == ['a.pth']
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())  # like any file the user makes


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_interrupted_write_leaves_the_previous_file_and_no_partial(tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    save_atomically({'w': torch.zeros(3)}, str(path))

    def dies_halfway(obj, f):
        f.write(b'PK\x03\x04 half a checkpoint')
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_writing.torch, 'save', dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        save_atomically({'w': torch.ones(3)}, str(path))
    assert torch.equal(torch.load(path)['w'], torch.zeros(3))
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth']


def test_a_partial_file_left_by_a_killed_write_is_removed_by_the_next_write(tmp_path):
    stale = tmp_path / '.epoch_2.pth.4242-deadbeef.partial'
    stale.write_bytes(b'PK\x03\x04 cut')
    other = tmp_path / '.epoch_3.pth.4242-deadbeef.partial'
    other.write_bytes(b'PK\x03\x04 cut')
    save_atomically({'w': torch.ones(1)}, str(tmp_path / 'epoch_2.pth'))
    assert sorted(os.listdir(tmp_path)) == ['.epoch_3.pth.4242-deadbeef.partial', 'epoch_2.pth']


def test_the_runner_writes_checkpoints_through_a_rename(tmp_path, monkeypatch):
    renames = []
    replace = os.replace
    monkeypatch.setattr(os, 'replace', lambda src, dst: (renames.append((src, dst)), replace(src, dst)))
    toy_runner(tmp_path, max_epochs=1).train()
    assert [os.path.basename(dst) for _, dst in renames] == ['epoch_1.pth']
    assert renames[0][0].endswith('.partial') and not os.path.exists(renames[0][0])


class FailsToSaveAt(Hook):
    def __init__(self, epoch):
        self.epoch = epoch

    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta']['epoch'] == self.epoch:
            raise OSError('No space left on device')


def test_old_checkpoints_are_deleted_only_after_the_new_one_is_written(tmp_path):
    # mmengine deletes the oldest checkpoint beyond max_keep_ckpts before writing the new one: with
    # max_keep_ckpts=1, a failed (or killed) save of epoch 2 would leave no checkpoint at all.
    runner = toy_runner(tmp_path, max_keep_ckpts=1, custom_hooks=[FailsToSaveAt(2)])
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    assert checkpoint_is_complete(str(tmp_path / 'epoch_1.pth'))
    toy_runner(tmp_path / 'ok', max_epochs=3, max_keep_ckpts=1).train()
    assert sorted(p for p in os.listdir(tmp_path / 'ok') if p.endswith('.pth')) == ['epoch_3.pth']


# ---- auto-resume picks a complete checkpoint -----------------------------------------------------

def _work_dir_with_truncated_latest(trained, tmp_path):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    good = work_dir / 'epoch_1.pth'
    good.write_bytes((trained / 'epoch_1.pth').read_bytes())
    truncate(trained / 'epoch_2.pth', work_dir / 'epoch_2.pth')
    os.utime(good, (1, 1))  # older than the truncated one
    return work_dir, good


def test_last_checkpoint_naming_a_truncated_file_falls_back_to_the_last_complete_one(trained, tmp_path):
    work_dir, good = _work_dir_with_truncated_latest(trained, tmp_path)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_2.pth'))
    assert find_latest_checkpoint(str(work_dir)) == str(good)


@pytest.mark.parametrize('record', [None, '', 'work_dirs/x/epo'])
def test_missing_empty_or_cut_last_checkpoint_record_falls_back_too(trained, tmp_path, record):
    work_dir, good = _work_dir_with_truncated_latest(trained, tmp_path)
    if record is not None:
        (work_dir / 'last_checkpoint').write_text(record)
    assert find_latest_checkpoint(str(work_dir)) == str(good)


def test_no_complete_checkpoint_means_nothing_to_resume(tmp_path):
    truncate_target = tmp_path / 'epoch_1.pth'
    truncate_target.write_bytes(b'PK\x03\x04')
    assert find_latest_checkpoint(str(tmp_path)) is None
    assert find_latest_checkpoint(str(tmp_path / 'missing')) is None


def test_runner_auto_resume_continues_from_the_last_complete_checkpoint(trained, tmp_path):
    work_dir, good = _work_dir_with_truncated_latest(trained, tmp_path)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_2.pth'))
    runner = toy_runner(work_dir, resume=True)
    runner.train()
    assert runner.epoch == 2 and runner.iter == 8  # epoch 2 trained again from epoch_1.pth
    assert checkpoint_is_complete(str(work_dir / 'epoch_2.pth'))


# ---- explicitly named bad checkpoints: errors that name the file ---------------------------------

def test_truncated_checkpoint_error_names_the_file_on_every_path(trained, tmp_path):
    path = truncate(trained / 'epoch_2.pth', tmp_path / 'cut.pth')
    pattern = f'{path}: incomplete checkpoint file .* truncated'
    with pytest.raises(IncompleteCheckpointError, match=pattern):
        _load_checkpoint(path)  # init_cfg Pretrained, mmdet init_detector, mmpretrain init_model
    runner = toy_runner(tmp_path / 'w', load_from=path)
    with pytest.raises(IncompleteCheckpointError, match=pattern):
        runner.load_checkpoint(path)  # load_from, tools/test.py
    with pytest.raises(IncompleteCheckpointError, match=pattern):
        runner.resume(path)  # --resume PATH


@pytest.mark.parametrize('content', [b'', b'not a checkpoint at all' * 10])
def test_empty_or_foreign_file_error_names_the_file(tmp_path, content):
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=f'{path}: '):
        _load_checkpoint(str(path))


# ---- untrusted checkpoints: refused, naming the file and the object ------------------------------

class RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


class RunsExec:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f'open({self.marker!r}, "w").close()',))


def _write(kind, path, marker):
    if kind == 'torch zip, os.system':
        torch.save({'state_dict': {'w': torch.ones(1)}, 'x': RunsShell(marker)}, path)
    elif kind == 'torch zip, builtins.exec':
        torch.save({'state_dict': {'w': torch.ones(1)}, 'x': RunsExec(marker)}, path)
    elif kind == 'torch legacy format':
        torch.save({'x': RunsShell(marker)}, path, _use_new_zipfile_serialization=False)
    else:  # a raw pickle, protocol 0 or 4 (opcodes torch's unpickler does not support)
        with open(path, 'wb') as f:
            pickle.dump({'x': RunsShell(marker)}, f, protocol=int(kind[-1]))
    return str(path)


UNTRUSTED = {'torch zip, os.system': 'posix.system', 'torch zip, builtins.exec': 'builtins.exec',
             'torch legacy format': 'posix.system', 'raw pickle, protocol 0': 'posix.system',
             'raw pickle, protocol 4': 'posix.system'}


@pytest.mark.parametrize('kind', sorted(UNTRUSTED))
def test_code_running_checkpoint_is_refused_naming_file_and_object(tmp_path, kind):
    marker = tmp_path / 'code-ran'
    path = _write(kind, tmp_path / 'evil.pth', marker)
    runner = toy_runner(tmp_path / 'w')
    pattern = f'{path}: refused to load .*asks for {UNTRUSTED[kind]}.*would import and run that code'
    for load in (_load_checkpoint, runner.load_checkpoint, runner.resume):
        with pytest.raises(UnsafeCheckpointError, match=pattern) as info:
            load(path)
        assert info.value.filename == path and UNTRUSTED[kind] in info.value.names
    assert not marker.exists()


def test_pretrained_init_cfg_refuses_a_code_running_checkpoint(tmp_path):
    from mmsda.models.backbones import SDAResNet
    marker = tmp_path / 'code-ran'
    path = _write('torch zip, os.system', tmp_path / 'evil.pth', marker)
    model = SDAResNet(depth=26, stem_channels=16, base_channels=16, min_channels=16,
                      init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        model.init_weights()
    assert not marker.exists()


def test_pickle_globals_reads_every_protocol_without_running_anything(tmp_path):
    marker = tmp_path / 'code-ran'
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps([RunsShell(marker), torch.nn.Linear], protocol=protocol)
        assert pickle_globals(data)[:2] == ['posix.system', 'torch.nn.modules.linear.Linear'], protocol
    assert not marker.exists()


def test_mmengine_checkpoints_still_load_with_weights_only(trained):
    checkpoint = _load_checkpoint(str(trained / 'epoch_2.pth'))
    assert checkpoint['meta']['epoch'] == 2 and 'message_hub' in checkpoint

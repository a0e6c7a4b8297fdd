"""Faults injected into real runs of the tools (slow): SIGKILL and exact resume, a kill during a
checkpoint write, truncated and code-running checkpoints on every path, a diverging loss."""
import glob
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmsda.engine import checkpoint_is_complete

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DET_DEMO = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')
CLS_DEMO = os.path.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
SEEDED = ['--cfg-options', 'randomness.seed=0', 'randomness.deterministic=True']


def cls_config(tmp_path, num_per_class=40, max_keep_ckpts=2):
    """The demo classifier (its hooks, 1 persistent worker) on a tiny split: 2 epochs of 25 iterations."""
    data_root = str(tmp_path / 'shapes_cls')
    path = tmp_path / 'cls.py'
    path.write_text(f'''
_base_ = {CLS_DEMO!r}
train_dataloader = dict(batch_size=8,
                        dataset=dict(data_root={data_root!r}, generate=dict(num_per_class={num_per_class})))
val_dataloader = dict(dataset=dict(data_root={data_root!r}, generate=dict(num_per_class=2)))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2)
default_hooks = dict(checkpoint=dict(max_keep_ckpts={max_keep_ckpts}))
''')
    return str(path)


def det_config(tmp_path):
    """The demo detector (its hooks, 1 persistent worker, batch 4) on 16 images: 2 epochs of 4 iterations."""
    data_root = str(tmp_path / 'shapes') + '/'
    path = tmp_path / 'det.py'
    path.write_text(f'''
_base_ = {DET_DEMO!r}
train_dataloader = dict(dataset=dict(data_root={data_root!r}, generate=dict(num_images=16, img_size=128)))
val_dataloader = dict(dataset=dict(data_root={data_root!r}, generate=dict(num_images=4, img_size=128)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={data_root!r} + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=2)
''')
    return str(path)


def run(cmd, expect_ok=True, timeout=600):
    result = subprocess.run([sys.executable] + cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) == expect_ok, f'{cmd} exited {result.returncode}:\n{output[-5000:]}'
    return output


def kill_when(cmd, condition, timeout=300):
    """Start ``cmd``, SIGKILL its process group as soon as ``condition()`` holds; return when it is dead."""
    proc = subprocess.Popen([sys.executable] + cmd, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + timeout
    while not condition() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f'{cmd} ended (exit {proc.returncode}) before it could be killed'
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def assert_same_training_state(path_a, path_b):
    a, b = torch.load(path_a, weights_only=True), torch.load(path_b, weights_only=True)
    differing = [k for k, v in a['state_dict'].items() if not torch.equal(v, b['state_dict'][k])]
    assert not differing, f'{len(differing)} of {len(a["state_dict"])} tensors differ, e.g. {differing[:3]}'
    for name, state in a['optimizer']['state'].items():
        for key, value in state.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(b['optimizer']['state'][name][key])), key
    assert a['param_schedulers'] == b['param_schedulers']
    assert a['meta']['iter'] == b['meta']['iter'] and a['meta']['epoch'] == b['meta']['epoch']


@pytest.mark.parametrize('kind', ['classifier', 'detector'])
def test_killed_and_resumed_run_ends_bit_identical_to_the_uninterrupted_one(tmp_path, kind):
    cfg = cls_config(tmp_path) if kind == 'classifier' else det_config(tmp_path)
    extra = [] if kind == 'classifier' else ['--no-validate']
    run(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'a')] + extra + SEEDED)

    work_dir = tmp_path / 'b'
    cmd = ['tools/train.py', cfg, '--work-dir', str(work_dir)] + extra
    kill_when(cmd + SEEDED, lambda: (work_dir / 'epoch_1.pth').exists())
    assert not (work_dir / 'epoch_2.pth').exists(), 'killed too late: epoch 2 had finished'
    out = run(cmd + ['--resume'] + SEEDED)
    assert 'resumed epoch: 1' in out, out[-3000:]
    assert_same_training_state(tmp_path / 'a' / 'epoch_2.pth', work_dir / 'epoch_2.pth')


def test_kill_during_a_checkpoint_write_resumes_from_the_last_complete_one(tmp_path):
    # max_keep_ckpts=1: mmengine alone deletes epoch_1.pth *before* writing epoch_2.pth
    cfg = cls_config(tmp_path, num_per_class=4, max_keep_ckpts=1)
    work_dir = tmp_path / 'work'
    partials = str(work_dir / '.epoch_2.pth.*.partial')
    kill_when(['tests/_slow_checkpoint_train.py', 'epoch_2.pth', 'tools/train.py', cfg, '--work-dir', str(work_dir)],
              lambda: any(os.path.getsize(p) > 0 for p in glob.glob(partials)))
    assert not (work_dir / 'epoch_2.pth').exists(), 'the file being written is not under its final name'
    (partial,) = glob.glob(partials)
    assert not checkpoint_is_complete(partial)
    assert checkpoint_is_complete(str(work_dir / 'epoch_1.pth'))
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_1.pth')

    out = run(['tools/train.py', cfg, '--work-dir', str(work_dir), '--resume'])
    assert 'resumed epoch: 1' in out, out[-3000:]
    assert checkpoint_is_complete(str(work_dir / 'epoch_2.pth'))
    assert not glob.glob(partials), 'the partial file is cleaned up by the next write'


@pytest.fixture(scope='module')
def bad_checkpoints(tmp_path_factory):
    """A truncated checkpoint and one whose unpickling would create a marker file."""
    root = tmp_path_factory.mktemp('bad')
    good = root / 'good.pth'
    torch.save({'state_dict': {'w': torch.randn(20000)}, 'meta': {}}, good)
    data = good.read_bytes()
    (root / 'cut.pth').write_bytes(data[:len(data) // 2])
    marker = root / 'code-ran'
    subprocess.run([sys.executable, '-c', f'''
import os, torch
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))
torch.save({{"state_dict": {{}}, "meta": {{}}, "x": Payload()}}, "{root / 'evil.pth'}")
'''], check=True)
    assert not marker.exists()
    return root


@pytest.mark.parametrize('tool', ['test.py', 'train.py --resume PATH', 'train.py load_from', 'converter'])
@pytest.mark.parametrize('bad', ['cut.pth', 'evil.pth'])
def test_a_bad_checkpoint_is_named_by_every_tool(tmp_path, bad_checkpoints, tool, bad):
    path = str(bad_checkpoints / bad)
    cfg = cls_config(tmp_path, num_per_class=2)
    cmd = {'test.py': ['tools/test.py', cfg, path],
           'train.py --resume PATH': ['tools/train.py', cfg, '--resume', path],
           'train.py load_from': ['tools/train.py', cfg, '--cfg-options', f'load_from={path}'],
           'converter': ['tools/model_converters/sda_xnet_to_mmsda.py', path, str(tmp_path / 'out.pth')]}[tool]
    out = run(cmd + (['--work-dir', str(tmp_path / 'w')] if 'tools/t' in cmd[0] else []), expect_ok=False)
    expected = 'incomplete checkpoint file' if bad == 'cut.pth' else 'asks for posix.system'
    assert f'{path}: ' in out and expected in out, out[-3000:]
    if bad == 'evil.pth':
        assert 'would import and run that code' in out
    assert not (bad_checkpoints / 'code-ran').exists()


def test_a_diverging_run_stops_at_the_first_nan_loss_without_saving(tmp_path):
    cfg = cls_config(tmp_path, num_per_class=8)
    work_dir = tmp_path / 'work'
    out = run(['tools/train.py', cfg, '--work-dir', str(work_dir), '--cfg-options',
               'optim_wrapper.optimizer.lr=1e6'], expect_ok=False)
    assert 'error: Non-finite loss at iteration ' in out and 'loss=nan' in out, out[-3000:]
    assert not glob.glob(str(work_dir / '*.pth'))

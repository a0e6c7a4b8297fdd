"""End-to-end: the real tools as subprocesses on a tiny shapes split (slow; run with ``-m slow``)."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')
CLS_DEMO = os.path.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')


def tiny_det_config(tmp_path, max_epochs=2, num_train=12, num_val=6):
    """A config inheriting the demo, on a tiny split in tmp_path (train and val generated on use)."""
    data_root = str(tmp_path / 'shapes') + '/'
    path = tmp_path / 'tiny_det.py'
    path.write_text(f'''
_base_ = {DEMO!r}
data_root = {data_root!r}
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, generate=dict(num_images={num_train}, img_size=128)))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, generate=dict(num_images={num_val}, img_size=128)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs={max_epochs}, val_interval={max_epochs})
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end={max_epochs})]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=-1))
''')
    return str(path)


def run(cmd, timeout=900, env=None):
    full_env = dict(os.environ, PYTHON=sys.executable, **(env or {}))
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env)
    assert result.returncode == 0, f'{cmd} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}'
    return result.stdout + result.stderr


def coco_metrics(output):
    return dict(re.findall(r'coco/((?:bbox|segm)_mAP(?:_s|_m|_l|_50|_75)?): (-?[\d.]+)', output))


def test_train_then_test_prints_bbox_and_segm_map(tmp_path):
    cfg = tiny_det_config(tmp_path)
    work_dir = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)])
    ckpt = work_dir / 'epoch_2.pth'
    assert ckpt.is_file()
    out = run([sys.executable, 'tools/test.py', cfg, str(ckpt), '--work-dir', str(work_dir),
               '--out', str(tmp_path / 'results.pkl')])
    metrics = coco_metrics(out)
    for key in ('bbox_mAP', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l', 'segm_mAP', 'segm_mAP_s', 'segm_mAP_l'):
        assert key in metrics, f'{key} missing from the test output: {sorted(metrics)}'
    assert (tmp_path / 'results.pkl').is_file()


def test_dist_train_runs_two_gloo_processes_on_cpu(tmp_path):
    cfg = tiny_det_config(tmp_path, max_epochs=1)
    work_dir = tmp_path / 'work'
    out = run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', str(work_dir)],
              env=dict(PORT=str(29500 + os.getpid() % 1000), CUDA_VISIBLE_DEVICES=''))
    assert 'Distributed launcher: pytorch' in out and 'GPU number: 2' in out, out[-3000:]  # world size
    assert 'using the gloo backend' in out
    assert (work_dir / 'epoch_1.pth').is_file()


def test_killed_training_resumes_to_completion(tmp_path):
    cfg = tiny_det_config(tmp_path, max_epochs=3, num_train=16)
    work_dir = tmp_path / 'work'
    cmd = [sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    first = work_dir / 'epoch_1.pth'
    deadline = time.time() + 600
    while not first.is_file() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(1.0)  # let the checkpoint file be completely written
    assert proc.poll() is None, 'training ended before it could be interrupted'
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first.is_file() and not (work_dir / 'epoch_3.pth').exists()

    out = run(cmd + ['--resume'])
    assert re.search(r'resumed epoch: 1', out) or re.search(r'resumed epoch: 2', out), out[-3000:]
    assert (work_dir / 'epoch_3.pth').is_file()
    assert first.is_file(), 'the user\'s earlier checkpoint must not be lost'


def tiny_cls_config(tmp_path, num_train=4, num_val=2):
    """A config inheriting the classifier demo, one epoch on a tiny split in tmp_path/shapes_cls."""
    data_root = str(tmp_path / 'shapes_cls')
    path = tmp_path / 'tiny_cls.py'
    path.write_text(f'''
_base_ = {CLS_DEMO!r}
train_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root={data_root!r},
                        generate=dict(num_per_class={num_train})))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root={data_root!r},
                      generate=dict(num_per_class={num_val})))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
''')
    return str(path)


def test_classifier_train_and_test_from_the_same_tools(tmp_path):
    path = tiny_cls_config(tmp_path)
    work_dir = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', str(path), '--work-dir', str(work_dir)])
    out = run([sys.executable, 'tools/test.py', str(path), str(work_dir / 'epoch_1.pth'), '--work-dir', str(work_dir)])
    assert re.search(r'accuracy/top1: [\d.]+', out), out[-3000:]

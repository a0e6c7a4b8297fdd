"""A rank of ``tools/dist_train.sh CONFIG 2`` (gloo, CPU) killed mid-training: the whole job ends
non-zero within 60 s, leaves no process behind, and ``--resume`` then completes the schedule."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from test_tools_e2e import REPO, run, tiny_det_config

pytestmark = pytest.mark.slow

EXIT_DEADLINE = 60  # seconds from the kill to the end of the whole job


def _rank_process(launcher, rank):
    """The training process of ``rank`` (not its data-loader workers) under the launcher."""
    candidates = []
    for proc in psutil.Process(launcher.pid).children(recursive=True):
        try:
            if proc.environ().get('RANK') == str(rank) and 'train.py' in ' '.join(proc.cmdline()):
                candidates.append(proc)
        except psutil.Error:
            continue
    assert candidates, f'no process of rank {rank} found'
    return min(candidates, key=lambda p: p.create_time())  # workers are forked later


def _processes_of(tmp_path):
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(['pid', 'cmdline']):
        if proc.info['pid'] != me and str(tmp_path) in ' '.join(proc.info['cmdline'] or []):
            found.append(proc)
    return found


@pytest.mark.parametrize('rank', [0, 1])  # torchrun's agent, not rank 0, hosts the store: alike
def test_killed_rank_ends_the_job_quickly_and_resume_completes(tmp_path, rank):
    cfg = tiny_det_config(tmp_path, max_epochs=3, num_train=16)
    work_dir = tmp_path / 'work'
    # one data-loader worker per rank, as the demo config has
    cmd = ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', str(work_dir), '--cfg-options',
           'train_dataloader.num_workers=1', 'train_dataloader.persistent_workers=True']
    port = str(29500 + os.getpid() % 1000 + rank)
    env = dict(os.environ, PYTHON=sys.executable, PORT=port, CUDA_VISIBLE_DEVICES='')
    with open(tmp_path / 'first_run.log', 'w') as log:
        job = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 600
        while not (work_dir / 'epoch_1.pth').is_file() and job.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # into epoch 2, the checkpoint written
        assert job.poll() is None, (tmp_path / 'first_run.log').read_text()[-3000:]
        os.kill(_rank_process(job, rank).pid, signal.SIGKILL)
        killed_at = time.time()
        returncode = job.wait(timeout=EXIT_DEADLINE)
        elapsed = time.time() - killed_at
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    print(f'job exited with {returncode} {elapsed:.1f} s after rank {rank} was killed')
    assert returncode != 0 and elapsed < EXIT_DEADLINE
    time.sleep(2.0)
    left = _processes_of(tmp_path)
    for proc in left:
        proc.kill()
    assert not left, f'processes left behind by the failed job: {[p.info["cmdline"][:4] for p in left]}'
    assert not (work_dir / 'epoch_3.pth').exists()

    out = run(cmd + ['--resume'], env=dict(PORT=port, CUDA_VISIBLE_DEVICES=''))
    assert 'resumed epoch: 1' in out or 'resumed epoch: 2' in out, out[-3000:]
    assert (work_dir / 'epoch_3.pth').is_file()

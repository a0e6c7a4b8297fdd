"""Long-run memory: MemoryMonitorHook's samples and tools/analysis_tools/soak.py's growth report."""
import json
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from _tool_helpers import import_tool

from mmsda.engine import MemoryMonitorHook
from mmsda.engine.hooks.memory_monitor import memory_sample

SOAK = import_tool('analysis_tools/soak.py')


def _sample(it, rss, peak=None, workers=0.0):
    return dict(iter=it, rss_mb=rss, peak_rss_mb=peak or rss, workers_rss_mb=workers, num_workers=1)


def test_growth_is_measured_from_the_first_sample_after_warmup():
    samples = [_sample(0, 100), _sample(50, 400), _sample(100, 420, 450, 30), _sample(150, 430, 455),
               _sample(200, 425, 460, 31)]
    assert SOAK.growth_after_warmup(samples, 100) == dict(
        baseline_iter=100, last_iter=200, rss_mb=5.0, peak_rss_mb=10.0, workers_rss_mb=1.0, max_rss_mb=10.0)
    with pytest.raises(ValueError, match='two memory samples at or after iteration 200'):
        SOAK.growth_after_warmup(samples, 200)


def test_memory_sample_counts_child_processes():
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        sample = memory_sample()
    finally:
        child.kill()
        child.wait()
    assert sample['num_workers'] >= 1 and sample['workers_rss_mb'] > 0
    assert 0 < sample['rss_mb'] <= sample['peak_rss_mb']


def test_hook_samples_before_training_and_every_interval(tmp_path):
    logged = []
    runner = SimpleNamespace(iter=0, log_dir=str(tmp_path), logger=SimpleNamespace(info=logged.append))
    hook = MemoryMonitorHook(interval=2)
    hook.before_train(runner)
    for runner.iter in range(5):  # MMEngine counts runner.iter up after the iteration's hooks
        hook.after_train_iter(runner, runner.iter)
    hook.after_train(runner)
    assert [s['iter'] for s in hook.samples] == [0, 2, 4]
    assert json.loads((tmp_path / 'memory.json').read_text())['samples'] == hook.samples
    assert re.match(r'memory: iter 2: rss [\d.]+ MB, peak [\d.]+ MB, workers [\d.]+ MB \(\d+\)', logged[1])


@pytest.mark.parametrize('interval', [0, 2.5, True])
def test_hook_rejects_a_bad_interval(interval):
    with pytest.raises(ValueError, match='interval'):
        MemoryMonitorHook(interval=interval)


@pytest.mark.slow
def test_soak_tool_samples_a_short_training(tmp_path):
    from test_tools_e2e import run, tiny_det_config
    cfg = tiny_det_config(tmp_path, num_train=12)  # batch 2: 6 iterations per epoch
    png = tmp_path / 'rss.png'
    out = run([sys.executable, 'tools/analysis_tools/soak.py', cfg, '--epochs', '5', '--interval', '10',
               '--warmup', '10', '--work-dir', str(tmp_path / 'work'), '--plot', str(png),
               '--cfg-options', 'train_dataloader.num_workers=1', 'train_dataloader.persistent_workers=True'])
    rows = re.findall(r'^\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$', out, re.M)
    assert [int(r[0]) for r in rows] == [0, 10, 20, 30], out[-3000:]
    assert all(float(r[3]) > 0 for r in rows[1:]), 'the data-loader worker is sampled'
    assert re.search(r'growth after warm-up \(iter 10 -> 30\): rss [+-][\d.]+ MB', out)
    assert png.is_file() and png.stat().st_size > 1000
    saved = json.loads(next((tmp_path / 'work').glob('*/memory.json')).read_text())
    assert [s['iter'] for s in saved['samples']] == [0, 10, 20, 30]

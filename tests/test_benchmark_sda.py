"""tools/analysis_tools/benchmark_sda.py runs end to end on a tiny input and prints every figure."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = osp.join(osp.dirname(__file__), '..', 'tools', 'analysis_tools', 'benchmark_sda.py')


def _run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=600)


def test_prints_times_faults_and_memory_for_every_variant_and_allocator():
    out = _run('--depth', '26', '--size', '32', '--batch', '2', '--iters', '2', '--memory-repeats', '1',
               '--threads', '1')
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert 'allocator: default (1 threads)' in text and 'allocator: retain (1 threads)' in text
    for allocator_block in text.split('allocator: ')[1:]:
        inference_only = ('floor',)
        for phase in ('train', 'infer'):
            for variant in ('no-sda', 'sda', 'naive') + (inference_only if phase == 'infer' else ()):
                row = re.search(rf'^{phase}\s+{variant}\s+(\d+\.\d+)\s+(\d+\.\d+)', allocator_block, re.M)
                assert row and float(row.group(1)) > 0, (phase, variant, allocator_block)
            assert phase == 'infer' or not re.search(r'^train\s+floor', allocator_block, re.M)
            # the paired ratio and its quartiles are printed for each SDA variant
            assert re.search(rf'^{phase}\s+sda\s.*\[\s*[+-]\d+\.\d, \s*[+-]\d+\.\d\]', allocator_block, re.M)
    memory = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in
              re.finditer(r'^(no-sda|sda|naive)\s+(\d+\.\d)\s+(\d+\.\d)\s+\d+ \[', text, re.M)}
    assert set(memory) == {'no-sda', 'sda', 'naive'}
    # every block output is kept for the fusion: more saved activations than without SDA
    assert memory['sda'][0] == memory['naive'][0] > memory['no-sda'][0]
    # the exact tensor peak: mmsda's stage never above the naive one
    assert memory['no-sda'][1] < memory['sda'][1] <= memory['naive'][1]


def test_bad_arguments_are_reported():
    out = _run('--iters', '0')
    assert out.returncode == 2 and '--iters must be ≥ 1, got 0' in out.stderr


def _proc_state(pid):
    """(parent pid, state letter) of a process from /proc, or None once it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[1]), fields[0]


def _children(pid):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            state = _proc_state(entry)
            if state and state[0] == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='parent-death signal is Linux-only')
def test_killing_the_benchmark_ends_its_child_process():
    parent = subprocess.Popen([sys.executable, SCRIPT, '--depth', '26', '--size', '32', '--batch', '1',
                               '--iters', '200000', '--allocator', 'default', '--threads', '1'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        children = []
        for _ in range(600):  # the timing child appears once the parent has imported torch
            children = _children(parent.pid)
            if children:
                break
            time.sleep(0.1)
        assert children, 'the benchmark started no child process'
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        for _ in range(100):
            state = _proc_state(children[0])
            if state is None or state[1] == 'Z':  # gone, or dead and waiting to be reaped
                return
            time.sleep(0.1)
        os.kill(children[0], signal.SIGKILL)
        raise AssertionError('the timing child outlived the killed benchmark')
    finally:
        if parent.poll() is None:
            parent.kill()


def test_peak_tensor_bytes_follows_live_storages():
    import torch
    benchmark = _load_benchmark()
    base = torch.ones(256 * 1024)  # created before: not counted
    mib = 2**20
    with benchmark.PeakTensorBytes() as tracker:
        a = base * 1  # 1 MiB
        b = a.view(512, 512) * 2  # +1 MiB (the view itself shares a's storage)
        a.add_(1)  # in place: nothing new
        c = a + b.view(-1)  # 3 MiB live
        assert tracker.peak == 3 * mib
        del a, b, c
        d = torch.zeros(256 * 1024)  # 1 MiB, typically at the address a freed tensor had
        e = torch.zeros(1024 * 1024)  # 4 MiB: 5 MiB live
    assert tracker.peak == 5 * mib
    assert d.numel() + e.numel() == 1280 * 1024


def _load_benchmark():
    import importlib.util
    spec = importlib.util.spec_from_file_location('benchmark_sda', SCRIPT)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark


def test_variants_share_weights_and_the_floor_computes_the_plain_network():
    import torch
    models = _load_benchmark().build_variants(26)
    reference = models['no-sda'].state_dict()
    for variant, model in models.items():
        for key, value in model.state_dict().items():
            assert '.fusion.' in key or torch.equal(value, reference[key]), (variant, key)
    images = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        outputs = {v: m.eval()(images) for v, m in models.items()}
    # the floor only moves data: its output is the plain network's, bit for bit
    assert torch.equal(outputs['floor'], outputs['no-sda'])
    # the two SDA implementations agree with each other and differ from the plain network
    torch.testing.assert_close(outputs['sda'], outputs['naive'], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(outputs['sda'], outputs['no-sda'])

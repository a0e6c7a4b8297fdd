"""Speed and memory of the SDA stage: SDA-ResNet-86 vs the same network without SDA vs a naive SDA.

    python tools/analysis_tools/benchmark_sda.py [--batch 8] [--size 224] [--iters 15] [--depth 86]
        [--allocator both|default|retain] [--threads N]

Variants (same weights, built in one process):
* ``no-sda``   SDA-ResNet without the fusion (the stage returns its last block's activation);
* ``floor``    (inference only) ``no-sda`` that also does the data movement any exact SDA must add:
               every block output is kept until the stage ends (the ReLU between blocks goes to a
               separate buffer, as in ``sda``) and read once more there, the least a weighted sum over
               depth reads. No arithmetic of the fusion, same output as ``no-sda``: SDA's extra time
               cannot go below this row's;
* ``sda``      mmsda's stage (running GAP sums, one grouped projection, lean weighted-sum backward);
* ``naive``    the reference formulation: the block outputs stacked with repeated ``torch.cat``
               (``depth_attention_reference``).

Phases, each in its own loop of the same process: inference first (forward under
``torch.inference_mode``, eval mode: what an evaluation process does from its start), then train steps
(forward + cross-entropy + backward + SGD step of backbone + GAP + FC, train mode). Within a phase the
variants run back to back, round by round, so a slow spell of a shared machine hits all of them;
besides the median and the fastest round, the *paired* figure is the median of the per-round ratios
to ``no-sda`` with its interquartile range.

Allocator. On CPU, glibc's malloc hands large tensors back to the kernel and takes fresh pages for the
next ones; every fresh page is a page fault, and which allocations fault depends on the allocation
pattern (so it differs between variants). ``--allocator default`` runs glibc as it comes; ``retain``
runs a child process with ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` set so freed memory is
kept and reused (no faults after warm-up: the compute cost alone); ``both`` (default) prints both. The
minor page faults per step are printed next to the times.

Memory of one train step, per variant in fresh processes: the bytes of tensors autograd saves for
backward (exact; unique storages), the peak of the bytes held by tensors created during the step
(exact: every operator output tracked, see :class:`PeakTensorBytes`), and the peak resident set growth
(median of ``--memory-repeats`` processes: it varies by ±10 % from process to process, and includes
the allocator's and oneDNN's own memory).
"""
import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from mmsda.models.backbones import SDAResNet
from mmsda.models.layers import depth_attention_reference

VARIANTS = ('no-sda', 'floor', 'sda', 'naive')
PHASES = ('infer', 'train')  # inference first, as in a fresh evaluation process
PHASE_VARIANTS = dict(infer=VARIANTS, train=('no-sda', 'sda', 'naive'))
MEMORY_VARIANTS = PHASE_VARIANTS['train']  # (memory is measured for a train step)
# glibc tunables that keep freed memory in the heap for reuse (sizes in bytes).
RETAIN_ENV = dict(MALLOC_MMAP_THRESHOLD_=str(2**32 - 1), MALLOC_TRIM_THRESHOLD_=str(2**40))


class NaiveFusion(nn.Module):
    """Fuse with the reference formulation, using the weights of an existing fusion module."""

    def __init__(self, fusion):
        super().__init__()
        self.inner = fusion

    def forward(self, zs):
        return depth_attention_reference(self.inner, zs)


class KeepOutputsFloor(nn.Module):
    """A stage "fusion" that only reads every kept block output once and returns the last one."""

    def forward(self, zs):
        for z in zs[:-1]:
            z.sum()  # one read of the whole tensor; the result is not used
        return zs[-1]


class Classifier(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(backbone.feat_dim, 1000)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean((2, 3)))


def build(variant, depth, weights_from=None):
    """One variant; with ``weights_from`` (a built ``no-sda`` model) it gets that model's weights (the
    fusion's own parameters, which ``no-sda`` lacks, keep their initialisation)."""
    torch.manual_seed(0)
    backbone = SDAResNet(depth=depth, with_sda=variant in ('sda', 'naive'))
    if variant in ('naive', 'floor'):
        for name in backbone.res_layers:
            layer = getattr(backbone, name)
            layer.fusion = NaiveFusion(layer.fusion) if variant == 'naive' else KeepOutputsFloor()
    model = Classifier(backbone)
    if weights_from is not None:
        missing, unexpected = model.load_state_dict(weights_from.state_dict(), strict=False)
        if unexpected or any('.fusion.' not in key for key in missing):
            raise RuntimeError(f'{variant} does not share the no-sda weights: missing {missing}, '
                               f'unexpected {unexpected}')
    return model


def build_variants(depth, variants=VARIANTS):
    """The variants with the same weights (``no-sda`` first, the others copy it)."""
    models = {'no-sda': build('no-sda', depth)}
    for variant in variants:
        if variant != 'no-sda':
            models[variant] = build(variant, depth, weights_from=models['no-sda'])
    return models


def train_step(model, optimizer, images, labels):
    optimizer.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def measure(fn):
    """(seconds, minor page faults) of one call."""
    faults, start = minor_faults(), time.perf_counter()
    fn()
    return time.perf_counter() - start, minor_faults() - faults


def saved_activation_bytes(model, images, labels):
    seen = {}

    def pack(t):
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    return sum(seen.values())


class PeakTensorBytes(TorchDispatchMode):
    """Peak of the bytes held by tensors created while the mode is on (exact, allocator-independent).

    Every operator output's storage is recorded with a weak reference; after each operator the live
    ones are summed. Memory an operator uses internally and frees before returning is not seen, nor
    are tensors that existed before (parameters).
    """

    def __init__(self):
        super().__init__()
        self.storages, self.peak = {}, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                known = self.storages.get(storage.data_ptr())
                # an address seen before may belong to a storage freed since: record the new one
                if storage.data_ptr() and (known is None or known[0].expired()):
                    self.storages[storage.data_ptr()] = (StorageWeakRef(storage), storage.nbytes())
        live = 0
        for key, (ref, nbytes) in list(self.storages.items()):
            if ref.expired():
                del self.storages[key]
            else:
                live += nbytes
        self.peak = max(self.peak, live)
        return out


def peak_rss_kb():
    """VmHWM: the peak resident set of this process image (unlike ru_maxrss, reset by exec)."""
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmHWM:'))


def inputs(args):
    generator = torch.Generator().manual_seed(0)
    return (torch.randn(args.batch, 3, args.size, args.size, generator=generator),
            torch.randint(0, 1000, (args.batch,), generator=generator))


def memory_child(variant, args):
    """Runs in a fresh process: prints the memory figures of one train step as JSON (with
    ``args.rss_only`` only the RSS growth: the other two figures are exact, one process gives them)."""
    model = build(variant, args.depth).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = inputs(args)
    # The peak is read around the first train step of this process, before anything else ran.
    before = peak_rss_kb()
    train_step(model, optimizer, images, labels)
    figures = dict(rss_growth_kb=peak_rss_kb() - before)
    if not args.rss_only:
        figures['saved_bytes'] = saved_activation_bytes(model, images, labels)
        with PeakTensorBytes() as tracker:  # a later step: the optimizer state exists already
            train_step(model, optimizer, images, labels)
        figures['peak_tensor_bytes'] = tracker.peak
    print(json.dumps(figures))


def timing_child(args):
    """Runs in a process with the allocator under test: prints per-round times and faults as JSON."""
    models = build_variants(args.depth)
    optimizers = {v: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for v, m in models.items()}
    images, labels = inputs(args)

    def run(variant, phase):
        model = models[variant]
        if phase == 'train':
            return measure(lambda: train_step(model, optimizers[variant], images, labels))
        with torch.inference_mode():
            return measure(lambda: model(images))

    records = {f'{v}/{p}': [] for p in PHASES for v in PHASE_VARIANTS[p]}
    for phase in PHASES:
        for v in VARIANTS:
            models[v].train(phase == 'train')
        for round_ in range(args.iters + 1):
            for v in PHASE_VARIANTS[phase]:
                seconds, faults = run(v, phase)
                if round_:  # round 0 is warm-up
                    records[f'{v}/{phase}'].append((seconds, faults))
    print(json.dumps(dict(threads=torch.get_num_threads(), records=records)))


def child_args(args):
    return ['--batch', str(args.batch), '--size', str(args.size), '--depth', str(args.depth),
            '--iters', str(args.iters)] + (['--threads', str(args.threads)] if args.threads else [])


def _die_with_parent():
    """In a child, before exec (Linux): get SIGTERM when the benchmark dies, so a killed benchmark
    leaves no child running (it would skew whatever is timed next)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # a C library without prctl: children end with their own run
        pass


def run_child(flag, args, env=None):
    out = subprocess.run([sys.executable, __file__, *flag, *child_args(args)], capture_output=True,
                         text=True, env=None if env is None else {**os.environ, **env},
                         preexec_fn=_die_with_parent if sys.platform.startswith('linux') else None)
    if out.returncode:
        raise RuntimeError(f'benchmark child {flag} failed:\n{out.stderr[-3000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method='inclusive')
    return q[0], q[2]


def report_timing(name, result):
    records = result['records']
    print(f'\nallocator: {name} ({result["threads"]} threads)')
    print(f'{"phase":6s} {"variant":7s} {"median s":>9s} {"fastest s":>10s} {"median":>8s} {"fastest":>8s} '
          f'{"paired [IQR]":>22s} {"faults/step":>12s}')
    for phase in PHASES:
        base = [s for s, _ in records[f'no-sda/{phase}']]
        for v in PHASE_VARIANTS[phase]:
            seconds = [s for s, _ in records[f'{v}/{phase}']]
            faults = statistics.median(f for _, f in records[f'{v}/{phase}'])
            row = f'{phase:6s} {v:7s} {statistics.median(seconds):9.3f} {min(seconds):10.3f} '
            if v == 'no-sda':
                row += f'{"":8s} {"":8s} {"":22s}'
            else:
                ratios = [100 * (a / b - 1) for a, b in zip(seconds, base)]
                low, high = quartiles(ratios)
                row += (f'{100 * (statistics.median(seconds) / statistics.median(base) - 1):+7.1f}% '
                        f'{100 * (min(seconds) / min(base) - 1):+7.1f}% '
                        f'{statistics.median(ratios):+7.1f}% [{low:+5.1f}, {high:+5.1f}]')
            print(row + f' {faults:12.0f}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--iters', type=int, default=15, help='timed rounds per phase (after one warm-up)')
    parser.add_argument('--depth', type=int, default=86)
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch default)')
    parser.add_argument('--allocator', choices=('both', 'default', 'retain'), default='both',
                        help='glibc malloc as it comes, with freed memory retained, or both')
    parser.add_argument('--memory-repeats', type=int, default=3,
                        help='fresh processes per variant for the peak RSS (it varies by ±10%% run to run)')
    parser.add_argument('--memory-child', choices=MEMORY_VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument('--timing-child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--rss-only', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ('batch', 'size', 'iters', 'memory_repeats'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be ≥ 1, got {getattr(args, name)}')
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args)
    if args.timing_child:
        return timing_child(args)

    print(f'SDA-ResNet-{args.depth} + GAP + FC, batch {args.batch}, {args.size}x{args.size}, CPU, '
          f'{args.iters} rounds per phase')
    modes = ('default', 'retain') if args.allocator == 'both' else (args.allocator,)
    for mode in modes:
        report_timing(mode, run_child(['--timing-child'], args, RETAIN_ENV if mode == 'retain' else None))
    print(f'\n{"variant":8s} {"saved activations MB":>21s} {"peak tensors MB":>16s} '
          f'{"peak RSS growth MB: median [min, max]":>38s}')
    for v in MEMORY_VARIANTS:
        runs = [run_child(['--memory-child', v] + (['--rss-only'] if i else []), args)
                for i in range(args.memory_repeats)]
        growth = [r['rss_growth_kb'] / 1024 for r in runs]
        print(f'{v:8s} {runs[0]["saved_bytes"] / 2**20:21.1f} {runs[0]["peak_tensor_bytes"] / 2**20:16.1f} '
              f'{statistics.median(growth):17.0f} [{min(growth):.0f}, {max(growth):.0f}]')
    print(f'(one train step; peak RSS: {args.memory_repeats} fresh processes, default allocator)')


if __name__ == '__main__':
    main()

"""Speed and memory of the SDA stage: SDA-ResNet-86 vs the same network without SDA vs a naive SDA.

    python tools/analysis_tools/benchmark_sda.py [--batch 8] [--size 224] [--iters 5] [--depth 86]

All variants run in this process, interleaved round by round (so a slow spell of a shared machine hits
all of them), and the median and the fastest round per variant are printed:
* ``no-sda``   SDA-ResNet without the fusion (the stage returns its last block's activation);
* ``sda``      mmsda's fusion (running GAP sums, one grouped projection, in-place weighted sum);
* ``naive``    the same weights, fused by stacking the block outputs with repeated ``torch.cat`` as
               the reference implementation does (``depth_attention_reference``).
Train step = forward + cross-entropy + backward + SGD step of backbone + GAP + FC (train mode).
Inference = forward under ``torch.inference_mode`` (eval mode). Memory, per variant in a fresh
subprocess: the peak resident set growth of one train step, and the bytes of tensors autograd saves
for backward (exact; unique storages).
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

from mmsda.models.backbones import SDAResNet
from mmsda.models.layers import depth_attention_reference

VARIANTS = ('no-sda', 'sda', 'naive')


class NaiveFusion(nn.Module):
    """Fuse with the reference formulation, using the weights of an existing fusion module."""

    def __init__(self, fusion):
        super().__init__()
        self.inner = fusion

    def forward(self, zs):
        return depth_attention_reference(self.inner, zs)


class Classifier(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(backbone.feat_dim, 1000)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean((2, 3)))


def build(variant, depth):
    torch.manual_seed(0)
    backbone = SDAResNet(depth=depth, with_sda=variant != 'no-sda')
    backbone.init_weights()
    if variant == 'naive':
        for name in backbone.res_layers:
            layer = getattr(backbone, name)
            layer.fusion = NaiveFusion(layer.fusion)
    return Classifier(backbone)


def train_step(model, optimizer, images, labels):
    optimizer.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()


def time_it(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def saved_activation_bytes(model, images, labels):
    seen = {}

    def pack(t):
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    return sum(seen.values())


def peak_rss_kb():
    """VmHWM: the peak resident set of this process image (unlike ru_maxrss, reset by exec)."""
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmHWM:'))


def memory_child(variant, args):
    """Runs in a subprocess: prints the memory figures of one train step as JSON."""
    model = build(variant, args.depth).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = torch.randn(args.batch, 3, args.size, args.size), torch.randint(0, 1000, (args.batch,))
    # The peak is read around the first train step of this process, before anything else ran.
    before = peak_rss_kb()
    train_step(model, optimizer, images, labels)
    peak = peak_rss_kb()
    saved = saved_activation_bytes(model, images, labels)
    print(json.dumps(dict(saved_bytes=saved, rss_growth_kb=peak - before)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--iters', type=int, default=10, help='timed rounds (after one warm-up round)')
    parser.add_argument('--depth', type=int, default=86)
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch default)')
    parser.add_argument('--memory-child', choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args)

    models = {v: build(v, args.depth) for v in VARIANTS}
    optimizers = {v: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for v, m in models.items()}
    images, labels = torch.randn(args.batch, 3, args.size, args.size), torch.randint(0, 1000, (args.batch,))
    times = {(v, kind): [] for v in VARIANTS for kind in ('train', 'infer')}
    for round_ in range(args.iters + 1):
        for v in VARIANTS:
            model = models[v]
            model.train()
            t_train = time_it(lambda: train_step(model, optimizers[v], images, labels))
            model.eval()
            with torch.inference_mode():
                t_infer = time_it(lambda: model(images))
            if round_:  # round 0 is warm-up
                times[(v, 'train')].append(t_train)
                times[(v, 'infer')].append(t_infer)

    memory = {}
    for v in VARIANTS:
        out = subprocess.run([sys.executable, __file__, '--memory-child', v, '--batch', str(args.batch),
                              '--size', str(args.size), '--depth', str(args.depth)]
                             + (['--threads', str(args.threads)] if args.threads else []),
                             capture_output=True, text=True, check=True)
        memory[v] = json.loads(out.stdout.strip().splitlines()[-1])

    print(f'SDA-ResNet-{args.depth}, batch {args.batch}, {args.size}x{args.size}, CPU, '
          f'{torch.get_num_threads()} threads, {args.iters} rounds')
    print(f'{"variant":8s} {"statistic":9s} {"train step s":>13s} {"vs no-sda":>10s} {"inference s":>12s} '
          f'{"vs no-sda":>10s}')
    for name, stat in (('median', statistics.median), ('fastest', min)):
        base_train, base_infer = stat(times[('no-sda', 'train')]), stat(times[('no-sda', 'infer')])
        for v in VARIANTS:
            t, i = stat(times[(v, 'train')]), stat(times[(v, 'infer')])
            print(f'{v:8s} {name:9s} {t:13.3f} {100 * (t / base_train - 1):+9.1f}% {i:12.3f} '
                  f'{100 * (i / base_infer - 1):+9.1f}%')
    # Paired: each round's variants ran back to back, so a round's ratio cancels slow spells that
    # affect whole rounds.
    for v in VARIANTS[1:]:
        ratios = [100 * (statistics.median([a / b for a, b in zip(times[(v, kind)], times[('no-sda', kind)])]) - 1)
                  for kind in ('train', 'infer')]
        print(f'{v:8s} {"paired":9s} {"":13s} {ratios[0]:+9.1f}% {"":12s} {ratios[1]:+9.1f}%  '
              '(median of per-round ratios)')
    print(f'{"variant":8s} {"saved activations MB":>21s} {"peak RSS growth MB":>19s}')
    for v in VARIANTS:
        print(f'{v:8s} {memory[v]["saved_bytes"] / 2**20:21.1f} {memory[v]["rss_growth_kb"] / 1024:19.1f}')


if __name__ == '__main__':
    main()

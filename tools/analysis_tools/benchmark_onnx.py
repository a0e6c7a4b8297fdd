"""CPU inference speed of SDA-ResNet-86 and the same network without SDA: PyTorch eager vs ONNX Runtime.

    python tools/analysis_tools/benchmark_onnx.py [--config configs/sda/sda-resnet86_8xb32_in1k.py]
        [--size 224] [--batches 1 8] [--iters 20] [--warmup 3] [--threads 2] [--dynamic-batch]

Both classifiers (backbone + GAP/BN neck + FC head) are built from one config in one process: ``sda`` as
configured, ``no-sda`` with ``backbone.with_sda=False`` and the same weights for every layer they share.
Each is exported to ONNX (the TorchScript-based exporter, one file per batch size unless
``--dynamic-batch``) and run by ONNX Runtime's CPU provider with the same number of threads as PyTorch.
Eager runs under ``torch.inference_mode`` (mmsda's inference paths).

Timing: after ``--warmup`` rounds, every round runs the four (model, runtime) pairs back to back, so a
slow spell of a shared machine hits all of them. Printed per batch size: the median latency of each
pair; the SDA overhead under each runtime as the median of the per-round ratios sda / no-sda with its
interquartile range; the ONNX Runtime speed-up over eager as the median of the per-round ratios
eager / ONNX Runtime. The load average before and after is printed: quote it with the figures.
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402

DEFAULT_CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                          'configs', 'sda', 'sda-resnet86_8xb32_in1k.py')
MODELS = ('no-sda', 'sda')
RUNTIMES = ('eager', 'onnxruntime')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='SDA vs no SDA, PyTorch eager vs ONNX Runtime, CPU latency')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='classifier config with an SDA backbone')
    parser.add_argument('--size', type=int, default=224, help='input size (square)')
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 8], help='batch sizes')
    parser.add_argument('--iters', type=int, default=20, help='timed rounds per batch size')
    parser.add_argument('--warmup', type=int, default=3, help='untimed rounds first')
    parser.add_argument('--threads', type=int, default=2, help='threads of PyTorch and ONNX Runtime')
    parser.add_argument('--dynamic-batch', action='store_true', help='one ONNX file for all batch sizes')
    args = parser.parse_args(argv)
    for name in ('size', 'iters', 'threads'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1, got {getattr(args, name)}')
    if args.warmup < 0:
        parser.error(f'--warmup must be >= 0, got {args.warmup}')
    if min(args.batches) < 1:
        parser.error(f'--batches must be >= 1, got {args.batches}')
    return args


def build_pair(config):
    """The ``sda`` and ``no-sda`` export modules of a classifier config, sharing their common weights."""
    from mmsda.deployment import build_export_model

    cfg = load_config(config)
    if 'with_sda' not in cfg.model.backbone and not cfg.model.backbone.get('type', '').endswith('SDAResNet'):
        raise SystemExit(f'{config}: the backbone has no with_sda switch ({cfg.model.backbone.get("type")})')
    cfg.model.backbone.with_sda = True
    sda = build_export_model(cfg)
    cfg.model.backbone.with_sda = False
    plain = build_export_model(cfg)
    missing, unexpected = plain.load_state_dict(sda.state_dict(), strict=False)
    assert not missing and all('.fusion.' in key for key in unexpected), (missing, unexpected)
    return dict(zip(MODELS, (plain, sda)))


def quartiles(values):
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return q[0], statistics.median(values), q[2]


def benchmark(modules, batch, args, workdir):
    """Time the four pairs round-robin at one batch size; returns {(model, runtime): [seconds]}."""
    import torch

    from mmsda.deployment import export_onnx, ort_session

    shape = (args.size, args.size)
    runners = {}
    x = torch.randn(batch, 3, *shape, generator=torch.Generator().manual_seed(0))
    for name, module in modules.items():
        path = osp.join(workdir, f'{name}-{"dyn" if args.dynamic_batch else batch}.onnx')
        if not osp.isfile(path):
            export_onnx(module, path, shape, dynamic_batch=args.dynamic_batch, batch=batch)
        session = ort_session(path, threads=args.threads)
        feed = {'input': x.numpy()}
        with torch.inference_mode():
            diff = float((torch.from_numpy(session.run(None, feed)[0]) - module(x)).abs().max())
        print(f'  {name}: max |ONNX Runtime - eager| {diff:.2g}', flush=True)

        def eager(module=module):
            with torch.inference_mode():
                module(x)

        runners[(name, 'eager')] = eager
        runners[(name, 'onnxruntime')] = lambda session=session, feed=feed: session.run(None, feed)
    times = {key: [] for key in runners}
    for round_ in range(args.warmup + args.iters):
        for key, run in runners.items():
            start = time.perf_counter()
            run()
            if round_ >= args.warmup:
                times[key].append(time.perf_counter() - start)
    return times


def report(batch, times):
    """Print the table rows of one batch size."""
    def ratios(a, b):
        return [x / y for x, y in zip(times[a], times[b])]

    medians = {key: statistics.median(values) * 1e3 for key, values in times.items()}
    print(f'batch {batch}:')
    print(f'  {"runtime":<12} {"no-sda ms":>10} {"sda ms":>10}   SDA overhead [IQR]')
    for runtime in RUNTIMES:
        low, mid, high = quartiles(ratios(('sda', runtime), ('no-sda', runtime)))
        print(f'  {runtime:<12} {medians[("no-sda", runtime)]:>10.1f} {medians[("sda", runtime)]:>10.1f}   '
              f'{(mid - 1) * 100:+.1f} % [{(low - 1) * 100:+.1f}, {(high - 1) * 100:+.1f}]')
    for model in MODELS:
        low, mid, high = quartiles(ratios((model, 'eager'), (model, 'onnxruntime')))
        print(f'  ONNX Runtime speed-up over eager, {model}: x{mid:.2f} [{low:.2f}, {high:.2f}]')


def main(argv=None):
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    modules = build_pair(args.config)
    print(f'{osp.basename(args.config)}: {args.size}x{args.size}, batches {args.batches}, {args.iters} rounds '
          f'(+{args.warmup} warm-up), {args.threads} threads; torch {torch.__version__}, onnxruntime '
          f'{__import__("onnxruntime").__version__}; load average before {load_before[0]:.2f}', flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for batch in args.batches:
            report(batch, benchmark(modules, batch, args, workdir))
    print(f'load average after: {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)')


if __name__ == '__main__':
    main()

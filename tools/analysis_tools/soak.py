"""Soak test: train for a while with resident memory sampled every N iterations; report the growth.

    python tools/analysis_tools/soak.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py --epochs 3 \
        --interval 50 --warmup 100 --plot docs/soak_rss.png

Trains the config (validation off, checkpoints as configured) with ``mmsda.MemoryMonitorHook``, then
prints one row per sample (iteration, resident memory of the training process now, its peak so far,
data-loader workers) and the growth after warm-up: the last sample minus the first sample at or after
``--warmup`` iterations, for the current and the peak resident memory. A leak shows as growth that keeps
rising with the iterations; allocator caches and the first checkpoint write settle during warm-up.
``--max-growth MB`` makes the tool exit with 1 when the growth of the training process is larger.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import apply_common_args, build_runner, load_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train with resident memory sampled; report its growth')
    parser.add_argument('config')
    parser.add_argument('--epochs', type=int, default=3, help='training epochs (default: 3)')
    parser.add_argument('--interval', type=int, default=50, help='iterations between samples (default: 50)')
    parser.add_argument('--warmup', type=int, default=100,
                        help='iterations before the growth baseline (default: 100)')
    parser.add_argument('--max-growth', type=float, help='exit with 1 if the growth after warm-up exceeds this (MB)')
    parser.add_argument('--plot', help='write the curve to this PNG file')
    parser.add_argument('--work-dir', help='default: ./work_dirs/soak_<config name>')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings (xxx=yyy format)')
    return parser.parse_args(argv)


def growth_after_warmup(samples, warmup):
    """Growth of the current and peak resident memory from the first sample at ``warmup`` on to the last.

    Args:
        samples (list[dict]): ``MemoryMonitorHook`` samples (``iter``, ``rss_mb``, ``peak_rss_mb`` ...).
        warmup (int): iterations excluded from the baseline.

    Returns:
        dict: ``baseline_iter``, ``last_iter``, ``rss_mb``, ``peak_rss_mb``, ``workers_rss_mb`` (growth,
        MB), ``max_rss_mb`` (largest current resident memory after warm-up minus the baseline).
    """
    after = [s for s in samples if s['iter'] >= warmup]
    if len(after) < 2:
        raise ValueError(f'need two memory samples at or after iteration {warmup}, got '
                         f'{[s["iter"] for s in samples]}; train longer or lower --warmup')
    first, last = after[0], after[-1]
    growth = {key: round(last[key] - first[key], 1) for key in ('rss_mb', 'peak_rss_mb', 'workers_rss_mb')}
    growth['max_rss_mb'] = round(max(s['rss_mb'] for s in after) - first['rss_mb'], 1)
    return dict(baseline_iter=first['iter'], last_iter=last['iter'], **growth)


def plot(samples, warmup, path):
    """Draw current and peak resident memory against iterations into a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    iters = [s['iter'] for s in samples]
    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    ax.plot(iters, [s['rss_mb'] for s in samples], 'o-', label='training process, now')
    ax.plot(iters, [s['peak_rss_mb'] for s in samples], 's--', label='training process, peak')
    if any(s['num_workers'] for s in samples):
        ax.plot(iters, [s['workers_rss_mb'] for s in samples], '^:', label='data-loader workers')
    ax.axvline(warmup, color='grey', lw=0.8)
    ax.set_xlabel('training iteration')
    ax.set_ylabel('resident memory (MB)')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    work_dir = args.work_dir or osp.join('./work_dirs', 'soak_' + osp.splitext(osp.basename(args.config))[0])
    apply_common_args(cfg, args.config, work_dir)
    cfg.train_cfg.max_epochs = args.epochs
    cfg.train_cfg.val_interval = args.epochs + 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks') or [] if 'MemoryMonitorHook' not in h.get('type', '')]
    cfg.custom_hooks.append(dict(type='mmsda.MemoryMonitorHook', interval=args.interval))

    runner = build_runner(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'MemoryMonitorHook')
    samples = hook.samples

    print(f'{"iter":>6} {"rss MB":>9} {"peak MB":>9} {"workers MB":>11}')
    for s in samples:
        print(f'{s["iter"]:>6} {s["rss_mb"]:>9.1f} {s["peak_rss_mb"]:>9.1f} {s["workers_rss_mb"]:>11.1f}')
    growth = growth_after_warmup(samples, args.warmup)
    print(f'growth after warm-up (iter {growth["baseline_iter"]} -> {growth["last_iter"]}): '
          f'rss {growth["rss_mb"]:+.1f} MB (largest {growth["max_rss_mb"]:+.1f} MB), '
          f'peak {growth["peak_rss_mb"]:+.1f} MB, workers {growth["workers_rss_mb"]:+.1f} MB; '
          f'samples in {hook.out_path}')
    if args.plot:
        plot(samples, args.warmup, args.plot)
        print(f'curve written to {args.plot}')
    if args.max_growth is not None and max(growth['rss_mb'], growth['peak_rss_mb']) > args.max_growth:
        print(f'memory grew by more than {args.max_growth} MB after warm-up')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

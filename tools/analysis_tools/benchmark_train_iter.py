"""Time one training iteration of two detector configs side by side, in one process.

Both models are built from their configs (``init_weights`` run, so frozen stages are frozen), get
the same batch (the first images of the first config's training set, through its pipeline and data
preprocessor) and take forward + backward + an AdamW step in interleaved rounds, so that a busy
machine slows both alike. Prints the median seconds per iteration and the ratio to the first
config::

    python tools/analysis_tools/benchmark_train_iter.py \\
        configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py \\
        configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py --rounds 10 --threads 1
"""
import argparse
import statistics
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='A/B training-iteration time of two mmdet configs')
    parser.add_argument('configs', nargs=2, help='two mmdet config files (the first is the baseline)')
    parser.add_argument('--rounds', type=int, default=10, help='timed rounds (one more is warm-up)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='images per iteration (default: the first config\'s train batch size)')
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s)')
    parser.add_argument('--no-pretrained', action='store_true',
                        help='ignore backbone init_cfg checkpoints (random weights time the same)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='overrides applied to both configs (e.g. a data_root)')
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f'--rounds must be >= 1, got {args.rounds}')
    return args


def load(path, options, no_pretrained):
    import mmsda  # noqa: F401  (compat shims, registries)
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(path)
    if options:
        parsed = {}
        for item in options:
            key, sep, value = item.partition('=')
            if not sep:
                sys.exit(f'--cfg-options: expected KEY=VALUE, got {item!r}')
            parsed[key] = DictAction._parse_iterable(value)
        cfg.merge_from_dict(parsed)
    if cfg.get('default_scope') != 'mmdet':
        sys.exit(f'{path}: default_scope is {cfg.get("default_scope")!r}, this tool times mmdet configs')
    init_cfg = cfg.model.get('backbone', {}).get('init_cfg')
    if no_pretrained and isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
        cfg.model.backbone.init_cfg = None
    return cfg


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    if args.threads:
        torch.set_num_threads(args.threads)
    cfgs = [load(p, args.cfg_options, args.no_pretrained) for p in args.configs]
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmdet.registry import DATASETS, MODELS
        dataset = DATASETS.build(cfgs[0].train_dataloader.dataset)
        batch_size = args.batch_size or cfgs[0].train_dataloader.batch_size
        batch = pseudo_collate([dataset[i] for i in range(batch_size)])
        runs = []
        for path, cfg in zip(args.configs, cfgs):
            torch.manual_seed(0)
            model = MODELS.build(cfg.model)
            model.init_weights()
            model.train()
            params = [p for p in model.parameters() if p.requires_grad]
            runs.append((path, model, torch.optim.AdamW(params, lr=1e-4), []))
        for round_no in range(args.rounds + 1):
            for _, model, optimizer, times in runs:
                start = time.perf_counter()
                data = model.data_preprocessor(batch, True)
                losses = model(**data, mode='loss')
                loss, _ = model.parse_losses(losses)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if round_no:  # the first round warms up
                    times.append(time.perf_counter() - start)
    base = statistics.median(runs[0][3])
    print(f'{batch_size} images per iteration, {args.rounds} rounds, {torch.get_num_threads()} threads')
    for path, _, _, times in runs:
        median = statistics.median(times)
        print(f'{path}: median {median:.3f} s/iter (min {min(times):.3f}, max {max(times):.3f}), '
              f'ratio to the first {median / base:.3f}')


if __name__ == '__main__':
    main()

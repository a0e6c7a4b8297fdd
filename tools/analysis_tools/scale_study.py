"""Does depth attention help with objects of varied size? SDA vs the same network without SDA.

    python tools/analysis_tools/scale_study.py [--config configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py]
        [--seeds 0 1 2] [--scale-range 0.1 0.95] [--data-root DIR] [--num-train N] [--num-val N]
        [--work-dir work_dirs/scale_study] [--cfg-options K=V ...] [--nosda-cfg-options K=V ...]
        [--det] [--smoke]

For every seed and both variants (``model.backbone.with_sda=True`` and ``False``) the base config is
trained unchanged by ``tools/train.py`` (a subprocess, one run after the other) except for the seed
(``randomness.seed``), ``with_sda``, the work dir and the data: the shapes classification view is
regenerated with object scales drawn from ``--scale-range`` (default 0.1-0.95 of the shorter image
side, wider than the demo's 0.15-0.9) into ``--data-root``, and optionally with other image counts.
Each final checkpoint is evaluated by ``tools/test.py --out`` and its predictions are scored overall
and per size bin (terciles of the scale range, by each image's recorded scale).

``--det`` runs the detection pipeline instead (default config: the Mask R-CNN demo; default 2 seeds),
on the config's data, and reports COCO box AP and AP_S/AP_M/AP_L from ``tools/test.py``.
``--smoke`` trains one iteration per run on a tiny generated split (for tests).

Outputs in the work dir: ``runs.json`` / ``runs.csv`` (every run: seed, metrics, parameters, wall
time of the training subprocess), ``summary.md`` (mean ± std over seeds per variant), ``scale_study.png``
(bars with std error bars), each run's config (the base plus its overrides) in ``configs/`` and per run
its logs, checkpoints and predictions. A run whose results exist for the same resolved config is not
trained again (an interrupted study continues); results of another config in the same work dir are an
error.
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time

from mmengine.config import DictAction

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, TOOLS)

from _runner_utils import load_config  # noqa: E402

DEFAULT_CLS_CONFIG = 'configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py'
DEFAULT_DET_CONFIG = 'configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py'
VARIANTS = {'sda': True, 'no_sda': False}
CLS_METRICS = [('accuracy', 'all'), ('accuracy_small', 'small'), ('accuracy_medium', 'medium'),
               ('accuracy_large', 'large')]
DET_METRICS = [('bbox_AP', 'AP'), ('bbox_AP_s', 'AP_S'), ('bbox_AP_m', 'AP_M'), ('bbox_AP_l', 'AP_L')]
_SMOKE_SIZES = {False: dict(train=1, val=2), True: dict(train=2, val=2)}  # per class / images


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='SDA vs no SDA over seeds, accuracy per object size')
    parser.add_argument('--config', help=f'base config (default: {DEFAULT_CLS_CONFIG}, with --det '
                        f'{DEFAULT_DET_CONFIG})')
    parser.add_argument('--det', action='store_true', help='detection pipeline (COCO AP_S/AP_M/AP_L)')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help='training seeds (default: 0 1 2; --det: 0 1; --smoke: 0)')
    parser.add_argument('--scale-range', type=float, nargs=2, default=(0.1, 0.95), metavar=('MIN', 'MAX'),
                        help='classification: object scale range of the generated data (default: 0.1 0.95)')
    parser.add_argument('--data-root', help='where to generate the data (default: classification '
                        'data/shapes_cls_scale_study; --det: the config\'s; --smoke: <work dir>/data)')
    parser.add_argument('--num-train', type=int, help='training images (per class for classification)')
    parser.add_argument('--num-val', type=int, help='evaluation images (per class for classification)')
    parser.add_argument('--work-dir', help='default: work_dirs/scale_study[_det][_smoke]')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='config overrides for every run')
    parser.add_argument('--nosda-cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='config overrides for the runs without SDA only (e.g. their own pretrained '
                        'checkpoint when the base config loads one)')
    parser.add_argument('--smoke', action='store_true', help='one iteration per run on a tiny split')
    args = parser.parse_args(argv)
    args.config = args.config or (DEFAULT_DET_CONFIG if args.det else DEFAULT_CLS_CONFIG)
    args.seeds = args.seeds or ([0] if args.smoke else [0, 1] if args.det else [0, 1, 2])
    suffix = ('_det' if args.det else '') + ('_smoke' if args.smoke else '')
    args.work_dir = osp.abspath(args.work_dir or f'work_dirs/scale_study{suffix}')
    if args.smoke and args.data_root is None:
        args.data_root = osp.join(args.work_dir, 'data')
    if not args.det and args.data_root is None:
        args.data_root = 'data/shapes_cls_scale_study'
    if args.det and (args.num_train or args.num_val) and args.data_root is None:
        parser.error('--det with --num-train/--num-val needs --data-root (the config\'s data exists '
                     'with other image counts)')
    for name in ('num_train', 'num_val'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    return args


def _options(raw):
    """``KEY=VALUE`` strings parsed as ``--cfg-options`` are."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction, default={})
    return parser.parse_args(['--o', *raw]).o if raw else {}


def _shapes_dataset_path(cfg, loader):
    """Keys from ``cfg[loader]`` down to the dataset dict that has ``generate`` (wrappers skipped)."""
    path, node = [loader, 'dataset'], cfg[loader]['dataset']
    while 'generate' not in node:
        if 'dataset' not in node:
            raise SystemExit(f'{loader}.dataset is not an mmsda shapes data set (no "generate" '
                             'settings); the study generates its data with them')
        path.append('dataset')
        node = node['dataset']
    return path, node


def _nest(path, value):
    for key in reversed(path):
        value = {key: value}
    return value


def _merge(a, b):
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(a.get(key), dict):
            _merge(a[key], value)
        else:
            a[key] = value
    return a


def _data_overrides(cfg, args):
    """Overrides of the data settings (root, scale range, image counts) of every data loader."""
    overrides = {}
    sizes = _SMOKE_SIZES[args.det] if args.smoke else {}
    counts = dict(train=args.num_train or sizes.get('train'), val=args.num_val or sizes.get('val'))
    count_key = 'num_images' if args.det else 'num_per_class'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        path, dataset = _shapes_dataset_path(cfg, loader)
        change, generate = {}, {}
        if args.data_root is not None:
            change['data_root'] = osp.abspath(args.data_root) + '/'
        if not args.det:
            generate['scale_range'] = list(args.scale_range)
        count = counts['train' if loader == 'train_dataloader' else 'val']
        if count is not None:
            generate[count_key] = count
        if generate:
            change['generate'] = generate
        if change:
            _merge(overrides, _nest(path, change))
        if args.smoke:
            _merge(overrides, {loader: dict(num_workers=0, persistent_workers=False)})
        evaluator = loader.replace('dataloader', 'evaluator')
        if args.det and args.data_root is not None and isinstance(cfg.get(evaluator), dict) \
                and 'ann_file' in cfg[evaluator]:
            overrides[evaluator] = dict(ann_file=osp.join(change['data_root'], dataset['ann_file']))
    return overrides


def _smoke_overrides(cfg):
    """One training iteration: one epoch over a split smaller than a batch, or ``max_iters=1``."""
    train_cfg = cfg.get('train_cfg', {})
    if train_cfg.get('type') == 'IterBasedTrainLoop' or 'max_iters' in train_cfg:
        return dict(train_cfg=dict(max_iters=1))
    return dict(train_cfg=dict(max_epochs=1))


def _pretrained_init(cfg):
    """Where the base config loads weights from (``load_from`` or a ``Pretrained`` init_cfg), or None."""
    if cfg.get('load_from'):
        return f'load_from={cfg.load_from}'
    stack = [('model', cfg.model)]
    while stack:
        name, node = stack.pop()
        if isinstance(node, dict):
            if node.get('type') == 'Pretrained':
                return f'{name}={dict(node)}'
            stack += [(f'{name}.{k}', v) for k, v in node.items()]
        elif isinstance(node, (list, tuple)):
            stack += [(f'{name}[{i}]', v) for i, v in enumerate(node)]
    return None


def write_run_config(path, base, seed, with_sda, overrides):
    """The config of one run: the base config plus the seed, ``with_sda`` and data overrides."""
    body = _merge(dict(randomness=dict(seed=seed), model=dict(backbone=dict(with_sda=with_sda))),
                  json.loads(json.dumps(overrides)))
    lines = [f'# scale study run: {osp.basename(base)}, seed {seed}, with_sda={with_sda}',
             f'_base_ = [{osp.abspath(base)!r}]']
    lines += [f'{key} = {value!r}' for key, value in body.items()]
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def _run(cmd, log_path):
    """Run a tool, its output into ``log_path``; exit with the log's tail if it fails."""
    with open(log_path, 'w', encoding='utf-8') as log:
        result = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        with open(log_path, encoding='utf-8', errors='replace') as f:
            tail = f.read()[-3000:]
        raise SystemExit(f'{" ".join(cmd)} failed (exit code {result.returncode}); log {log_path}:\n{tail}')


def _test_metrics(test_dir):
    """The metrics ``tools/test.py`` logged (the newest ``<timestamp>/<timestamp>.json``)."""
    files = sorted(glob.glob(osp.join(test_dir, '*', '*.json')), key=os.path.getmtime)
    if not files:
        raise SystemExit(f'no metrics file from tools/test.py in {test_dir}')
    with open(files[-1], encoding='utf-8') as f:
        return json.load(f)


def _last_checkpoint(run_dir):
    marker = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise SystemExit(f'training wrote no checkpoint into {run_dir}')
    with open(marker, encoding='utf-8') as f:
        return f.read().strip()


def _run_one(args, run_cfg, run_dir, options, cfg_hash):
    """Train and evaluate one run (or read its results if they exist for the same config)."""
    result_path = osp.join(run_dir, 'result.json')
    if osp.isfile(result_path):
        with open(result_path, encoding='utf-8') as f:
            result = json.load(f)
        if result.get('config_sha256') != cfg_hash:
            raise SystemExit(f'{run_dir} holds a run of another config (recipe or overrides changed); '
                             'use another --work-dir (nothing was deleted)')
        print(f'  reusing {result_path}')
        return result
    cli = ['--cfg-options', *options] if options else []
    os.makedirs(run_dir, exist_ok=True)
    start = time.perf_counter()
    _run([sys.executable, osp.join(TOOLS, 'train.py'), run_cfg, '--work-dir', run_dir, *cli],
         osp.join(run_dir, 'train.log'))
    train_time = time.perf_counter() - start
    checkpoint = _last_checkpoint(run_dir)
    test_cmd = [sys.executable, osp.join(TOOLS, 'test.py'), run_cfg, checkpoint, '--work-dir',
                osp.join(run_dir, 'test'), *cli]
    predictions = osp.join(run_dir, 'predictions.pkl')
    if not args.det:
        test_cmd += ['--out', predictions]
    _run(test_cmd, osp.join(run_dir, 'test.log'))
    return dict(config_sha256=cfg_hash, checkpoint=checkpoint, train_time_s=round(train_time, 1),
                test_metrics=_test_metrics(osp.join(run_dir, 'test')),
                predictions=None if args.det else predictions)


def _score(args, result, cfg):
    """The run's metrics for the table (in %)."""
    if args.det:  # mmdet logs AP in [0, 1], and -1 for a size range without objects
        values = {key: result['test_metrics'].get(f'coco/{key.replace("AP", "mAP")}') for key, _ in DET_METRICS}
        return {key: 100 * value if value is not None and value >= 0 else None for key, value in values.items()}
    import mmengine

    from mmsda.analysis.builders import build_split
    from mmsda.analysis.scale_study import accuracy_by_size
    dataset = build_split(cfg, 'test')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    scores = accuracy_by_size(mmengine.load(result['predictions']), infos, dataset.metainfo['scale_range'])
    scores['accuracy_top1_test_py'] = result['test_metrics'].get('accuracy/top1')
    return scores


def _prepare(args, run_cfg_path, options, with_sda):
    """Resolve a run's config: its hash, its parameter count; generate its data before any timing."""
    from mmsda.analysis.builders import build_model, build_split
    from mmsda.analysis.depth_attention import find_depth_attention
    from mmsda.utils.complexity import count_params
    cfg = load_config(run_cfg_path, _options(options))
    try:
        model = build_model(cfg)
    except TypeError as err:
        raise SystemExit(f'{args.config}: cannot build the backbone with with_sda={with_sda}: {err}') from err
    if bool(find_depth_attention(model)) != with_sda:
        raise SystemExit(f'{args.config}: with_sda={with_sda} gives a model '
                         f'{"without" if with_sda else "with"} depth attention; the study needs a '
                         'backbone whose with_sda switches DepthAttentionFusion on and off')
    for split in ('train', 'test'):
        build_split(cfg, split)
    cfg_hash = hashlib.sha256(cfg.pretty_text.encode()).hexdigest()
    return cfg, cfg_hash, count_params(model)


def main(argv=None):
    args = parse_args(argv)
    base = load_config(args.config, _options(args.cfg_options))
    if _pretrained_init(base) and not args.nosda_cfg_options:
        raise SystemExit(f'{args.config} initialises from a checkpoint ({_pretrained_init(base)}); the '
                         'runs without SDA need weights pretrained without SDA for a fair comparison: '
                         'give them with --nosda-cfg-options')
    overrides = _data_overrides(base, args)
    if args.smoke:
        _merge(overrides, _smoke_overrides(base))
    from mmsda.analysis.scale_study import aggregate, markdown_table, plot_study, write_runs_csv

    runs = []
    for variant, with_sda in VARIANTS.items():
        options = args.cfg_options + (args.nosda_cfg_options if not with_sda else [])
        for seed in args.seeds:
            run_dir = osp.join(args.work_dir, f'{variant}_seed{seed}')
            # not inside run_dir: the Runner dumps its resolved config there under the same name
            run_cfg = osp.join(args.work_dir, 'configs', f'{variant}_seed{seed}.py')
            write_run_config(run_cfg, args.config, seed, with_sda, overrides)
            cfg, cfg_hash, params = _prepare(args, run_cfg, options, with_sda)
            print(f'[{variant} seed {seed}] {run_dir}')
            result = _run_one(args, run_cfg, run_dir, options, cfg_hash)
            with open(osp.join(run_dir, 'result.json'), 'w', encoding='utf-8') as f:
                json.dump(result, f, indent=1)
            run = dict(variant=variant, with_sda=with_sda, seed=seed, params=params,
                       train_time_s=result['train_time_s'], **_score(args, result, cfg), run_dir=run_dir)
            print('  ' + ', '.join(f'{k}={v:.2f}' if isinstance(v, float) else f'{k}={v}'
                                   for k, v in run.items() if k not in ('run_dir', 'variant', 'seed')))
            runs.append(run)

    metrics = DET_METRICS if args.det else CLS_METRICS
    keys = [key for key, _ in metrics] + ['params', 'train_time_s']
    summary = aggregate(runs, keys, list(VARIANTS))
    header = 'AP' if args.det else 'acc'
    columns = [(key, f'{header} {label} (%)' if not args.det else f'{label} (%)', 2) for key, label in metrics]
    columns += [('params', 'params', 0), ('train_time_s', 'train time (s)', 0)]
    table = markdown_table(summary, columns)
    date = time.strftime('%Y-%m-%d')
    command = ' '.join(['python', 'tools/analysis_tools/scale_study.py', *(sys.argv[1:] if argv is None else argv)])
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'runs.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(config=args.config, command=command, date=date, det=args.det, smoke=args.smoke,
                       scale_range=None if args.det else list(args.scale_range), runs=runs,
                       summary=summary), f, indent=1)
    run_keys = ['variant', 'with_sda', 'seed'] + keys + \
        ([] if args.det else ['num_images', 'num_small', 'num_medium', 'num_large']) + ['run_dir']
    write_runs_csv(osp.join(args.work_dir, 'runs.csv'), runs, run_keys)
    bins = '' if args.det else (f'; size bins: terciles of the scale range {tuple(args.scale_range)} of the '
                                'shorter image side')
    with open(osp.join(args.work_dir, 'summary.md'), 'w', encoding='utf-8') as f:
        f.write(f'{table}\n\nmean ± std over seeds {args.seeds}; train time = wall time of tools/train.py'
                f'{bins}.\nConfig: {args.config}. Command: `{command}` ({date}).\n')
    plot_study(summary, metrics, osp.join(args.work_dir, 'scale_study.png'),
               f'{osp.basename(args.config)}\nSDA vs no SDA, mean ± std over seeds {args.seeds}',
               ylabel='box AP (%)' if args.det else 'top-1 accuracy (%)')
    print(table)
    print(f'results: {args.work_dir}/runs.json, runs.csv, summary.md, scale_study.png')


if __name__ == '__main__':
    main()

"""Evaluate a checkpoint of a detector (mmdet config: COCO bbox/segm mAP), a classifier (mmpretrain
config: accuracy) or a semantic segmentor (mmseg config: aAcc, mIoU, mAcc and per-class IoU). Options
follow mmdet's ``tools/test.py``::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--show-dir vis]
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _runner_utils import apply_common_args, build_runner, load_config, run  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the metrics and logs')
    parser.add_argument('--out', help='dump the raw predictions to a pickle file (.pkl)')
    parser.add_argument('--show', action='store_true', help='show prediction results in a window')
    parser.add_argument('--show-dir', help='save images with drawn predictions here (relative to the '
                        'timestamped run directory inside the work dir)')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of --show (s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings (xxx=yyy format)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_visualization(cfg, args):
    """Turn on the config's visualization hook so predictions are drawn (mmdet, mmpretrain, mmseg).

    Every tool writes ``--show-dir`` into the run directory ``<work_dir>/<timestamp>/``; for mmseg
    configs mmseg's ``SegVisualizationHook`` is replaced by ``mmsda.SegVisualizationHook`` (the same hook
    with mmdet's ``test_out_dir``), which draws every test image there (ground truth | prediction).
    """
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise SystemExit('--show/--show-dir: the config has no default_hooks.visualization hook')
    hook = hooks['visualization']
    if cfg.default_scope in ('mmdet', 'mmseg'):
        hook['draw'] = True
        if args.show:
            hook['show'] = True
            hook['wait_time'] = args.wait_time
        if args.show_dir:
            if cfg.default_scope == 'mmseg':
                if str(hook.get('type')).split('.')[-1] != 'SegVisualizationHook':
                    raise SystemExit(f'--show-dir: default_hooks.visualization is {hook.get("type")!r}; '
                                     "expected mmseg's SegVisualizationHook")
                hook['type'] = 'mmsda.SegVisualizationHook'
            hook['test_out_dir'] = args.show_dir
    else:  # mmpretrain's VisualizationHook
        hook['enable'] = True
        if args.show:
            hook['show'] = True
            hook['wait_time'] = args.wait_time
        if args.show_dir:
            hook['out_dir'] = args.show_dir


def dump_metric(scope, out):
    if not out.endswith(('.pkl', '.pickle')):
        raise SystemExit(f'--out must be a .pkl or .pickle file, got {out!r}')
    if scope == 'mmdet':
        from mmdet.evaluation import DumpDetResults
        return DumpDetResults(out_file_path=out)
    from mmengine.evaluator import DumpResults
    return DumpResults(out_file_path=out)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint file not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    apply_common_args(cfg, args.config, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)

    runner = build_runner(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(dump_metric(cfg.default_scope, args.out))
    run(runner.test)


if __name__ == '__main__':
    main()

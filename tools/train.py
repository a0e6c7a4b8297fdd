"""Train a detector (mmdet config), a classifier (mmpretrain config) or a semantic segmentor (mmseg
config) with MMEngine's Runner.

The task is chosen by the config's ``default_scope``; command-line options follow mmdet's
``tools/train.py``::

    python tools/train.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py
    python tools/train.py configs/demo/fpn_sda-r26-tiny_1xb8-2k_shapes-seg-96x96.py
    python tools/train.py CONFIG --work-dir work_dirs/x --resume            # resume the latest checkpoint
    python tools/train.py CONFIG --resume work_dirs/x/epoch_3.pth            # resume a given checkpoint
    bash tools/dist_train.sh CONFIG 8                                        # 8 processes (GPUs or CPU)

Training stops at the first NaN/Inf loss (``mmsda.FiniteLossHook``, added unless the config has one;
``custom_hooks = [dict(type='mmsda.FiniteLossHook', action='skip')]`` skips such steps instead).
``--resume`` without a path continues from the last *complete* checkpoint of the work dir.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _runner_utils import (add_custom_hook, apply_common_args, build_runner,  # noqa: E402
                           load_config, run)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a detector, classifier or semantic segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision (needs a GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by the actual batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; with no value, resume from the latest checkpoint '
        'in the work dir')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument('--no-data-check', action='store_true',
                        help='do not check before training that every image file can be read '
                        '(mmsda.CheckDataHook, added by default)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings, e.g. train_cfg.max_epochs=2 (xxx=yyy format)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    apply_common_args(cfg, args.config, args.work_dir, args.launcher)

    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA GPU (mixed precision training is not supported on CPU '
                             'by mmengine 0.10); run without --amp')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise SystemExit(f'--auto-scale-lr: {args.config} has no auto_scale_lr.base_batch_size setting')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise SystemExit(f'--resume: checkpoint file not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if not args.no_data_check:
        add_custom_hook(cfg, dict(type='mmsda.CheckDataHook'))
    # stop at the first NaN/Inf loss unless the config has the hook already (e.g. action='skip')
    add_custom_hook(cfg, dict(type='mmsda.FiniteLossHook'))
    runner = build_runner(cfg)
    run(runner.train)


if __name__ == '__main__':
    main()

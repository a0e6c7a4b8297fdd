"""Check the data sets of a config before a long run: every image file and every annotation.

    python tools/misc/check_dataset.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py
    python tools/misc/check_dataset.py configs/sda/sda-resnet86_8xb32_in1k.py --split val --verify header

Builds each data set from the config (``<split>_dataloader.dataset``; mmdet, mmpretrain or mmseg,
chosen by ``default_scope``) and reports, one line per problem with the file it concerns:

* image files: missing, empty, not an image, corrupt (does not decode with the pipeline's decoder), or
  of another size than the annotations say;
* COCO annotation files (mmdet ``CocoDataset``): annotations with an unknown image or category id,
  without area, with a malformed, zero-area or out-of-image box; duplicate ids; classes missing from
  or ordered differently than the categories; images without annotations (a warning);
* classification labels outside the classes;
* semantic-segmentation label maps (mmseg): missing, unreadable, of another size than their image, or
  with label values that are neither a class nor the ignore index.

Exits with 1 when there are errors (warnings alone exit 0), so it can gate a job script.
"""
import argparse
import os.path as osp
import sys
import time

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Report every problem of the data sets of a config')
    parser.add_argument('config', help='mmdet, mmpretrain or mmseg config file')
    parser.add_argument('--split', choices=SPLITS, action='append',
                        help='data set to check (repeatable); default: every split the config defines')
    parser.add_argument('--verify', choices=('exists', 'header', 'decode'), default='decode',
                        help='how thoroughly each image is checked (default: decode every image)')
    parser.add_argument('--max-listed', type=int, default=None, help='list at most this many problems per split')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings (xxx=yyy format)')
    return parser.parse_args(argv)


def _fallback_coco_problems(dataset_cfg):
    """When a COCO data set does not even build, check its annotation file directly."""
    from mmsda.datasets.checks import coco_problems
    ann_file = dataset_cfg.get('ann_file') or ''
    if not ann_file.endswith('.json'):
        return []
    data_root = dataset_cfg.get('data_root') or ''
    img_prefix = (dataset_cfg.get('data_prefix') or {}).get('img', '')
    return coco_problems(osp.join(data_root, ann_file), img_prefix=osp.join(data_root, img_prefix))


def check_split(cfg, split, verify):
    """Build one data set and find its problems.

    Returns:
        tuple[list[DataProblem], str]: the problems and a one-line summary.
    """
    import importlib

    from mmsda.datasets.checks import annotation_problems, image_problems
    from mmsda.datasets.checks.problem import error

    dataset_cfg = cfg[f'{split}_dataloader']['dataset']
    registry = importlib.import_module(f'{cfg.default_scope}.registry').DATASETS
    try:
        dataset = registry.build(dataset_cfg)
    except Exception as exc:  # report, then look at the annotation file without the data set class
        problems = [error(str(dataset_cfg.get('ann_file', '?')), 'build',
                          f'the {split} data set does not build: {type(exc).__name__}: {exc}')]
        return problems + _fallback_coco_problems(dataset_cfg), f'{split}: the data set does not build'
    start = time.perf_counter()
    problems = annotation_problems(dataset)
    image_found, checked = image_problems(dataset, verify)
    problems += image_found
    errors = sum(p.severity == 'error' for p in problems)
    return problems, (f'{split}: {len(dataset)} samples, {checked} image files checked ({verify}) in '
                      f'{time.perf_counter() - start:.1f} s: {errors} errors, {len(problems) - errors} warnings')


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    from mmengine.registry import init_default_scope

    from mmsda.datasets.checks import format_problems
    init_default_scope(cfg.default_scope)
    splits = args.split or [s for s in SPLITS if cfg.get(f'{s}_dataloader')]
    if not splits:
        raise SystemExit(f'{args.config} defines no train/val/test_dataloader')
    checked_cfgs, total_errors = [], 0
    for split in splits:
        if not cfg.get(f'{split}_dataloader'):
            raise SystemExit(f'{args.config} has no {split}_dataloader')
        dataset_cfg = cfg[f'{split}_dataloader']['dataset']
        if dataset_cfg in checked_cfgs:  # test_dataloader = val_dataloader in most configs
            print(f'{split}: the same data set as {splits[checked_cfgs.index(dataset_cfg)]}, not checked again')
            checked_cfgs.append(dataset_cfg)
            continue
        checked_cfgs.append(dataset_cfg)
        problems, summary = check_split(cfg, split, args.verify)
        print(summary)
        if problems:
            print(format_problems(problems, args.max_listed))
        total_errors += sum(p.severity == 'error' for p in problems)
    if total_errors:
        print(f'{total_errors} errors: fix them before training (see docs/reliability.md, "Bad data")')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

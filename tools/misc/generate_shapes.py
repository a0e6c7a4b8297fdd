"""Generate the synthetic shapes datasets ahead of training.

Detection / instance segmentation (COCO format)::

    python tools/misc/generate_shapes.py --out data/shapes --task det --num-train 400 \\
        --num-val 100 --img-size 256 --seed 0

Classification (mmpretrain ``CustomDataset`` layout)::

    python tools/misc/generate_shapes.py --out data/shapes_cls --task cls --per-class 100 \\
        --per-class-val 20 --img-size 64

Semantic segmentation (mmseg ``BaseSegDataset`` layout; the demo config's val split uses seed 1)::

    python tools/misc/generate_shapes.py --out data/shapes_seg --task seg --num-train 1000 \\
        --num-val 100 --img-size 96 --max-objects 6 --seed 0 --val-seed 1

Splits that exist with the same parameters are kept; a split made with other parameters is an error.
The ``mmsda.ShapesCocoDataset`` / ``mmsda.ShapesClsDataset`` / ``mmsda.ShapesSegDataset`` datasets
generate missing data the same way, so running this tool first is optional.
"""
import argparse
import time

from mmsda.datasets.shapes import ensure_shapes_cls, ensure_shapes_coco, ensure_shapes_seg

#: ``--img-size`` and ``--max-objects`` defaults of each task.
DEFAULT_IMG_SIZE = {'det': 256, 'cls': 64, 'seg': 128}
DEFAULT_MAX_OBJECTS = {'det': 8, 'seg': 6}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate the synthetic shapes datasets')
    parser.add_argument('--out', required=True, help='dataset root directory')
    parser.add_argument('--task', choices=['det', 'cls', 'seg'], default='det',
                        help='det: COCO detection/instance segmentation; cls: classification; '
                        'seg: semantic segmentation')
    parser.add_argument('--num-train', type=int, default=400, help='det, seg: training images')
    parser.add_argument('--num-val', type=int, default=100, help='det, seg: validation images')
    parser.add_argument('--per-class', type=int, default=100, help='cls: training images per class')
    parser.add_argument('--per-class-val', type=int, default=20,
                        help='cls: validation images per class')
    parser.add_argument('--img-size', type=int, nargs='+',
                        help='side, or width and height (default: 256 for det, 64 for cls, 128 for seg)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--val-seed', type=int,
                        help='seg: random seed of the val split (default: --seed; the demo config uses 1)')
    parser.add_argument('--max-objects', type=int,
                        help='det, seg: maximum objects per image (default: 8 for det, 6 for seg)')
    return parser.parse_args(argv)


def _img_size(args):
    """The ``img_size`` argument of the generators from ``--img-size``."""
    if args.img_size is None:
        return DEFAULT_IMG_SIZE[args.task]
    if len(args.img_size) > 2:
        raise SystemExit('--img-size takes one or two values (side, or width and height)')
    return args.img_size[0] if len(args.img_size) == 1 else tuple(args.img_size)


def _max_objects(args):
    return DEFAULT_MAX_OBJECTS[args.task] if args.max_objects is None else args.max_objects


def _val_seed(args):
    return args.seed if args.val_seed is None else args.val_seed


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    if args.task == 'det':
        summaries = ensure_shapes_coco(
            args.out, {'train': args.num_train, 'val': args.num_val}, img_size=_img_size(args),
            seed=args.seed, max_objects=_max_objects(args))
        for split, summary in summaries.items():
            sizes = summary['sizes']
            print(f'{split}: {summary["num_images"]} images, {summary["num_objects"]} objects '
                  f'(S/M/L: {sizes["small"]}/{sizes["medium"]}/{sizes["large"]})')
    elif args.task == 'seg':
        options = dict(img_size=_img_size(args), max_objects=_max_objects(args))
        summaries = ensure_shapes_seg(args.out, {'train': args.num_train}, seed=args.seed, **options)
        summaries.update(ensure_shapes_seg(args.out, {'val': args.num_val}, seed=_val_seed(args),
                                           **options))
        for split, summary in summaries.items():
            total = sum(summary['pixels'].values())
            shares = ', '.join(f'{name} {100 * n / total:.1f}%' for name, n in summary['pixels'].items())
            print(f'{split}: {summary["num_images"]} images, {summary["num_objects"]} objects; '
                  f'pixels: {shares}')
    else:
        summaries = ensure_shapes_cls(
            args.out, {'train': args.per_class, 'val': args.per_class_val},
            img_size=_img_size(args), seed=args.seed)
        for split, summary in summaries.items():
            print(f'{split}: {summary["num_images"]} images ({summary["per_class"]} per class)')
    print(f'dataset root: {args.out} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()

"""Generate the synthetic shapes datasets ahead of training.

Detection / instance segmentation (COCO format)::

    python tools/misc/generate_shapes.py --out data/shapes --task det --num-train 400 \\
        --num-val 100 --img-size 256 --seed 0

Classification (mmpretrain ``CustomDataset`` layout)::

    python tools/misc/generate_shapes.py --out data/shapes_cls --task cls --per-class 100 \\
        --per-class-val 20 --img-size 64

Splits that exist with the same parameters are kept; a split made with other parameters is an error.
The ``mmsda.ShapesCocoDataset`` / ``mmsda.ShapesClsDataset`` datasets generate missing data the same
way, so running this tool first is optional.
"""
import argparse
import time

from mmsda.datasets.shapes import ensure_shapes_cls, ensure_shapes_coco


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate the synthetic shapes datasets')
    parser.add_argument('--out', required=True, help='dataset root directory')
    parser.add_argument('--task', choices=['det', 'cls'], default='det',
                        help='det: COCO detection/instance segmentation; cls: classification')
    parser.add_argument('--num-train', type=int, default=400, help='det: training images')
    parser.add_argument('--num-val', type=int, default=100, help='det: validation images')
    parser.add_argument('--per-class', type=int, default=100, help='cls: training images per class')
    parser.add_argument('--per-class-val', type=int, default=20,
                        help='cls: validation images per class')
    parser.add_argument('--img-size', type=int, nargs='+',
                        help='side, or width and height (default: 256 for det, 64 for cls)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--max-objects', type=int, default=8, help='det: maximum objects per image')
    return parser.parse_args(argv)


def _img_size(args):
    """The ``img_size`` argument of the generators from ``--img-size``."""
    if args.img_size is None:
        return 256 if args.task == 'det' else 64
    if len(args.img_size) > 2:
        raise SystemExit('--img-size takes one or two values (side, or width and height)')
    return args.img_size[0] if len(args.img_size) == 1 else tuple(args.img_size)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    if args.task == 'det':
        summaries = ensure_shapes_coco(
            args.out, {'train': args.num_train, 'val': args.num_val}, img_size=_img_size(args),
            seed=args.seed, max_objects=args.max_objects)
        for split, summary in summaries.items():
            sizes = summary['sizes']
            print(f'{split}: {summary["num_images"]} images, {summary["num_objects"]} objects '
                  f'(S/M/L: {sizes["small"]}/{sizes["medium"]}/{sizes["large"]})')
    else:
        summaries = ensure_shapes_cls(
            args.out, {'train': args.per_class, 'val': args.per_class_val},
            img_size=_img_size(args), seed=args.seed)
        for split, summary in summaries.items():
            print(f'{split}: {summary["num_images"]} images ({summary["per_class"]} per class)')
    print(f'dataset root: {args.out} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()

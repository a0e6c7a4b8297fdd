"""Show what depth attention selects: the softmax weights over depth of every SDA stage of a trained
model (mmpretrain classifier, mmdet detector or mmseg segmentor, any backbone with DepthAttentionFusion
stages).

    python tools/analysis_tools/vis_depth_attention.py CONFIG CHECKPOINT [--split val] [--num 100]
        [--images a.png b.png ...] [--out-dir DIR] [--device cpu] [--cfg-options KEY=VALUE ...]

The weights are recorded with forward hooks (the model's outputs do not change) on ``--num`` images
of the config's ``<split>_dataloader`` data set, evenly spaced over it, or on the ``--images`` files
(through that split's pipeline without its annotation loading). Written to ``--out-dir`` (default
``work_dirs/depth_attention/<config name>``):

* ``depth_attention_heatmap.png``: stage × block heat map of the mean weight (over channels and images);
* ``depth_attention_by_size.png``: the mean weight per block for small / medium / large objects, when
  the data records object sizes (COCO annotation areas; the shapes classification view's scales; the
  shapes segmentation view's visible object areas);
* ``depth_attention.json`` (summary, bins, provenance and per-image weights) and
  ``depth_attention.csv`` (one row per image, stage and block).

docs/depth_attention.md describes the outputs and the size bins.
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Record and plot the depth-attention weights of a '
                                     'trained SDA model')
    parser.add_argument('config', help='mmdet, mmpretrain or mmseg config file')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('--split', default='val', choices=['train', 'val', 'test'],
                        help='data set of the config to use (its <split>_dataloader); with --images, '
                        'whose pipeline to use (default: val)')
    parser.add_argument('--num', type=int, default=100,
                        help='number of images, evenly spaced over the split (default: 100; 0: all)')
    parser.add_argument('--images', nargs='+', metavar='FILE', help='image files instead of the data set')
    parser.add_argument('--out-dir', help='output directory (default: work_dirs/depth_attention/<config name>)')
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings (xxx=yyy format)')
    args = parser.parse_args(argv)
    if args.num < 0:
        parser.error(f'--num must be >= 0, got {args.num}')
    return args


def spread_indices(length, num):
    """``num`` indices evenly spaced over ``range(length)`` (all of them if ``num`` is 0 or larger)."""
    if num == 0 or num >= length:
        return list(range(length))
    return sorted(set(np.linspace(0, length - 1, num).round().astype(int).tolist()))


def _samples(cfg, args):
    """``(items, indices, dataset)``: packed samples (an iterator), their data set indices and the data
    set (None for --images)."""
    from mmsda.analysis.builders import build_split, image_file_pipeline
    if args.images:
        missing = [path for path in args.images if not osp.isfile(path)]
        if missing:
            raise SystemExit(f'--images: file not found: {", ".join(missing)}')
        pipeline = image_file_pipeline(cfg, args.split)
        items = (pipeline(dict(img_path=path, img_id=i)) for i, path in enumerate(args.images))
        return items, list(range(len(args.images))), None
    dataset = build_split(cfg, args.split)
    if len(dataset) == 0:
        raise SystemExit(f'the {args.split} data set of {args.config} is empty')
    indices = spread_indices(len(dataset), args.num)
    return (dataset[i] for i in indices), indices, dataset


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint file not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    from mmengine.utils import ProgressBar

    from mmsda.analysis.builders import build_model, load_matching_checkpoint
    from mmsda.analysis.depth_attention import find_depth_attention
    from mmsda.analysis.depth_attention_report import collect_weights, object_sizes, summarise, write_report

    model = build_model(cfg)
    if not find_depth_attention(model):
        backbone = cfg.model.get('backbone', {}).get('type', type(model).__name__)
        raise SystemExit(f'{args.config}: the backbone {backbone} has no depth attention (no '
                         'DepthAttentionFusion module); use an SDA model (e.g. with_sda=True)')
    try:
        load_matching_checkpoint(model, args.checkpoint, args.config)
        items, indices, dataset = _samples(cfg, args)
    except ValueError as err:
        raise SystemExit(str(err)) from err
    model.to(args.device)

    print(f'recording depth attention on {len(indices)} images '
          f'({"files" if dataset is None else args.split + " split"})')
    bar = ProgressBar(len(indices))
    stages, records = collect_weights(model, items, progress=bar.update)
    print()
    size_kind, size_info = object_sizes(dataset, indices) if dataset is not None else \
        (None, [dict(sizes=None, bins=None) for _ in indices])
    if dataset is not None and records and records[0]['image'] is None:
        for record, index in zip(records, indices):
            record['image'] = dataset.get_data_info(index).get('img_path')
    scale_range = dataset.metainfo.get('scale_range') if dataset is not None else None
    summary = summarise(stages, records, size_kind, size_info, scale_range)

    out_dir = args.out_dir or osp.join('work_dirs', 'depth_attention',
                                       osp.splitext(osp.basename(args.config))[0])
    meta = dict(config=args.config, checkpoint=args.checkpoint,
                source=('files' if dataset is None else f'{args.split} split'),
                command=' '.join(['python', 'tools/analysis_tools/vis_depth_attention.py',
                                  *(sys.argv[1:] if argv is None else argv)]),
                date=time.strftime('%Y-%m-%d'))
    files = write_report(out_dir, summary, records, size_info, meta)
    for stage in summary['stages']:
        weights = ' '.join(f'{w:.3f}' for w in summary['mean'][stage['name']])
        print(f'{stage["label"]}: mean weight per block {weights}')
    if summary['by_size'] is None:
        print('no object sizes known for these images: no by-size plot')
    else:
        counts = ', '.join(f'{name} {entry["weight"]:.1f} ({entry["pure_images"]} only {name})'
                           for name, entry in summary['by_size']['bins'].items())
        print(f'size bins ({size_kind}), images per bin as object shares: {counts}')
    for kind, path in files.items():
        print(f'{kind}: {path}')


if __name__ == '__main__':
    main()

"""Run a trained mmsda detector or classifier on images and save the drawn results, as mmdet's demo does.

    python demo/image_demo.py IMG CONFIG --weights CKPT [--out-dir outputs] [--device cpu]
        [--pred-score-thr 0.3] [--vis-short-edge N] [--show] [--no-save-vis] [--no-save-pred]
        [--print-result]

``IMG`` is an image file or a folder of images. Detector configs (mmdet) run mmdet's ``DetInferencer``:
boxes, masks and class names are drawn into ``OUT_DIR/vis/<image name>`` and the predictions
(``labels``, ``scores``, ``bboxes``, ``masks`` as RLE) written to ``OUT_DIR/preds/<image stem>.json``.
Classifier configs (mmpretrain) run mmpretrain's ``ImageClassificationInferencer``: the predicted class
and score are drawn into ``OUT_DIR/vis/<image stem>.png``, and ``pred_label``, ``pred_score``,
``pred_class`` and ``pred_scores`` (every class) written to ``OUT_DIR/preds/<image stem>.json``. Class
names and the palette come from the checkpoint's ``dataset_meta`` (and the config's test data set).
The checkpoint must fit the config: if it does not, the first mismatching keys are named.
"""
import argparse
import json
import os
import os.path as osp
import sys

import mmsda  # noqa: F401  (applies mmsda.compat: mmengine checkpoints load on torch >= 2.6)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Detect or classify images with an mmsda config + checkpoint')
    parser.add_argument('inputs', help='image file or folder of images')
    parser.add_argument('model', help='config file (mmdet detector or mmpretrain classifier)')
    parser.add_argument('--weights', required=True, help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs', help='output folder (vis/ and preds/)')
    parser.add_argument('--device', default=None, help="e.g. 'cpu', 'cuda:0' (default: cuda:0 if available)")
    parser.add_argument('--pred-score-thr', type=float, default=0.3, help='detectors: least score drawn')
    parser.add_argument('--batch-size', type=int, default=1, help='inference batch size')
    parser.add_argument('--vis-short-edge', type=int, default=None,
                        help='classifiers: draw on the image resized to this short edge (small images)')
    parser.add_argument('--show', action='store_true', help='display the drawn images in a window')
    parser.add_argument('--no-save-vis', action='store_true', help='do not save the drawn images')
    parser.add_argument('--no-save-pred', action='store_true', help='do not save the predictions')
    parser.add_argument('--print-result', action='store_true', help='print the predictions')
    args = parser.parse_args(argv)
    for name, path in (('inputs', args.inputs), ('model', args.model), ('--weights', args.weights)):
        if not osp.exists(path):
            parser.error(f'{name}: not found: {path}')
    if not 0 <= args.pred_score_thr <= 1:
        parser.error(f'--pred-score-thr must be in [0, 1], got {args.pred_score_thr}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.vis_short_edge is not None and args.vis_short_edge < 1:
        parser.error(f'--vis-short-edge must be >= 1, got {args.vis_short_edge}')
    if args.device is None:
        import torch
        args.device = 'cuda:0' if torch.cuda.is_available() else 'cpu'
    return args


def detect(cfg, args):
    """mmdet's DetInferencer: drawn images in OUT_DIR/vis, predictions in OUT_DIR/preds."""
    from mmdet.apis import DetInferencer

    from mmsda.apis import check_checkpoint_fits

    inferencer = DetInferencer(model=cfg, weights=args.weights, device=args.device)
    check_checkpoint_fits(inferencer.model, args.weights)
    inferencer(args.inputs, out_dir=args.out_dir, batch_size=args.batch_size, show=args.show,
               no_save_vis=args.no_save_vis, no_save_pred=args.no_save_pred,
               pred_score_thr=args.pred_score_thr, print_result=args.print_result)


def classify(cfg, args):
    """mmpretrain's ImageClassificationInferencer: drawn images in OUT_DIR/vis, predictions in OUT_DIR/preds."""
    from mmengine.fileio import list_dir_or_file
    from mmpretrain.apis import ImageClassificationInferencer

    from mmsda.apis import check_checkpoint_fits

    inferencer = ImageClassificationInferencer(model=cfg, pretrained=args.weights, device=args.device)
    check_checkpoint_fits(inferencer.model, args.weights)
    if osp.isdir(args.inputs):
        images = sorted(osp.join(args.inputs, f) for f in list_dir_or_file(args.inputs, list_dir=False)
                        if f.lower().endswith(('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')))
    else:
        images = [args.inputs]
    show_dir = None if args.no_save_vis else osp.join(args.out_dir, 'vis')
    if show_dir is not None:
        os.makedirs(show_dir, exist_ok=True)  # (mmpretrain creates only the last level)
    results = inferencer(images, batch_size=args.batch_size, show=args.show, show_dir=show_dir,
                         resize=args.vis_short_edge)
    if not args.no_save_pred:
        os.makedirs(osp.join(args.out_dir, 'preds'), exist_ok=True)
    for image, result in zip(images, results):
        pred = dict(pred_label=int(result['pred_label']), pred_score=float(result['pred_score']),
                    pred_class=result.get('pred_class'), pred_scores=[float(s) for s in result['pred_scores']])
        if args.print_result:
            print(f'{image}: {pred["pred_class"]} ({pred["pred_score"]:.3f})')
        if not args.no_save_pred:
            stem = osp.splitext(osp.basename(image))[0]
            with open(osp.join(args.out_dir, 'preds', f'{stem}.json'), 'w') as f:
                json.dump(pred, f, indent=2)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config

    from mmsda.apis import CheckpointMismatchError

    cfg = Config.fromfile(args.model)
    task = {'mmdet': detect, 'mmpretrain': classify}.get(cfg.get('default_scope'))
    if task is None:
        raise SystemExit(f'{args.model}: default_scope is {cfg.get("default_scope")!r}; expected an mmdet '
                         'detector or an mmpretrain classifier config')
    try:
        task(cfg, args)
    except (CheckpointMismatchError, FileNotFoundError) as error:
        raise SystemExit(f'{args.model} + {args.weights}: {error}')
    if not (args.no_save_vis and args.no_save_pred):
        print(f'results written to {args.out_dir}/ ({"" if args.no_save_vis else "vis/ "}'
              f'{"" if args.no_save_pred else "preds/"})'.replace(' )', ')'))


if __name__ == '__main__':
    sys.exit(main())

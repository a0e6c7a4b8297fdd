"""Build a config's model, run one dummy forward and print the shapes; report parts that do not fit.

    python tools/misc/check_config.py configs/sda/mask-rcnn_sda-r86_fpn_1x_coco.py
    python tools/misc/check_config.py configs/sda/sda-resnet86_8xb32_in1k.py --shape 224

Prints the output shapes of the backbone and the neck, then runs the whole model (classifiers and
segmentors: ``mode='tensor'``; detectors: backbone, neck, dense head and, for two-stage detectors, the
RoI head on fixed proposals) and prints its output shapes. A neck or head whose ``in_channels`` does
not match what it receives (the usual mistake after swapping a backbone) is reported by its config path
with both channel lists, and the tool exits with 1; so does any other error of building or running the model.
No data set is built and no weights are loaded.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402

DEFAULT_SHAPES = {'mmdet': (512, 512), 'mmpretrain': (224, 224), 'mmseg': (512, 512)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Build the model of a config and run a dummy forward')
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs='+',
                        help='input H W (or one size for both); default 512x512 for detectors and segmentors, '
                        '224 for classifiers')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings (xxx=yyy format)')
    return parser.parse_args(argv)


def describe(outputs):
    """Shapes of the tensors in a nested output (tuples, lists, dicts, data elements)."""
    import torch
    if isinstance(outputs, torch.Tensor):
        return 'x'.join(str(s) for s in outputs.shape)
    if isinstance(outputs, dict):
        return '{' + ', '.join(f'{k}: {describe(v)}' for k, v in outputs.items()) + '}'
    if isinstance(outputs, (list, tuple)):
        return '[' + ', '.join(describe(v) for v in outputs) + ']'
    return type(outputs).__name__


def check(cfg, shape=None):
    """Build ``cfg.model``, trace its channels and run it on one dummy image.

    Returns:
        dict[str, str]: printable shapes of ``backbone``, ``neck`` (if any) and ``model`` outputs.

    Raises:
        ChannelMismatchError: a neck or head ``in_channels`` does not match its input.
    """
    import importlib

    import torch
    from mmengine.registry import init_default_scope

    from mmsda.utils.detector_forward import detector_dummy_forward
    from mmsda.utils.model_check import trace_channels

    init_default_scope(cfg.default_scope)
    model = importlib.import_module(f'{cfg.default_scope}.registry').MODELS.build(cfg.model).eval()
    height, width = shape or DEFAULT_SHAPES[cfg.default_scope]
    images = torch.randn(1, 3, height, width)
    shapes = {name: '[' + ', '.join('x'.join(map(str, s)) for s in part) + ']'
              for name, part in trace_channels(model, cfg.model, images).items()}
    with torch.no_grad():
        if cfg.default_scope == 'mmdet':
            outputs = detector_dummy_forward(model, images)
        else:
            outputs = model(images, mode='tensor')
    shapes['model'] = describe(outputs)
    return shapes


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    shape = (args.shape[0], args.shape[-1]) if args.shape else None
    from mmsda.utils.model_check import ChannelMismatchError
    try:
        shapes = check(cfg, shape)
    except ChannelMismatchError as exc:
        print(f'{args.config}: {exc}')
        return 1
    height, width = shape or DEFAULT_SHAPES[cfg.default_scope]
    print(f'{osp.basename(args.config)}: {cfg.model.get("type")} on a {height}x{width} input')
    for name, text in shapes.items():
        print(f'  {name} outputs: {text}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

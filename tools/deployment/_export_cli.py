"""What pytorch2onnx.py and pytorch2torchscript.py share: the model arguments and the module they export."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402


def add_model_args(parser, out_help):
    """CONFIG, [CHECKPOINT], --out, --shape, --softmax."""
    parser.add_argument('config', help='mmpretrain classifier or mmdet detector config')
    parser.add_argument('checkpoint', nargs='?', help='weights (default: none, random weights)')
    parser.add_argument('--out', required=True, help=out_help)
    parser.add_argument('--shape', type=int, nargs='+', help='input H W (or one size for both)')
    parser.add_argument('--softmax', action='store_true', help='classifiers: output probabilities')


def check_model_args(parser, args):
    """``parser.error`` for a bad --shape or an --out in a missing directory."""
    if args.shape is not None and (len(args.shape) not in (1, 2) or min(args.shape) < 1):
        parser.error(f'--shape takes H W (or one size) of positive ints, got {args.shape}')
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        parser.error(f'--out: directory does not exist: {out_dir}')


def export_module(args, export):
    """Build the config's export module and call ``export(module, shape)``; errors exit naming the config.

    Returns:
        tuple: (config, module, (H, W), what ``export`` returned).
    """
    cfg = load_config(args.config)
    from mmsda.apis import CheckpointMismatchError
    from mmsda.deployment import ExportError, build_export_model, default_shape

    try:
        module = build_export_model(cfg, args.checkpoint, softmax=args.softmax)
        shape = (args.shape[0], args.shape[-1]) if args.shape else default_shape(cfg, module.task)
        return cfg, module, shape, export(module, shape)
    except (CheckpointMismatchError, ExportError, FileNotFoundError) as error:
        raise SystemExit(f'{args.config}: {error}')

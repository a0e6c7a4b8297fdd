"""Trace a classifier (whole network) or a detector's backbone + neck to TorchScript.

    python tools/deployment/pytorch2torchscript.py CONFIG [CHECKPOINT] --out model.pt [--shape H W]
        [--softmax] [--verify]

The same module as ``pytorch2onnx.py`` exports (input: the normalised B×3×H×W image; outputs: logits,
or the neck's feature maps), traced with ``torch.jit.trace`` and saved with ``torch.jit.save``; load it
with ``torch.jit.load`` (no mmsda, mmdet or mmpretrain needed). The batch size is free; H×W is the
traced one. ``--verify`` reloads the file and prints max |TorchScript − PyTorch| at batch 1 and 3.
Scripting (``torch.jit.script``) is not offered: see docs/deployment.md for why these models do not
script.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Trace a model to TorchScript')
    parser.add_argument('config', help='mmpretrain classifier or mmdet detector config')
    parser.add_argument('checkpoint', nargs='?', help='weights (default: none, random weights)')
    parser.add_argument('--out', required=True, help='the .pt file to write')
    parser.add_argument('--shape', type=int, nargs='+', help='input H W (or one size for both)')
    parser.add_argument('--softmax', action='store_true', help='classifiers: output probabilities')
    parser.add_argument('--verify', action='store_true', help='compare the saved module with PyTorch')
    args = parser.parse_args(argv)
    if args.shape is not None and (len(args.shape) not in (1, 2) or min(args.shape) < 1):
        parser.error(f'--shape takes H W (or one size) of positive ints, got {args.shape}')
    if not osp.isdir(osp.dirname(osp.abspath(args.out))):
        parser.error(f'--out: directory does not exist: {osp.dirname(osp.abspath(args.out))}')
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config)
    import torch

    from mmsda.apis import CheckpointMismatchError
    from mmsda.deployment import ExportError, build_export_model, default_shape, trace_module

    try:
        module = build_export_model(cfg, args.checkpoint, softmax=args.softmax)
        shape = (args.shape[0], args.shape[-1]) if args.shape else default_shape(cfg, module.task)
        traced = trace_module(module, shape)
    except (CheckpointMismatchError, ExportError, FileNotFoundError) as error:
        raise SystemExit(f'{args.config}: {error}')
    torch.jit.save(traced, args.out)
    print(f'wrote {args.out}: input B x 3 x {shape[0]} x {shape[1]}, outputs {", ".join(module.output_names)}')
    if args.verify:
        loaded = torch.jit.load(args.out)
        for batch in (1, 3):
            x = torch.randn(batch, 3, *shape)
            with torch.no_grad():
                got, expected = loaded(x), module(x)
            pairs = zip(got, expected) if isinstance(got, tuple) else [(got, expected)]
            diff = max(float((a - b).abs().max()) for a, b in pairs)
            print(f'max |TorchScript - PyTorch| at batch {batch}: {diff:.3g}')


if __name__ == '__main__':
    main()

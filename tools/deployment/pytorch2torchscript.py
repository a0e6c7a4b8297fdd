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

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _export_cli import add_model_args, check_model_args, export_module  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Trace a model to TorchScript')
    add_model_args(parser, 'the .pt file to write')
    parser.add_argument('--verify', action='store_true', help='compare the saved module with PyTorch')
    args = parser.parse_args(argv)
    check_model_args(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    import torch

    from mmsda.deployment import trace_module

    _, module, shape, traced = export_module(args, trace_module)
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

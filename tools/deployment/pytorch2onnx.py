"""Export a classifier (whole network) or a detector's backbone + neck to ONNX; check it with ONNX Runtime.

    python tools/deployment/pytorch2onnx.py CONFIG [CHECKPOINT] --out model.onnx [--shape H W]
        [--dynamic-batch] [--opset N] [--softmax] [--verify [--image IMG] [--atol 1e-4] [--rtol 1e-4]] [--dynamo]

Classifier configs (mmpretrain ``ImageClassifier``): input ``input`` B×3×H×W, output ``logits``
B×num_classes (``scores`` with ``--softmax``). Detector configs (mmdet): input ``input``, outputs
``feat0``, ``feat1`` ... (the neck's feature maps). The input is the *normalised* image, as the config's
``data_preprocessor`` gives it (BGR→RGB, mean/std), as in mmdeploy. Default input size: 224×224
(classifiers), the test pipeline's resize scale (detectors).

``--verify`` runs the file with ONNX Runtime and prints max |ONNX Runtime − PyTorch| on random inputs
(batch 1, and 3 with ``--dynamic-batch``) and on a real image (``--image``, else the first image of
the config's test data set if it exists on disk), with the largest |PyTorch| value beside it; it exits
with status 1 if an element differs by more than ``--atol + --rtol * |PyTorch|`` (``numpy.allclose``).
Without a checkpoint the weights are random (as built): for checking the export only.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _export_cli import add_model_args, check_model_args, export_module  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export a model to ONNX and check it with ONNX Runtime')
    add_model_args(parser, 'the .onnx file to write')
    parser.add_argument('--dynamic-batch', action='store_true', help='symbolic batch axis')
    parser.add_argument('--opset', type=int, help='ONNX opset (default: 17; 18 with --dynamo)')
    parser.add_argument('--verify', action='store_true', help='compare ONNX Runtime with PyTorch')
    parser.add_argument('--image', help='real image for --verify (default: the first test image)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='--verify fails where |Δ| > atol + rtol * |PyTorch| (default 1e-4)')
    parser.add_argument('--rtol', type=float, default=1e-4,
                        help='relative part of that tolerance (default 1e-4)')
    parser.add_argument('--dynamo', action='store_true',
                        help="use torch's torch.export-based exporter instead of the TorchScript-based one")
    args = parser.parse_args(argv)
    check_model_args(parser, args)
    if args.opset is not None and args.opset < 7:
        parser.error(f'--opset must be >= 7, got {args.opset}')
    for name in ('atol', 'rtol'):
        if getattr(args, name) < 0:
            parser.error(f'--{name} must be >= 0, got {getattr(args, name)}')
    if args.atol == 0 and args.rtol == 0:
        parser.error('--atol and --rtol cannot both be 0')
    if args.image is not None and not osp.isfile(args.image):
        parser.error(f'--image: file not found: {args.image}')
    return args


def describe_onnx(path):
    """``name[dims]`` of the graph inputs and outputs, and the opset."""
    import onnx

    model = onnx.load(path)

    def dims(value):
        return 'x'.join(d.dim_param or str(d.dim_value) for d in value.type.tensor_type.shape.dim)

    opset = max(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx'))
    inputs = ', '.join(f'{v.name}[{dims(v)}]' for v in model.graph.input)
    outputs = ', '.join(f'{v.name}[{dims(v)}]' for v in model.graph.output)
    return f'opset {opset}; inputs {inputs}; outputs {outputs}'


def verify(module, cfg, path, shape, dynamic_batch, image, atol, rtol):
    """Print max |Δ| on random inputs and a real image; return True if all are within tolerance."""
    import torch

    from mmsda.deployment import first_test_image, image_input, onnx_errors, ort_session

    session = ort_session(path)
    generator = torch.Generator().manual_seed(0)
    checks = [(f'random input, batch {b}', torch.randn(b, 3, *shape, generator=generator))
              for b in ((1, 3) if dynamic_batch else (1, ))]
    note = f'--image {image}' if image else None
    if image is None:
        image, note = first_test_image(cfg)
    if image is None:
        print(f'real image: none ({note}); pass --image IMG to check one')
    else:
        checks.append((f'real image ({note}, resized to {shape[0]}x{shape[1]})',
                       image_input(module.model, image, shape)))
    passed = True
    for label, inputs in checks:
        errors = onnx_errors(module, session, inputs, atol, rtol)
        name = max(errors, key=lambda n: errors[n][2])
        diff, scale, ratio = errors[name]
        passed &= ratio <= 1
        print(f'max |ONNX Runtime - PyTorch| on {label}: {diff:.3g} ({name}, values up to {scale:.3g})'
              + ('  ** above atol + rtol * |PyTorch| **' if ratio > 1 else ''))
    return passed


def main(argv=None):
    args = parse_args(argv)
    from mmsda.deployment import export_onnx

    def export(module, shape):
        what = 'classifier' if module.task == 'classification' else 'detector backbone + neck'
        print(f'{osp.basename(args.config)}: {what}, input {shape[0]}x{shape[1]}, weights: '
              f'{args.checkpoint or "random (no checkpoint)"}')
        export_onnx(module, args.out, shape, args.dynamic_batch, args.opset, args.dynamo)

    cfg, module, shape, _ = export_module(args, export)
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 2**20:.1f} MiB): {describe_onnx(args.out)}')
    if args.verify:
        tolerance = f'|Δ| <= {args.atol:g} + {args.rtol:g} * |PyTorch|'
        if not verify(module, cfg, args.out, shape, args.dynamic_batch, args.image, args.atol, args.rtol):
            print(f'verification FAILED: not every element has {tolerance}')
            raise SystemExit(1)
        print(f'verification passed: every element has {tolerance}')


if __name__ == '__main__':
    main()

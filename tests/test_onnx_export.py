"""ONNX export of every classifier config, checked against PyTorch with ONNX Runtime (reduced input)."""
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from _export_helpers import randomize_and_calibrate
from mmsda.deployment import (ExportError, build_export_model, export_onnx, max_abs_diff,
                              ort_session)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLASSIFIER_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '**', '*_in1k.py'), recursive=True)) + \
    sorted(glob.glob(osp.join(REPO, 'configs', 'demo', '*cls*.py')))
SHAPE = (64, 64)
ATOL = 1e-4
# MMSDA_EXPORT_DYNAMO=1 runs the per-config checks with torch's torch.export-based exporter instead
DYNAMO = os.environ.get('MMSDA_EXPORT_DYNAMO', '0') == '1'


def test_every_classifier_config_is_covered():
    names = {osp.basename(c) for c in CLASSIFIER_CONFIGS}
    assert len(names) >= 36, sorted(names)
    # every attention family and the depth-attention stage
    for name in ('sda-resnet86_8xb32_in1k.py', 'sanet50_8xb32_in1k.py', 'dca-cbam-resnet50_8xb32_in1k.py',
                 'dca-gc-resnet50_8xb32_in1k.py', 'sknet50_8xb32_in1k.py', 'sda-epsanet86_8xb32_in1k.py',
                 'sda-pyconvresnet86_8xb32_in1k.py', 'sda-res2net86_8xb32_in1k.py', 'resnest50_32xb64_in1k.py',
                 'sda-resnet26-tiny_1xb32_shapes-cls.py'):
        assert name in names


@pytest.mark.parametrize('config', CLASSIFIER_CONFIGS, ids=lambda c: osp.basename(c)[:-3])
def test_classifier_exports_and_onnx_runtime_matches_pytorch(config, tmp_path):
    torch.manual_seed(0)
    module = build_export_model(Config.fromfile(config))
    randomize_and_calibrate(module.model, module, SHAPE)
    path = str(tmp_path / 'model.onnx')
    export_onnx(module, path, SHAPE, dynamic_batch=True, dynamo=DYNAMO)
    session = ort_session(path, threads=1)
    for batch in (1, 3):
        inputs = torch.randn(batch, 3, *SHAPE)
        with torch.no_grad():
            scale = module(inputs).abs().max().item()
        assert scale > 0.3, f'outputs too small ({scale:.3g}) for the tolerance to mean anything'
        diff = max_abs_diff(module, session, inputs)['logits']
        assert diff <= ATOL, f'batch {batch}: max |ONNX Runtime - PyTorch| = {diff:.3g} (outputs up to {scale:.3g})'
        print(f'{osp.basename(config)} batch {batch}: max |ONNX Runtime - PyTorch| {diff:.2g}')  # (pytest -s)


def test_softmax_output_is_probabilities(tmp_path):
    config = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
    module = build_export_model(Config.fromfile(config), softmax=True)
    path = str(tmp_path / 'model.onnx')
    assert export_onnx(module, path, (32, 32)) == ['scores']
    probs = ort_session(path).run(None, {'input': torch.randn(1, 3, 32, 32).numpy()})[0]
    assert probs.shape == (1, 5) and abs(probs.sum() - 1) < 1e-5 and (probs > 0).all()


def test_detector_backbone_and_neck_export_with_every_fpn_level(tmp_path):
    config = osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')
    module = build_export_model(Config.fromfile(config))
    assert module.task == 'detection'
    randomize_and_calibrate(module.model, module, (64, 96))
    path = str(tmp_path / 'det.onnx')
    assert export_onnx(module, path, (64, 96), dynamic_batch=True) == [f'feat{i}' for i in range(5)]
    session = ort_session(path, threads=1)
    inputs = torch.randn(2, 3, 64, 96)
    outputs = session.run(None, {'input': inputs.numpy()})
    assert [o.shape[-2:] for o in outputs] == [(16, 24), (8, 12), (4, 6), (2, 3), (1, 2)]
    diffs = max_abs_diff(module, session, inputs)
    assert max(diffs.values()) <= ATOL, diffs


def test_dynamo_exporter_gives_the_same_model(tmp_path):
    pytest.importorskip('onnxscript')
    config = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
    module = build_export_model(Config.fromfile(config))
    randomize_and_calibrate(module.model, module, (32, 32))
    path = str(tmp_path / 'model.onnx')
    export_onnx(module, path, (32, 32), dynamic_batch=True, dynamo=True)
    session = ort_session(path, threads=1)
    for batch in (1, 3):
        assert max_abs_diff(module, session, torch.randn(batch, 3, 32, 32))['logits'] <= ATOL


def test_a_module_that_cannot_be_exported_is_named(tmp_path):
    # DCA-CBAM pools the previous block's map to this block's size; at 200x200 the stage-3 maps are
    # 25x25 -> 13x13, an adaptive pooling ONNX has no operator for.
    config = osp.join(REPO, 'configs', 'dcanet', 'dca-cbam-resnet50_8xb32_in1k.py')
    module = build_export_model(Config.fromfile(config))
    with pytest.raises(ExportError, match=r"module 'backbone\.layer3\.0\.attention\.spatial_attention' "
                                          r'\(DCASpatialAttention\).*adaptive_avg_pool2d'):
        export_onnx(module, str(tmp_path / 'x.onnx'), (200, 200))


def test_a_custom_operator_onnx_runtime_lacks_is_named(tmp_path):
    # mmcv's modulated deformable conv exports to its own mmcv:: operator, which ONNX Runtime lacks
    path = tmp_path / 'dcn.py'
    path.write_text(f'''
_base_ = {osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')!r}
model = dict(backbone=dict(_delete_=True, type='mmdet.ResNet', depth=50, base_channels=16,
                           dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
                           stage_with_dcn=(False, True, False, False)))
''')
    module = build_export_model(Config.fromfile(str(path)))
    with pytest.raises(ExportError, match=r"module 'backbone\.layer2\.0\.conv2' \(ModulatedDeformConv2dPack\)"
                                          r'.*mmcv::MMCVModulatedDeformConv2d'):
        export_onnx(module, str(tmp_path / 'x.onnx'), (64, 64))


class _FixedOutputs(torch.nn.Module):
    """Stands for an exported wrapper: returns fixed tensors, whatever the input."""
    output_names = ['small', 'large']

    def __init__(self, outputs):
        super().__init__()
        self.outputs = outputs

    def forward(self, inputs):
        return self.outputs


class _PerturbedSession:
    """Stands for an ONNX Runtime session: the PyTorch outputs plus fixed errors."""

    def __init__(self, outputs, errors):
        self.results = [(o + e).numpy() for o, e in zip(outputs, errors)]

    def run(self, names, feeds):
        return self.results


@pytest.mark.parametrize('atol,rtol', [(1e-4, 1e-4), (1e-4, 0.0), (0.0, 1e-3)])
def test_onnx_errors_are_numpy_allclose_with_the_largest_value(atol, rtol):
    import numpy as np
    from mmsda.deployment import onnx_errors
    generator = torch.Generator().manual_seed(0)
    outputs = [torch.randn(3, 5, generator=generator), 30 * torch.randn(3, 5, generator=generator)]
    for scale in (1e-6, 5e-5, 2e-4, 3e-3):
        errors = [scale * torch.randn(3, 5, generator=generator) for _ in outputs]
        result = onnx_errors(_FixedOutputs(outputs), _PerturbedSession(outputs, errors), torch.zeros(1), atol, rtol)
        for (name, (diff, largest, ratio)), o, e in zip(result.items(), outputs, errors):
            got = (o + e).numpy()
            assert diff == pytest.approx(float(np.abs(got - o.numpy()).max()), rel=1e-6), name
            assert largest == pytest.approx(float(o.abs().max())), name
            assert (ratio <= 1) == np.allclose(got, o.numpy(), rtol=rtol, atol=atol), (name, scale, ratio)
    with pytest.raises(ValueError, match='atol and rtol must be >= 0 and not both 0'):
        onnx_errors(_FixedOutputs(outputs), _PerturbedSession(outputs, outputs), torch.zeros(1), 0.0, 0.0)

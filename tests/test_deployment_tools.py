"""tools/deployment/pytorch2onnx.py, pytorch2torchscript.py and tools/analysis_tools/benchmark_onnx.py,
called in-process on small inputs."""
import os.path as osp
import re

import numpy as np
import pytest
import torch

from _tool_helpers import import_tool

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_DEMO = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
DET_DEMO = osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')


def test_pytorch2onnx_exports_and_verifies_on_random_inputs_and_an_image(tmp_path, capsys):
    import mmcv
    image = str(tmp_path / 'shape.png')
    mmcv.imwrite(np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8), image)
    out = str(tmp_path / 'cls.onnx')
    import_tool('deployment/pytorch2onnx.py').main(
        [CLS_DEMO, '--out', out, '--shape', '32', '--dynamic-batch', '--softmax', '--verify', '--image', image])
    text = capsys.readouterr().out
    assert 'classifier, input 32x32, weights: random (no checkpoint)' in text
    assert 'inputs input[batchx3x32x32]; outputs scores[batchx5]' in text
    for label in ('random input, batch 1', 'random input, batch 3', f'real image (--image {image}, resized to 32x32)'):
        diff = re.search(rf'on {re.escape(label)}: ([\d.e+-]+) \(scores, values up to ([\d.e+-]+)\)', text)
        assert diff and float(diff.group(1)) <= 1e-4 and 0 < float(diff.group(2)) <= 1, text
    assert 'verification passed: every element has |Δ| <= 0.0001 + 0.0001 * |PyTorch|' in text and osp.isfile(out)


def test_pytorch2onnx_fails_verification_beyond_the_tolerance(tmp_path, capsys):
    out = str(tmp_path / 'cls.onnx')
    with pytest.raises(SystemExit) as exit_info:
        import_tool('deployment/pytorch2onnx.py').main(
            [CLS_DEMO, '--out', out, '--shape', '32', '--verify', '--atol', '1e-30', '--rtol', '0'])
    text = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert '** above atol + rtol * |PyTorch| **' in text
    assert 'verification FAILED: not every element has |Δ| <= 1e-30 + 0 * |PyTorch|' in text, text
    assert osp.isfile(out)  # the exported file is kept for inspection


def test_pytorch2onnx_names_the_module_that_cannot_be_exported(tmp_path):
    config = osp.join(REPO, 'configs', 'dcanet', 'dca-cbam-resnet50_8xb32_in1k.py')
    with pytest.raises(SystemExit, match=re.escape(config) + r": ONNX export failed in module "
                                         r"'backbone\.layer3\.0\.attention\.spatial_attention' \(DCASpatialAttention\)"):
        import_tool('deployment/pytorch2onnx.py').main([config, '--out', str(tmp_path / 'x.onnx'),
                                                       '--shape', '200'])


def test_pytorch2onnx_names_the_keys_of_a_checkpoint_that_does_not_fit(tmp_path):
    checkpoint = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(8, 3, 7, 7)}), checkpoint)
    with pytest.raises(SystemExit, match=r'other\.pth does not fit the model \(ImageClassifier\): missing keys: '
                                         r'backbone\.bn1\.weight, .*; shape mismatches: backbone\.conv1\.weight '
                                         r'\(checkpoint \(8, 3, 7, 7\), model \(16, 3, 7, 7\)\)'):
        import_tool('deployment/pytorch2onnx.py').main([CLS_DEMO, checkpoint, '--out', str(tmp_path / 'x.onnx')])


def test_pytorch2onnx_checks_its_arguments(tmp_path, capsys):
    tool = import_tool('deployment/pytorch2onnx.py')
    for argv, message in (([CLS_DEMO, '--out', 'x.onnx', '--shape', '1', '2', '3'], '--shape takes H W'),
                          ([CLS_DEMO, '--out', str(tmp_path / 'no' / 'x.onnx')], '--out: directory does not exist'),
                          ([CLS_DEMO, '--out', 'x.onnx', '--image', 'nope.png'], '--image: file not found'),
                          ([CLS_DEMO, '--out', 'x.onnx', '--atol', '-1'], '--atol must be >= 0, got -1.0'),
                          ([CLS_DEMO, '--out', 'x.onnx', '--atol', '0', '--rtol', '0'],
                           '--atol and --rtol cannot both be 0')):
        with pytest.raises(SystemExit):
            tool.parse_args(argv)
        assert message in capsys.readouterr().err


def test_pytorch2torchscript_traces_detector_features(tmp_path, capsys):
    out = str(tmp_path / 'det.pt')
    import_tool('deployment/pytorch2torchscript.py').main([DET_DEMO, '--out', out, '--shape', '64', '--verify'])
    text = capsys.readouterr().out
    assert 'outputs feat0, feat1, feat2, feat3, feat4' in text
    for batch in (1, 3):
        diff = re.search(rf'max \|TorchScript - PyTorch\| at batch {batch}: ([\d.e+-]+)', text)
        assert diff and float(diff.group(1)) <= 1e-5, text
    features = torch.jit.load(out)(torch.randn(2, 3, 64, 64))
    assert [f.shape[-1] for f in features] == [16, 8, 4, 2, 1]


def test_benchmark_onnx_prints_latencies_overheads_and_speed_ups(capsys):
    import_tool('analysis_tools/benchmark_onnx.py').main(
        ['--config', CLS_DEMO, '--size', '32', '--batches', '1', '2', '--iters', '2', '--warmup', '0',
         '--threads', '1'])
    text = capsys.readouterr().out
    assert 'load average before' in text and 'load average after' in text
    for batch in (1, 2):
        block = text.split(f'batch {batch}:')[1]
        for runtime in ('eager', 'onnxruntime'):
            row = re.search(rf'^\s+{runtime}\s+(\d+\.\d)\s+(\d+\.\d)\s+[+-]\d+\.\d % \[', block, re.M)
            assert row and float(row.group(1)) > 0 and float(row.group(2)) > 0, block
        for model in ('no-sda', 'sda'):
            assert re.search(rf'ONNX Runtime speed-up over eager, {model}: x\d+\.\d\d', block), block
    # both models were checked against eager before timing
    assert len(re.findall(r'max \|ONNX Runtime - eager\| ', text)) == 4


def test_benchmark_onnx_needs_an_sda_backbone(tmp_path):
    config = osp.join(REPO, 'configs', 'sknet', 'sknet50_8xb32_in1k.py')
    with pytest.raises(SystemExit, match='the backbone has no with_sda switch'):
        import_tool('analysis_tools/benchmark_onnx.py').main(['--config', config, '--size', '32'])

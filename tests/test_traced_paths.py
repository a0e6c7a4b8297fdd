"""The eager inference shortcuts (buffers reused with ``out=``, the fusion written in place, the
channels-last stem pool) are not what a tracer records: traced graphs use plain ops, same values."""
import io

import pytest
import torch
import torch.nn as nn

from mmsda.deployment import export_onnx, ort_session
from mmsda.models.backbones import DCAResNet, SDAResNet
from mmsda.models.layers import DepthAttentionFusion, MaxPool2d
from mmsda.models.tracing import is_tracing


def _traced_ops(module, *example):
    with torch.no_grad():
        traced = torch.jit.trace(module, example, check_trace=False)
    return traced, {node.kind() for node in traced.inlined_graph.nodes()}


def test_is_tracing_only_while_a_tracer_records():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(is_tracing())
            return x + 1

    Probe()(torch.zeros(1))
    torch.jit.trace(Probe(), torch.zeros(1), check_trace=False)
    assert seen == [False, True]


@pytest.mark.parametrize('grad', [False, True])
def test_traced_fusion_has_no_in_place_ops_or_autograd_function(grad):
    torch.manual_seed(0)
    fusion = DepthAttentionFusion(16, 3, min_channels=4).eval()
    zs = [torch.randn(2, 16, 5, 5) for _ in range(3)]

    class Fuse(nn.Module):  # the stage's call: the block outputs given away
        def __init__(self):
            super().__init__()
            self.fusion = fusion

        def forward(self, a, b, c):
            return self.fusion([a, b, c], None, inplace=True)

    with torch.set_grad_enabled(grad):
        traced = torch.jit.trace(Fuse(), tuple(zs), check_trace=False)
    ops = {node.kind() for node in traced.inlined_graph.nodes()}
    assert not {'aten::mul_', 'aten::addcmul_', 'prim::PythonOp'} & ops, sorted(ops)
    new = [torch.randn(3, 16, 5, 5) for _ in range(3)]  # another batch size
    with torch.no_grad():
        expected = fusion([z.clone() for z in new], None, inplace=True)  # the eager in-place path
        assert torch.equal(traced(*new), expected)


def test_sda_backbone_traces_without_out_arguments_and_exports_to_onnx(tmp_path):
    # stages of 3+ blocks reuse one activation buffer (clamp_min(..., out=buffer)) in eager inference;
    # the TorchScript-based ONNX exporter cannot convert out= ("clamp_min" symbolic) and failed here
    torch.manual_seed(0)
    backbone = SDAResNet(depth=50, stem_channels=16, base_channels=16, min_channels=8,
                         out_indices=(0, 1, 2, 3)).eval()
    x = torch.randn(2, 3, 32, 32)
    traced, ops = _traced_ops(backbone, x)
    assert 'aten::clamp_min' not in ops, sorted(ops)  # (the buffer-reusing ReLU)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    buffer.seek(0)
    loaded = torch.jit.load(buffer)
    new = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        for a, b in zip(loaded(new), backbone(new)):
            assert torch.equal(a, b)
    path = str(tmp_path / 'sda.onnx')
    backbone.output_names = [f'c{i}' for i in range(2, 6)]
    export_onnx(backbone, path, (32, 32), dynamic_batch=True)
    outputs = ort_session(path, threads=1).run(None, {'input': new.numpy()})
    with torch.no_grad():
        for a, b in zip(outputs, backbone(new)):
            torch.testing.assert_close(torch.from_numpy(a), b, rtol=1e-5, atol=1e-5)


def test_eager_inference_still_reuses_buffers_and_fuses_in_place(monkeypatch):
    # behaviour outside tracing is unchanged: the out= path runs without autograd
    calls = []
    clamp_min = torch.clamp_min

    def spy(*args, **kwargs):
        calls.append('out' in kwargs)
        return clamp_min(*args, **kwargs)

    monkeypatch.setattr(torch, 'clamp_min', spy)
    backbone = SDAResNet(depth=50, stem_channels=16, base_channels=16, min_channels=8).eval()
    with torch.no_grad():
        backbone(torch.randn(1, 3, 32, 32))
    assert calls and all(calls)


def test_max_pool_fast_path_traces_to_the_same_values(tmp_path):
    pool = MaxPool2d(3, 2, 1)
    x = torch.randn(2, 4, 15, 16).relu()  # many equal maxima (zeros)
    traced, _ = _traced_ops(pool, x)
    new = torch.randn(3, 4, 15, 16)
    expected = nn.MaxPool2d(3, 2, 1)(new)
    out = traced(new)
    assert torch.equal(out, expected) and out.is_contiguous()
    path = str(tmp_path / 'pool.onnx')
    export_onnx(pool, path, (15, 16), dynamic_batch=False)
    got = ort_session(path, threads=1).run(None, {'input': new[:1, :3].contiguous().numpy()})
    # (export_onnx feeds 3-channel images; the pool is channel-wise)
    assert torch.equal(torch.from_numpy(got[0]), expected[:1, :3])


def test_dca_cbam_context_pooling_exports_with_a_constant_size(tmp_path):
    # the spatial attention pools the previous map to this block's size: ONNX needs that size constant
    torch.manual_seed(0)
    backbone = DCAResNet(depth=50, attention_type='cbam', stem_channels=16, base_channels=16).eval()
    backbone.output_names = ['c5']
    path = str(tmp_path / 'dca.onnx')
    export_onnx(backbone, path, (64, 64), dynamic_batch=True)
    x = torch.randn(3, 3, 64, 64)
    got = ort_session(path, threads=1).run(None, {'input': x.numpy()})[0]
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(got), backbone(x)[0], rtol=1e-5, atol=1e-5)

"""TorchScript: every backbone traces (and the trace serialises and generalises to other batch sizes);
scripting reports the first construct TorchScript rejects."""
import io

import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

from _export_helpers import randomize_and_calibrate
from mmsda.deployment import script_failure, trace_module

SHAPE = (32, 32)
# every mmsda backbone, with and without depth attention, and ResNeSt by import
BACKBONES = [
    dict(type='mmsda.SDAResNet', depth=50),
    dict(type='mmsda.SDAResNet', depth=50, with_sda=False),
    dict(type='mmsda.SEResNet', depth=50, with_sda=True),
    dict(type='mmsda.CBAMResNet', depth=50, with_sda=True),
    dict(type='mmsda.ECAResNet', depth=50),
    dict(type='mmsda.GCResNet', depth=50, with_sda=True),
    dict(type='mmsda.SKNet', depth=50),
    dict(type='mmsda.SANet', depth=50),
    dict(type='mmsda.DCAResNet', depth=50, attention_type='se'),
    dict(type='mmsda.DCAResNet', depth=50, attention_type='cbam'),
    dict(type='mmsda.DCAResNet', depth=50, attention_type='gc'),
    dict(type='mmsda.EPSANet', depth=50, with_sda=True),
    dict(type='mmsda.Res2Net', depth=50, with_sda=True),
    dict(type='mmsda.PyConvResNet', depth=50, with_sda=True),
    dict(type='mmpretrain.ResNeSt', depth=50),
    dict(type='mmdet.ResNeSt', depth=50),
]


def _name(cfg):
    extras = [f'{k}={v}' for k, v in cfg.items() if k not in ('type', 'depth')]
    return cfg['type'].replace('mmsda.', '') + ('-' + ','.join(extras) if extras else '')


class Features(nn.Module):
    """A backbone's four stage outputs as a tuple (what a detector's neck reads)."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, x):
        return tuple(self.backbone(x))


def _build(cfg):
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    module = Features(MODELS.build(dict(cfg, out_indices=(0, 1, 2, 3))))
    module.eval()
    return module


@pytest.mark.parametrize('cfg', BACKBONES, ids=_name)
def test_backbone_traces_serialises_and_matches_eager(cfg):
    torch.manual_seed(0)
    module = _build(cfg)
    randomize_and_calibrate(module, module, SHAPE)
    traced = trace_module(module, SHAPE, batch=1)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    buffer.seek(0)
    loaded = torch.jit.load(buffer)
    x = torch.randn(3, 3, *SHAPE)
    with torch.no_grad():
        expected = module(x)
        got = loaded(x)
    assert len(got) == 4
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_script_failure_is_none_for_scriptable_code_and_names_the_construct_otherwise():
    assert script_failure(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())) is None
    message = script_failure(_build(dict(type='mmsda.SDAResNet', depth=50)).backbone)
    # the first construct met is the stem pool's super().forward (see docs/deployment.md)
    assert message is not None and 'max_pool.py:' in message, message

"""FallbackBatchNorm: a one-value-per-channel training batch uses the running statistics; every other
batch is plain BatchNorm, bit for bit."""
import copy

import pytest
import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer

from mmsda.models.backbones import SDAResNet, SKNet
from mmsda.models.layers import fallback_batch_norm as fbn
from mmsda.models.layers import DepthAttentionFusion, SKConv
from mmsda.models.layers.fallback_batch_norm import FallbackBatchNorm1d, FallbackBatchNorm2d, pooled_norm_cfg
from mmsda.models.necks import PoolNormNeck


def _with_stats(norm, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        norm.running_mean.copy_(torch.randn(norm.num_features, generator=g))
        norm.running_var.copy_(torch.rand(norm.num_features, generator=g) + 0.5)
        norm.weight.copy_(torch.randn(norm.num_features, generator=g))
        norm.bias.copy_(torch.randn(norm.num_features, generator=g))
    return norm


@pytest.mark.parametrize('cls,shape', [(FallbackBatchNorm2d, (1, 8, 1, 1)), (FallbackBatchNorm1d, (1, 8))])
def test_one_value_per_channel_is_normalised_with_the_running_statistics(cls, shape):
    norm = _with_stats(cls(8)).train()
    before = copy.deepcopy(norm.state_dict())
    x = torch.randn(shape, requires_grad=True)
    out = norm(x)
    view = (1, -1) + (1,) * (len(shape) - 2)
    expected = (x - norm.running_mean.view(view)) / torch.sqrt(norm.running_var.view(view) + norm.eps) \
        * norm.weight.view(view) + norm.bias.view(view)
    torch.testing.assert_close(out, expected)
    for key, value in norm.state_dict().items():  # running stats and num_batches_tracked not updated
        assert torch.equal(value, before[key]), key
    out.sum().backward()
    assert x.grad is not None and norm.weight.grad is not None and norm.bias.grad is not None


@pytest.mark.parametrize('cls,plain,shape', [
    (FallbackBatchNorm2d, nn.BatchNorm2d, (2, 8, 1, 1)),
    (FallbackBatchNorm2d, nn.BatchNorm2d, (1, 8, 3, 2)),  # batch 1 with a spatial map: plain BN
    (FallbackBatchNorm1d, nn.BatchNorm1d, (3, 8)),
])
def test_other_batches_are_bit_identical_to_plain_batch_norm(cls, plain, shape):
    ours, reference = _with_stats(cls(8)).train(), _with_stats(plain(8)).train()
    x = torch.randn(shape)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, ref = ours(x1), reference(x2)
    assert torch.equal(out, ref)
    out.square().sum().backward()
    ref.square().sum().backward()
    assert torch.equal(x1.grad, x2.grad) and torch.equal(ours.weight.grad, reference.weight.grad)
    for (key, a), b in zip(ours.state_dict().items(), reference.state_dict().values()):
        assert torch.equal(a, b), key


def test_the_fallback_warns_once(monkeypatch):
    messages = []
    monkeypatch.setattr(fbn, '_warned', False)
    monkeypatch.setattr(fbn, 'print_log', lambda msg, **kwargs: messages.append((msg, kwargs)))
    norm = FallbackBatchNorm2d(4).train()
    norm(torch.randn(2, 4, 1, 1))
    assert messages == []
    for _ in range(3):
        norm(torch.randn(1, 4, 1, 1))
    assert len(messages) == 1 and 'running statistics' in messages[0][0]


def test_without_running_statistics_a_single_value_is_a_clear_error():
    norm = FallbackBatchNorm2d(4, track_running_stats=False).train()
    with pytest.raises(ValueError, match='one value per channel.*track_running_stats=False'):
        norm(torch.randn(1, 4, 1, 1))


@pytest.mark.parametrize('cfg,expected', [
    (dict(type='BN'), FallbackBatchNorm2d), (dict(type='BN2d'), FallbackBatchNorm2d),
    (dict(type=nn.BatchNorm2d), FallbackBatchNorm2d), (dict(type='BN1d', requires_grad=True), FallbackBatchNorm1d),
    (dict(type='SyncBN'), 'SyncBN'), (dict(type='GN', num_groups=2), 'GN'), (dict(type='LN'), 'LN'),
])
def test_pooled_norm_cfg_swaps_only_plain_batch_norm(cfg, expected):
    out = pooled_norm_cfg(cfg)
    assert out['type'] is expected or out['type'] == expected
    assert {k: v for k, v in out.items() if k != 'type'} == {k: v for k, v in cfg.items() if k != 'type'}


def test_pooled_norm_cfg_rejects_a_config_without_type():
    with pytest.raises(TypeError, match='norm_cfg must be a dict with a "type"'):
        pooled_norm_cfg(dict(num_groups=2))


@pytest.mark.parametrize('name', ['mmsda.FallbackBN2d', 'mmsda.FallbackBatchNorm2d'])
def test_usable_as_a_norm_cfg_type_with_the_plain_bn_layer_name(name):
    layer_name, layer = build_norm_layer(dict(type=name, requires_grad=True), 16, postfix=2)
    assert layer_name == 'bn2' and type(layer) is FallbackBatchNorm2d
    assert list(layer.state_dict()) == list(nn.BatchNorm2d(16).state_dict())


@pytest.mark.parametrize('build', [
    lambda: DepthAttentionFusion(64, 3, min_channels=8),
    lambda: SKConv(64, 64, groups=8, min_channels=8),
    lambda: PoolNormNeck(64),
])
def test_pooled_vector_norms_train_at_batch_size_1(build):
    module = build().train()
    if isinstance(module, DepthAttentionFusion):
        inputs = ([torch.randn(1, 64, 4, 4, requires_grad=True) for _ in range(3)],)
    else:
        inputs = (torch.randn(1, 64, 4, 4, requires_grad=True),)
    out = module(*inputs)
    (out[0] if isinstance(out, tuple) else out).sum().backward()
    assert any(isinstance(m, (FallbackBatchNorm1d, FallbackBatchNorm2d)) for m in module.modules())


@pytest.mark.parametrize('build', [
    lambda: SDAResNet(depth=26, stem_channels=16, base_channels=16, min_channels=16, out_indices=(0, 1, 2, 3)),
    lambda: SKNet(depth=50, out_indices=(0, 1, 2, 3)),
])
def test_backbone_batch_2_is_bit_identical_to_plain_batch_norm(build):
    torch.manual_seed(0)
    ours = build().train()
    plain = copy.deepcopy(ours)
    swapped = 0
    for module in plain.modules():
        if isinstance(module, FallbackBatchNorm2d):
            module.__class__ = nn.BatchNorm2d
            swapped += 1
    assert swapped > 0
    x = torch.randn(2, 3, 64, 64)
    outs, refs = ours(x), plain(x)
    for out, ref in zip(outs, refs):
        assert torch.equal(out, ref)
    sum(o.square().mean() for o in outs).backward()
    sum(r.square().mean() for r in refs).backward()
    for (name, p), q in zip(ours.named_parameters(), plain.parameters()):
        assert torch.equal(p.grad, q.grad), name
    for (name, a), b in zip(ours.state_dict().items(), plain.state_dict().values()):
        assert torch.equal(a, b), name


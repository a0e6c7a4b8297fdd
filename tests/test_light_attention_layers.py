"""SE, CBAM, ECA and GC layers: semantics from their papers, equality with timm, mmdet plugin use."""
import pytest
import timm.layers
from timm.layers.cbam import CbamModule
import torch
import torch.nn as nn

from _weight_helpers import randomize
from mmsda.models.layers import (CBAM, ChannelAttention, ECALayer, GlobalContextBlock, SELayer, SpatialAttention,
                                 eca_kernel_size)
from mmsda.utils import count_params


# --- SE ---------------------------------------------------------------------------------------

def test_se_with_zero_weights_scales_every_channel_by_one_half():
    se = SELayer(64)
    for p in se.parameters():
        nn.init.zeros_(p)
    x = torch.randn(2, 64, 5, 7)
    torch.testing.assert_close(se(x), 0.5 * x)


def test_se_hidden_width_and_params_follow_official_sda_senet():
    # Official SDA-SENet: Linear(4p → round(p / 4)) and back, with biases: C/16 hidden.
    se = SELayer(1024)
    assert se.hidden_channels == 64
    assert count_params(se) == 2 * 1024 * 64 + 64 + 1024


def test_se_gate_is_per_channel_and_from_the_global_average():
    se = randomize(SELayer(32), scale=0.3)
    x = torch.randn(1, 32, 6, 6)
    shuffled = x.flatten(2)[:, :, torch.randperm(36)].view_as(x)  # same per-channel means
    torch.testing.assert_close(se(x) / x, se(shuffled) / shuffled)


def test_se_matches_timm_semodule():
    ours = randomize(SELayer(256), scale=0.3)
    ref = timm.layers.SEModule(256, rd_ratio=1 / 16).eval()
    assert count_params(ours) == count_params(ref)
    with torch.no_grad():
        for i in (1, 2):
            fc = getattr(ours, f'fc{i}')
            getattr(ref, f'fc{i}').weight.copy_(fc.weight[:, :, None, None])
            getattr(ref, f'fc{i}').bias.copy_(fc.bias)
    x = torch.randn(2, 256, 4, 4)
    torch.testing.assert_close(ours(x), ref(x))


# --- CBAM -------------------------------------------------------------------------------------

def test_cbam_spatial_map_is_one_channel_at_full_resolution():
    attn = SpatialAttention()
    assert attn.logits(torch.randn(2, 48, 9, 11)).shape == (2, 1, 9, 11)


def test_cbam_channel_gate_uses_avg_and_max_through_one_shared_mlp():
    ca = randomize(ChannelAttention(64), scale=0.3)
    x = torch.randn(2, 64, 5, 5)
    expected = ca.mlp(x.mean((2, 3))) + ca.mlp(x.amax((2, 3)))
    torch.testing.assert_close(ca.logits(x), expected)
    assert len(list(ca.children())) == 2, 'one MLP (fc1, fc2), shared by both poolings'


def test_cbam_is_channel_then_spatial_attention():
    cbam = randomize(CBAM(64), scale=0.3)
    x = torch.randn(2, 64, 6, 6)
    torch.testing.assert_close(cbam(x), cbam.spatial_attention(cbam.channel_attention(x)))


@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('channels', [256, 2048])
def test_cbam_matches_timm_cbam_module(channels, bias):
    ours = randomize(CBAM(channels, bias=bias), scale=0.3)
    ref = CbamModule(channels, rd_ratio=1 / 16, mlp_bias=bias).eval()
    assert count_params(ours) == count_params(ref), 'same parameter count as timm (CBAM paper layout)'
    ca, ref_ca = ours.channel_attention, ref.channel
    sa, ref_sa = ours.spatial_attention, ref.spatial
    with torch.no_grad():
        for i in (1, 2):
            getattr(ref_ca, f'fc{i}').weight.copy_(getattr(ca, f'fc{i}').weight[:, :, None, None])
            if bias:
                getattr(ref_ca, f'fc{i}').bias.copy_(getattr(ca, f'fc{i}').bias)
        ref_sa.conv.conv.weight.copy_(sa.conv.weight.flip(1))  # timm pools [mean, max], CBAM [max, mean]
        ref_sa.conv.bn.load_state_dict(sa.norm.state_dict())
    x = torch.randn(2, channels, 5, 5)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-4, atol=1e-4)  # float32 sums over 2048 inputs


# --- ECA --------------------------------------------------------------------------------------

@pytest.mark.parametrize('channels,k', [(64, 3), (256, 5), (512, 5), (1024, 5), (2048, 7)])
def test_eca_kernel_size_follows_the_paper_formula(channels, k):
    # ECA-Net eq. 12: k = |log2(C)/γ + b/γ|_odd with γ = 2, b = 1.
    assert eca_kernel_size(channels) == k
    assert ECALayer(channels).conv.kernel_size == (k,)


@pytest.mark.parametrize('channels', [64, 256, 2048])
def test_eca_matches_timm_eca_module(channels):
    ours = randomize(ECALayer(channels), scale=0.3)
    ref = timm.layers.EcaModule(channels).eval()
    assert count_params(ours) == count_params(ref) == eca_kernel_size(channels)
    ref.conv.load_state_dict(ours.conv.state_dict())
    x = torch.randn(2, channels, 3, 3)
    torch.testing.assert_close(ours(x), ref(x))


def test_eca_neighbouring_channels_only_interact_within_the_kernel():
    eca = randomize(ECALayer(64, kernel_size=3), scale=0.3)
    x = torch.randn(1, 64, 4, 4)
    y = x.clone()
    y[:, 40] += 5.0
    changed = (eca.logits(x) - eca.logits(y)).abs()[0] > 0
    assert changed.nonzero().flatten().tolist() == [39, 40, 41]


# --- GC ---------------------------------------------------------------------------------------

def test_gc_block_is_mmcv_context_block_with_paper_ratio():
    from mmcv.cnn import ContextBlock
    gc = GlobalContextBlock(256)
    assert isinstance(gc, ContextBlock) and gc.planes == 16
    assert count_params(gc) == count_params(ContextBlock(256, 1 / 16))


def test_gc_init_weights_restores_identity_start_after_kaiming():
    gc = GlobalContextBlock(64)
    nn.init.kaiming_normal_(gc.channel_add_conv[-1].weight)  # what a backbone's conv init does
    gc.init_weights()
    x = torch.randn(2, 64, 5, 5)
    torch.testing.assert_close(gc(x), x)


# --- shared behaviour -------------------------------------------------------------------------

ATTENTIONS = ['SELayer', 'CBAM', 'ECALayer', 'GlobalContextBlock', 'ChannelAttention', 'SpatialAttention']


@pytest.mark.parametrize('name', ATTENTIONS)
def test_attention_keeps_shape_and_builds_with_in_channels(name):
    from mmsda.models.builder import build_module
    layer = build_module(dict(type=name), in_channels=128).eval()
    x = torch.randn(2, 128, 7, 5)
    assert layer(x).shape == x.shape


@pytest.mark.parametrize('name', ['SELayer', 'CBAM', 'ECALayer', 'GlobalContextBlock'])
def test_attention_works_as_mmdet_resnet_plugin(name):
    from mmdet.models.backbones import ResNet
    with_plugin = ResNet(depth=50, plugins=[dict(cfg=dict(type=f'mmsda.{name}'), position='after_conv3')])
    plugin_names = with_plugin.layer3[0].after_conv3_plugin_names
    assert len(plugin_names) == 1
    assert type(getattr(with_plugin.layer3[0], plugin_names[0])).__name__ == name
    assert count_params(with_plugin) > 23_508_032, 'mmdet ResNet-50 without plugins'
    with_plugin.eval()  # mmdet's ResNet.train() returns None
    outs = with_plugin(torch.randn(1, 3, 64, 64))
    assert outs[-1].shape == (1, 2048, 2, 2)


@pytest.mark.parametrize('cls,kwargs,name', [
    (SELayer, dict(in_channels=64, reduction=0), 'reduction'),
    (SELayer, dict(in_channels=0), 'in_channels'),
    (SELayer, dict(in_channels=64, hidden_channels=-1), 'hidden_channels'),
    (CBAM, dict(in_channels=64, kernel_size=4), 'kernel_size'),
    (ChannelAttention, dict(in_channels=64, reduction='x'), 'reduction'),
    (ECALayer, dict(in_channels=64, kernel_size=2), 'kernel_size'),
    (GlobalContextBlock, dict(in_channels=64, pooling_type='max'), 'pooling_type'),
    (GlobalContextBlock, dict(in_channels=64, fusion_types=('add',)), 'fusion_types'),
    (GlobalContextBlock, dict(in_channels=64, ratio=2), 'ratio'),
])
def test_bad_arguments_name_the_argument(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_mmdet_resnet_with_se_plugin_is_our_se_resnet():
    # Same plug-in point (after conv3/bn3, before the addition): same weights give the same features.
    from mmdet.models.backbones import ResNet

    from mmsda.models.backbones import SEResNet
    ours = SEResNet(depth=50, out_indices=(0, 1, 2, 3))
    ours.init_weights()
    theirs = ResNet(depth=50, plugins=[dict(cfg=dict(type='mmsda.SELayer'), position='after_conv3')])
    name = theirs.layer1[0].after_conv3_plugin_names[0]
    theirs.load_state_dict({k.replace('.attention.', f'.{name}.'): v for k, v in ours.state_dict().items()},
                           strict=True)
    ours.eval()
    theirs.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(ours(x), theirs(x)):
            torch.testing.assert_close(a, b)

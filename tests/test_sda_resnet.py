"""SDA-ResNet backbones: shapes, options, exactness against the paper's numbers."""
import copy

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from mmsda.models.backbones import SDAResNet
from mmsda.models.layers import DepthAttentionFusion, depth_attention_reference
from mmsda.utils import count_params

STAGE_CHANNELS = (256, 512, 1024, 2048)


@pytest.mark.parametrize('depth', [26, 50, 86, 101, 152])
def test_every_depth_gives_four_feature_maps_and_gradients(depth):
    model = SDAResNet(depth=depth, out_indices=(0, 1, 2, 3))
    model.init_weights()
    x = torch.randn(2, 3, 64, 64, requires_grad=True)
    outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(2, c, 16 // 2**i, 16 // 2**i) for i, c in enumerate(STAGE_CHANNELS)]
    sum(o.mean() for o in outs).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert all(p.grad is not None for p in model.parameters()), 'every parameter takes part'


@pytest.mark.parametrize('out_indices', [(0,), (3,), (1, 3), (0, 1, 2, 3)])
def test_out_indices_select_stages(out_indices):
    model = SDAResNet(depth=26, out_indices=out_indices).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [STAGE_CHANNELS[i] for i in out_indices]


def test_stages_use_depth_attention_over_all_their_blocks():
    model = SDAResNet(depth=86)
    for i, n in enumerate((5, 6, 12, 5)):
        fusion = getattr(model, f'layer{i + 1}').fusion
        assert isinstance(fusion, DepthAttentionFusion) and fusion.num_blocks == n
        assert fusion.hidden_channels == (64, 64, 64, 128)[i]


def test_with_sda_false_is_the_same_network_without_fusion():
    with_sda, without = SDAResNet(depth=86), SDAResNet(depth=86, with_sda=False)
    fusion_params = sum(count_params(getattr(with_sda, f'layer{i}').fusion) for i in range(1, 5))
    assert all(getattr(without, f'layer{i}').fusion is None for i in range(1, 5))
    assert count_params(with_sda) - count_params(without) == fusion_params
    # SDA-xNet paper tables: the SDA branches are 2.78 M of SDA-ResNet-86.
    assert abs(fusion_params / 1e6 - 2.78) < 0.01, fusion_params


def test_grouped_3x3_convs():
    model = SDAResNet(depth=86)
    assert model.layer1[0].conv2.groups == 8 and model.layer4[4].conv2.groups == 8
    assert SDAResNet(depth=50, groups=1).layer2[0].conv2.groups == 1


@pytest.mark.parametrize('frozen_stages', [0, 1, 3])
def test_frozen_stages_freeze_params_bn_and_fusion(frozen_stages):
    model = SDAResNet(depth=26, frozen_stages=frozen_stages)
    model.train()
    frozen = [model.conv1, model.bn1] + [getattr(model, f'layer{i}') for i in range(1, frozen_stages + 1)]
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules() if isinstance(m, _BatchNorm))
    for i in range(frozen_stages + 1, 5):
        layer = getattr(model, f'layer{i}')
        assert all(p.requires_grad for p in layer.parameters())
        assert layer.fusion.training


def test_frozen_stage_outputs_do_not_change_in_training():
    model = SDAResNet(depth=26, frozen_stages=1, out_indices=(0,))
    model.init_weights()
    x = torch.randn(2, 3, 64, 64)
    model.eval()
    before = model(x)[0]
    model.train()
    model(x)  # would update BN running stats of an unfrozen stage
    model.eval()
    torch.testing.assert_close(model(x)[0], before)


def test_norm_eval_keeps_every_bn_in_eval_mode():
    model = SDAResNet(depth=26, norm_eval=True)
    model.train()
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
    assert all(p.requires_grad for p in model.parameters())


def test_with_cp_gives_identical_outputs_and_gradients():
    torch.manual_seed(0)
    plain = SDAResNet(depth=26, out_indices=(0, 1, 2, 3))
    plain.init_weights()
    cp_model = SDAResNet(depth=26, out_indices=(0, 1, 2, 3), with_cp=True)
    cp_model.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    outs = [m.train()(x.clone().requires_grad_()) for m in (plain, cp_model)]
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b)
    for model, out in zip((plain, cp_model), outs):
        sum(o.sum() for o in out).backward()
    for (name, p), q in zip(plain.named_parameters(), cp_model.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_caffe_style_puts_the_stride_on_conv1():
    model = SDAResNet(depth=26, style='caffe')
    assert model.layer2[0].conv1.stride == (2, 2) and model.layer2[0].conv2.stride == (1, 1)


def test_zero_init_residual_zeroes_last_norm():
    model = SDAResNet(depth=26, zero_init_residual=True)
    model.init_weights()
    assert all(float(b.bn3.weight.abs().sum()) == 0 for layer in (model.layer1, model.layer4) for b in layer.blocks)


def test_default_init_is_kaiming_fan_out_and_unit_bn():
    model = SDAResNet(depth=26)
    model.init_weights()
    assert float(model.layer1[0].bn1.weight.mean()) == 1.0
    w = model.layer3[0].conv3.weight  # fan_out = 1024 → std = sqrt(2 / 1024)
    assert abs(float(w.std()) - (2 / 1024) ** 0.5) < 0.003


def test_pretrained_init_cfg_loads_a_checkpoint(tmp_path):
    source = SDAResNet(depth=26)
    source.init_weights()
    path = tmp_path / 'backbone.pth'
    torch.save({'state_dict': source.state_dict()}, path)
    model = SDAResNet(depth=26, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    for (k, v), w in zip(source.state_dict().items(), model.state_dict().values()):
        torch.testing.assert_close(v, w, msg=k)


def test_state_dict_names_follow_mmdet_resnet():
    keys = SDAResNet(depth=50, with_sda=False, groups=1).state_dict().keys()
    from mmdet.models.backbones import ResNet
    assert set(keys) == set(ResNet(depth=50).state_dict().keys())


def test_deepcopy_and_eval_forward_are_deterministic():
    model = SDAResNet(depth=26).eval()
    clone = copy.deepcopy(model)
    x = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(model(x)[0], clone(x)[0])


@pytest.mark.parametrize('mode', ['no_grad', 'inference_mode'])
def test_inference_path_gives_the_autograd_path_outputs(mode):
    # Without autograd the stages reuse one activation buffer and fuse in place; every returned
    # feature map (including those that feed the next stage) must be unchanged by that.
    torch.manual_seed(0)
    model = SDAResNet(depth=26, out_indices=(0, 1, 2, 3), base_channels=16, stem_channels=16,
                      min_channels=8).eval()
    x = torch.randn(2, 3, 64, 64)
    expected = [f.detach() for f in model(x)]
    with getattr(torch, mode)():
        outs = model(x)
    assert len({f.data_ptr() for f in outs}) == 4
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)


def _straightforward_stage_forward(stage, x):
    """Blocks, ReLU between them, the SDA formula as the reference code writes it, final ReLU."""
    zs = []
    for block in stage.blocks:
        z = block(x)
        zs.append(z)
        x = F.relu(z)
    return F.relu(depth_attention_reference(stage.fusion, zs))


@pytest.mark.parametrize('train', [True, False])
def test_stage_equals_the_straightforward_stage(train):
    # The stage pools block by block, skips the last ReLU and uses a custom backward for the weighted
    # sum; outputs and all gradients must still be those of the formula written out.
    torch.manual_seed(0)
    model = SDAResNet(depth=26, base_channels=8, stem_channels=8, min_channels=4, groups=1).double()
    for p in model.parameters():  # non-trivial weights: the depth softmax far from uniform
        torch.nn.init.normal_(p, std=0.3)
    model.train(train)
    stage = model.layer2
    x = torch.randn(2, 32, 8, 8, dtype=torch.float64, requires_grad=True)
    params = list(stage.parameters())

    out = stage(x)
    grads = torch.autograd.grad(out.square().sum(), [x] + params)
    x_ref = x.detach().clone().requires_grad_()
    ref = _straightforward_stage_forward(stage, x_ref)
    grads_ref = torch.autograd.grad(ref.square().sum(), [x_ref] + params)

    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    for g, g_ref in zip(grads, grads_ref):
        torch.testing.assert_close(g, g_ref, rtol=1e-5, atol=1e-5)
    if not train:
        with torch.no_grad():
            torch.testing.assert_close(stage(x), ref, rtol=1e-5, atol=1e-5)

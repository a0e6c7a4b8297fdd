"""SA-Net: the shuffle attention layer, SA-Net-50/101, configs, numbers and the official-weight converter."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from _metafiles import metadata
from _config_helpers import build_from_config
from _weight_helpers import randomize
from _tool_helpers import import_tool
from mmsda.converters import convert_sanet_classifier
from mmsda.models.backbones import SANet
from mmsda.models.layers import ShuffleAttention, channel_shuffle
from mmsda.utils import count_params


def test_gates_start_at_sigmoid_of_one():
    # w = 0, b = 1: both gates are σ(1) whatever the input, so the layer scales and shuffles.
    sa = ShuffleAttention(256, groups=8)
    x = torch.randn(2, 256, 6, 6)
    torch.testing.assert_close(sa(x), channel_shuffle(x, 2) * torch.sigmoid(torch.tensor(1.)))


def test_backbone_init_keeps_the_paper_init_of_the_gates():
    init_cfgs = [None, [dict(type='Kaiming', layer='Conv2d'),
                        dict(type='Constant', val=0.5, layer=['_BatchNorm', 'GroupNorm'])]]
    for init_cfg in init_cfgs:
        model = SANet(depth=50, init_cfg=init_cfg)
        model.init_weights()
        for sa in (m for m in model.modules() if isinstance(m, ShuffleAttention)):
            assert float(sa.channel_weight.abs().sum() + sa.spatial_weight.abs().sum()) == 0, 'paper: w init 0'
            assert bool((sa.channel_bias == 1).all() and (sa.spatial_bias == 1).all()), 'paper: b init 1'


def test_channel_shuffle_interleaves_the_two_halves():
    x = torch.arange(8.).view(1, 8, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 4, 1, 5, 2, 6, 3, 7]


def test_channel_half_uses_gap_and_spatial_half_uses_group_norm():
    sa = ShuffleAttention(4, groups=1)
    with torch.no_grad():
        sa.channel_weight.fill_(2.), sa.channel_bias.fill_(0.), sa.spatial_weight.fill_(3.), sa.spatial_bias.fill_(0.)
    x = torch.randn(1, 4, 5, 5)
    x0, x1 = x[:, :2], x[:, 2:]
    expected = torch.cat([x0 * torch.sigmoid(2 * x0.mean((2, 3), keepdim=True)),
                          x1 * torch.sigmoid(3 * F.group_norm(x1, 2))], dim=1)
    torch.testing.assert_close(sa(x), channel_shuffle(expected, 2))


def test_three_c_over_g_parameters_per_block():
    from mmdet.models.backbones import ResNet
    extra = count_params(SANet(depth=50)) - count_params(ResNet(depth=50))
    assert extra == sum(3 * c // 64 for c, n in zip((256, 512, 1024, 2048), (3, 4, 6, 3)) for _ in range(n))


@pytest.mark.parametrize('name,paper_params,paper_gflops', [
    ('sanet50', 25.56e6, 4.09),
    ('sanet101', 44.55e6, None),
])
def test_classifier_params_and_flops_match_the_paper(name, paper_params, paper_gflops):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the paper
    meta = metadata(f'sanet/{name}_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    assert abs(params / paper_params - 1) < 0.001, f'{name}: paper {paper_params / 1e6} M'
    if paper_gflops is not None:
        assert abs(macs / 1e9 / paper_gflops - 1) < 0.005, f'{name}: paper {paper_gflops} GFLOPs'


def test_frozen_stages_freeze_the_attention_too():
    model = SANet(depth=50, frozen_stages=2).train()
    frozen = (model.conv1, model.layer1, model.layer2)
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert not any(m.training for m in model.layer2.modules() if isinstance(m, (_BatchNorm, nn.GroupNorm)))
    assert all(p.requires_grad for p in model.layer3.parameters())


# --- the official layout (wofmanaf/SA-Net models/sa_resnet.py), restated here for the converter test ---

class OfficialSALayer(nn.Module):
    def __init__(self, channel, groups=64):
        super().__init__()
        self.groups = groups
        self.cweight = nn.Parameter(torch.zeros(1, channel // (2 * groups), 1, 1))
        self.cbias = nn.Parameter(torch.ones(1, channel // (2 * groups), 1, 1))
        self.sweight = nn.Parameter(torch.zeros(1, channel // (2 * groups), 1, 1))
        self.sbias = nn.Parameter(torch.ones(1, channel // (2 * groups), 1, 1))
        self.gn = nn.GroupNorm(channel // (2 * groups), channel // (2 * groups))

    def forward(self, x):
        b, c, h, w = x.shape
        x0, x1 = x.reshape(b * self.groups, -1, h, w).chunk(2, dim=1)
        xn = x0 * torch.sigmoid(self.cweight * F.adaptive_avg_pool2d(x0, 1) + self.cbias)
        xs = x1 * torch.sigmoid(self.sweight * self.gn(x1) + self.sbias)
        out = torch.cat([xn, xs], dim=1).reshape(b, -1, h, w)
        return out.reshape(b, 2, -1, h, w).permute(0, 2, 1, 3, 4).reshape(b, -1, h, w)


class OfficialSABottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.sa = OfficialSALayer(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.sa(self.bn3(self.conv3(out)))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class OfficialSAResNet(nn.Module):
    def __init__(self, layers=(3, 4, 6, 3), num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for i, n in enumerate(layers):
            planes, stride = 64 * 2**i, 1 if i == 0 else 2
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * 4))
            blocks = [OfficialSABottleneck(inplanes, planes, stride, downsample)]
            blocks += [OfficialSABottleneck(planes * 4, planes) for _ in range(n - 1)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
            inplanes = planes * 4
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for i in range(1, 5):
            x = getattr(self, f'layer{i}')(x)
        return self.fc(x.mean(dim=(2, 3)))


def test_official_checkpoint_converts_to_a_strict_load_with_the_same_logits(tmp_path):
    official = randomize(OfficialSAResNet())
    src, dst = tmp_path / 'sa_resnet50.pth.tar', tmp_path / 'sanet50_in1k.pth'
    checkpoint = {'epoch': 90, 'arch': 'sa_resnet50', 'state_dict': nn.DataParallel(official).state_dict()}
    torch.save(checkpoint, src)  # the released main.py saves the DataParallel state dict
    import_tool('model_converters/sanet_to_mmsda.py').main([str(src), str(dst)])
    classifier, _ = build_from_config('configs/sanet/sanet50_8xb32_in1k.py')
    classifier.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier.eval()(x, mode='tensor'), official(x), rtol=1e-5, atol=1e-5)


def test_converter_names_the_attention_parameters():
    converted = convert_sanet_classifier(OfficialSAResNet(layers=(1, 1, 1, 1)).state_dict())
    assert 'backbone.layer1.0.attention.channel_weight' in converted
    assert 'backbone.layer4.0.attention.norm.weight' in converted and 'head.fc.weight' in converted
    assert math.prod(converted['backbone.layer1.0.attention.spatial_bias'].shape) == 256 // 128

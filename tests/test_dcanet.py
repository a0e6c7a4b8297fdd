"""DCANet: deep-connected SE/CBAM/GC attentions, DCA-ResNets, configs, numbers, official-weight converter."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from _metafiles import metadata
from _config_helpers import build_from_config
from _weight_helpers import randomize, save_as_official
from _tool_helpers import import_tool
from mmsda.converters import PickledObject, convert_dcanet_classifier
from mmsda.models.backbones import AttentionResNet, DCAResNet
from mmsda.models.layers import DCACBAM, DCAContextBlock, DCASELayer
from mmsda.utils import count_params

TYPES = ('se', 'cbam', 'gc')


def blocks(model):
    return [b for i in range(1, 5) for b in getattr(model, f'layer{i}').blocks]


def test_backbone_tells_each_attention_the_width_of_its_context():
    model = DCAResNet(depth=50)
    widths = [b.attention.context_channels for b in blocks(model)]
    assert widths == [None, 256, 256, 256, 512, 512, 512, 512] + [1024] * 6 + [2048] * 2
    # the stem hands None: the first attention has nothing to mix; a matcher only where the width changes
    assert model.layer1[0].attention.mix is None and model.layer1[0].attention.matcher is None
    assert [i for i, b in enumerate(blocks(model)) if b.attention.matcher is not None] == [3, 7, 13]


@pytest.mark.parametrize('attention_type', TYPES)
def test_context_crosses_stage_boundaries_through_the_matcher(attention_type):
    model = DCAResNet(depth=50, attention_type=attention_type).eval()
    seen = {}
    last_of_stage1 = model.layer1[2].attention
    matcher = model.layer2[0].attention
    matcher = matcher.channel_attention.matcher if attention_type == 'cbam' else matcher.matcher
    last_of_stage1.register_forward_hook(lambda m, args, out: seen.update(handed=out[1]) and None)
    matcher.register_forward_hook(lambda m, args, out: seen.update(matched=args[0]) and None)
    model(torch.randn(2, 3, 64, 64))
    handed = seen['handed'][0] if attention_type == 'cbam' else seen['handed']
    expected = handed.flatten(1) if attention_type == 'gc' else handed
    assert seen['matched'].shape[1] == 256
    torch.testing.assert_close(seen['matched'], expected)


def test_dca_se_mixes_the_squeezed_descriptor_with_the_previous_output():
    se = DCASELayer(32, context_channels=16, reduction=4).eval()
    x, prev = torch.randn(2, 32, 5, 5), torch.randn(2, 16)
    out, context = se(x, prev)
    s = x.mean(dim=(2, 3))
    w, b = se.mix.conv.weight.flatten(), se.mix.conv.bias
    m = F.relu(F.layer_norm(w[0] * s + w[1] * se.matcher(prev) + b, (32,), se.mix.norm.weight, se.mix.norm.bias))
    gate = torch.sigmoid(se.fc2(F.relu(se.fc1(m))))
    torch.testing.assert_close(out, x * gate[:, :, None, None])
    torch.testing.assert_close(context, s * gate)


def test_dca_gc_connection_starts_closed():
    gc = DCAContextBlock(64, context_channels=32)
    gc.init_weights()
    assert float(gc.context_weight) == 0.0, 'DCANet: the connection weight starts at 0'
    x = torch.randn(2, 64, 6, 6)
    out_a, _ = gc(x, torch.randn(2, 32, 1, 1))
    out_b, _ = gc(x, torch.randn(2, 32, 1, 1))
    torch.testing.assert_close(out_a, out_b)


def test_dca_cbam_spatial_context_is_pooled_to_the_current_size_even_when_odd():
    model = DCAResNet(depth=50, attention_type='cbam', out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 3, 72, 72))  # stages at 18, 9, 5, 3: odd down-sampling
    assert [o.shape[-1] for o in outs] == [18, 9, 5, 3]


@pytest.mark.parametrize('attention_type', TYPES)
def test_with_cp_gives_identical_outputs_and_gradients(attention_type):
    torch.manual_seed(0)
    # a small network of the same kind: 4 stages, widths 64..512, the context crossing every boundary
    small = dict(stage_blocks=(1, 2, 1, 1), stem_channels=16, base_channels=16, out_indices=(0, 1, 2, 3),
                 attention=dict(type=DCAResNet.attention_types[attention_type]))
    plain = AttentionResNet(**small)
    plain.init_weights()
    with torch.no_grad():  # open the connections so that the context matters
        for m in plain.modules():
            if isinstance(m, DCAContextBlock) and m.context_weight is not None:
                m.context_weight.fill_(0.5)
    cp_model = AttentionResNet(**small, with_cp=True)
    cp_model.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    outs = [m.train()(x.clone().requires_grad_()) for m in (plain, cp_model)]
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b)
    for out in outs:
        sum(o.sum() for o in out).backward()
    for (name, p), q in zip(plain.named_parameters(), cp_model.parameters()):
        assert p.grad is not None, f'{name} takes no part'
        torch.testing.assert_close(p.grad, q.grad, msg=name)


# (published params, published GFLOPs); the released code builds 30.90 M for DCA-SE (a full Linear
# matcher), the README reports 28.65 M.
PAPER = {'se': (28.65e6, 4.13), 'cbam': (30.90e6, 4.14), 'gc': (28.63e6, 4.13)}
# the official code's count, = ours + the connection layers it also builds (unused) in layer1.0
OFFICIAL_CODE = {'se': 30_898_696, 'cbam': 30_900_376, 'gc': 28_630_824}


@pytest.mark.parametrize('attention_type', TYPES)
def test_classifier_params_and_flops(attention_type):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the papers
    meta = metadata(f'dcanet/dca-{attention_type}-resnet50_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    paper_params, paper_gflops = PAPER[attention_type]
    assert abs(params / OFFICIAL_CODE[attention_type] - 1) < 0.001, 'the released code, without its unused layers'
    if attention_type != 'se':
        assert abs(params / paper_params - 1) < 0.001, f'DCA-{attention_type}: paper {paper_params / 1e6} M'
    if attention_type != 'cbam':  # DCA-CBAM's matchers run on full maps: +1.23 GMACs, see the README
        assert abs(macs / 1e9 / paper_gflops - 1) < 0.01, f'DCA-{attention_type}: paper {paper_gflops} GFLOPs'


def test_two_layer_matcher_gives_the_published_dca_se_size():
    model, _ = build_from_config('configs/dcanet/dca-se-resnet50_8xb32_in1k.py',
                                 attention_cfg=dict(matcher_reduction=16))
    assert count_params(model) == 28_638_117
    assert abs(count_params(model) / 28.65e6 - 1) < 0.001, 'README: DCA-SE-ResNet50 28.65 M'


@pytest.mark.parametrize('attention,context', [
    (DCASELayer(64), torch.randn(1, 64)),
    (DCACBAM(64), (torch.randn(1, 64, 4, 4), torch.randn(1, 64, 4, 4))),
    (DCAContextBlock(64), torch.randn(1, 64, 1, 1)),
], ids=TYPES)
def test_a_context_given_to_a_first_block_attention_is_an_error(attention, context):
    with pytest.raises(ValueError, match='context_channels'):
        attention(torch.randn(1, 64, 4, 4), context)


# --- the official layout (13952522076/DCANet models/resnet/resnet_{se,cbam,gc}_dca.py), restated here ---

class OfficialCSELayer(nn.Module):
    def __init__(self, in_channel, channel, reduction=16):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction), nn.ReLU(),
                                nn.Linear(channel // reduction, channel), nn.Sigmoid())
        if in_channel != channel:
            self.att_fc = nn.Sequential(nn.Linear(in_channel, channel), nn.LayerNorm(channel), nn.ReLU())
        self.conv = nn.Sequential(nn.Conv2d(2, 1, 1), nn.LayerNorm(channel), nn.ReLU())

    def forward(self, x, pre):
        b, c = x.shape[:2]
        gap = x.mean(dim=(2, 3))
        if pre is None:
            att = self.fc(gap)
        else:
            pre = self.att_fc(pre) if hasattr(self, 'att_fc') else pre
            att = self.fc(self.conv(torch.cat([gap.view(b, 1, 1, c), pre.view(b, 1, 1, c)], 1)).view(b, c))
        return x * att.view(b, c, 1, 1), gap * att


class OfficialChannelGate(nn.Module):
    def __init__(self, in_channels, channels, reduction=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(channels, channels // reduction), nn.ReLU(),
                                 nn.Linear(channels // reduction, channels))
        if in_channels != channels:
            self.att_fc = nn.Sequential(nn.Conv2d(in_channels, channels, 1), nn.BatchNorm2d(channels), nn.ReLU())
        self.alpha = nn.Sequential(nn.Conv2d(2, 1, 1, bias=False), nn.LayerNorm(channels), nn.ReLU())

    def forward(self, x, pre):
        b, c = x.shape[:2]
        if pre is not None and hasattr(self, 'att_fc'):
            pre = self.att_fc(pre)
        logits = 0
        for pool in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
            p = pool(x, 1)
            if pre is not None:
                p = self.alpha(torch.cat([p.view(b, 1, 1, c), pool(pre, 1).view(b, 1, 1, c)], 1)).view(b, c)
            logits = logits + self.mlp(p)
        out = x * torch.sigmoid(logits)[:, :, None, None]
        return out, out


class OfficialSpatialGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = nn.Module()
        self.spatial.conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)
        self.spatial.bn = nn.BatchNorm2d(1)
        self.p1 = nn.Parameter(torch.ones(1))
        self.p2 = nn.Parameter(torch.zeros(1))
        self.bnrelu = nn.Sequential(nn.BatchNorm2d(2), nn.ReLU())

    @staticmethod
    def compress(x):
        return torch.cat([x.max(1, keepdim=True)[0], x.mean(1, keepdim=True)], 1)

    def forward(self, x, pre):
        if pre is None:
            pooled = self.compress(x)
        else:
            k = pre.shape[2] // x.shape[2]
            pre = F.avg_pool2d(pre, k, k) if k > 1 else pre
            pooled = self.bnrelu(self.p1 * self.compress(x) + self.p2 * self.compress(pre))
        out = x * torch.sigmoid(self.spatial.bn(self.spatial.conv(pooled)))
        return out, out


class OfficialCBAM(nn.Module):
    def __init__(self, in_channels, channels):
        super().__init__()
        self.ChannelGate = OfficialChannelGate(in_channels, channels)
        self.SpatialGate = OfficialSpatialGate()

    def forward(self, x, pre):
        pre = (None, None) if pre is None else pre
        x, channel = self.ChannelGate(x, pre[0])
        x, spatial = self.SpatialGate(x, pre[1])
        return x, (channel, spatial)


class OfficialRContextBlock(nn.Module):
    def __init__(self, preplanes, inplanes, planes):
        super().__init__()
        self.conv_mask = nn.Conv2d(inplanes, 1, 1)
        self.channel_add_conv = nn.Sequential(nn.Conv2d(inplanes, planes, 1), nn.LayerNorm([planes, 1, 1]),
                                              nn.ReLU(), nn.Conv2d(planes, inplanes, 1))
        if preplanes != inplanes:
            self.att_fc = nn.Sequential(nn.Conv2d(preplanes, planes, 1), nn.LayerNorm([planes, 1, 1]),
                                        nn.ReLU(), nn.Conv2d(planes, inplanes, 1))
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x, pre):
        b, c, h, w = x.shape
        mask = self.conv_mask(x).view(b, 1, h * w).softmax(dim=2)
        context = torch.bmm(x.view(b, c, h * w), mask.transpose(1, 2)).view(b, c, 1, 1)
        if pre is not None:
            context = context + self.weight * (self.att_fc(pre) if hasattr(self, 'att_fc') else pre)
        term = self.channel_add_conv(context)
        return x + term, term


class OfficialBottleneck(nn.Module):
    def __init__(self, kind, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.kind = kind
        if kind == 'se':
            self.se = OfficialCSELayer(inplanes, planes * 4)
        elif kind == 'cbam':
            self.cbam = OfficialCBAM(inplanes, planes * 4)
        else:
            self.rgc = OfficialRContextBlock(inplanes, planes * 4, planes * 4 // 16)
        self.downsample = downsample

    def forward(self, inputs):
        x, pre = inputs
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out, pre = getattr(self, {'gc': 'rgc'}.get(self.kind, self.kind))(self.bn3(self.conv3(out)), pre)
        return F.relu(out + (x if self.downsample is None else self.downsample(x))), pre


class OfficialDCAResNet(nn.Module):
    def __init__(self, kind, layers=(3, 4, 6, 3), num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for i, n in enumerate(layers):
            planes, stride = 64 * 2**i, 1 if i == 0 else 2
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * 4))
            blocks = [OfficialBottleneck(kind, inplanes, planes, stride, downsample)]
            blocks += [OfficialBottleneck(kind, planes * 4, planes) for _ in range(n - 1)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
            inplanes = planes * 4
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = (F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1), None)
        for i in range(1, 5):
            x = getattr(self, f'layer{i}')(x)
        return self.fc(x[0].mean(dim=(2, 3)))


OFFICIAL_CLASSES = (OfficialCSELayer, OfficialChannelGate, OfficialSpatialGate, OfficialCBAM,
                    OfficialRContextBlock, OfficialBottleneck, OfficialDCAResNet)


@pytest.mark.parametrize('attention_type', TYPES)
def test_official_checkpoint_converts_to_a_strict_load_with_the_same_logits(attention_type, tmp_path):
    official = randomize(OfficialDCAResNet(attention_type))
    assert count_params(official) == OFFICIAL_CODE[attention_type], 'the restated layout is the released one'
    src, dst = tmp_path / 'dca.pth.tar', tmp_path / 'dca_in1k.pth'
    torch.save({'epoch': 100, 'state_dict': nn.DataParallel(official).state_dict()}, src)
    import_tool('model_converters/dcanet_to_mmsda.py').main([str(src), str(dst)])
    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['attention_type'] == attention_type
    classifier, _ = build_from_config(f'configs/dcanet/dca-{attention_type}-resnet50_8xb32_in1k.py')
    classifier.load_state_dict(checkpoint['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier.eval()(x, mode='tensor'), official(x), rtol=1e-4, atol=1e-4)


def test_whole_pickled_official_model_converts_without_its_code(tmp_path):
    official = randomize(OfficialDCAResNet('se', layers=(1, 1, 1, 1)))
    path = tmp_path / 'dca_se_model.pth'
    save_as_official(nn.DataParallel(official), path, 'resnet_se_dca', OFFICIAL_CLASSES)
    from mmsda.converters import extract_state_dict, load_untrusted
    obj = load_untrusted(str(path))
    assert isinstance(obj, PickledObject)
    converted, kind, dropped = convert_dcanet_classifier(extract_state_dict(obj))
    assert kind == 'se' and all(k.startswith('layer1.0.se.') for k in dropped) and dropped
    assert 'backbone.layer2.0.attention.matcher.0.weight' in converted

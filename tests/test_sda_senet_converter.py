"""Official SDA-SENet checkpoints → mmsda ``SEResNet(with_sda=True)``: strict loading, same outputs.

The "official" SDA-SENet here is written in this file from the formula with the official parameter
names (``SDA-SENet/models/senet/se_resnet_at.py``: each bottleneck's SE layer is ``fc1``/``fc2``,
``nn.Linear`` with bias, C → C/16 → C, after ``bn3`` and before the addition), pickled whole inside
``nn.DataParallel`` under a module name that does not exist at load time, as the authors' files are.
"""
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from _config_helpers import REPO, build_from_config
from _weight_helpers import randomize, save_as_official
from _sda_official_layouts import OfficialStage
from mmsda.converters import convert_sda_senet_classifier, convert_sda_senet_detector
from mmsda.models.backbones import SEResNet

OFFICIAL_MODULE = 'se_resnet_at'  # the authors' module; not importable at load time
CONFIG = 'configs/senet/sda-seresnet86_8xb32_in1k.py'


class OfficialSEBottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.fc1 = nn.Linear(planes * 4, round(planes / 4))
        self.fc2 = nn.Linear(round(planes / 4), planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(out.mean((2, 3))))))
        out = out * gate[:, :, None, None]
        return out + (x if self.downsample is None else self.downsample(x))


class OfficialSDASENet(nn.Module):
    """``head=False``: the mmdet 2.x ``Sda_SENet`` backbone (same names, no ``bn2``/``fc``)."""

    def __init__(self, layers=(3, 4, 6, 3), num_classes=1000, head=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for k, n in enumerate(layers):
            planes, c = 64 * 2**k, 256 * 2**k
            down = nn.Sequential(nn.Conv2d(inplanes, c, 1, 1 if k == 0 else 2, bias=False), nn.BatchNorm2d(c))
            blocks = [OfficialSEBottleneck(inplanes, planes, 1 if k == 0 else 2, down)]
            blocks += [OfficialSEBottleneck(c, planes) for _ in range(n - 1)]
            setattr(self, f'stage{k + 1}', OfficialStage(blocks, c))
            inplanes = c
        if head:
            self.bn2 = nn.BatchNorm2d(2048)
            self.fc = nn.Linear(2048, num_classes)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        outs = []
        for k in range(1, 5):
            x = getattr(self, f'stage{k}')(x)
            outs.append(x)
        return outs

    def forward(self, x):
        return self.fc(self.bn2(F.adaptive_avg_pool2d(self.features(x)[-1], 1)).flatten(1))


@pytest.fixture(scope='module')
def official_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('official') / 'sda_senet50.pth'
    model = randomize(OfficialSDASENet())
    save_as_official(nn.DataParallel(model), path, OFFICIAL_MODULE,
                     (OfficialSEBottleneck, OfficialStage, OfficialSDASENet))
    return model, path


def test_converted_classifier_loads_strict_and_gives_the_same_logits(official_file, tmp_path):
    official, path = official_file
    out = tmp_path / 'converted.pth'
    result = subprocess.run([sys.executable, 'tools/model_converters/sda_xnet_to_mmsda.py', '--arch', 'sda-senet',
                             str(path), str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    classifier = build_from_config(CONFIG, depth=50)[0].eval()
    classifier.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier(x, mode='tensor'), official(x), rtol=1e-5, atol=1e-5)


def test_se_weights_move_into_the_block_attention(official_file):
    official, _ = official_file
    converted = convert_sda_senet_classifier(official.state_dict())
    assert converted['backbone.layer3.2.attention.fc1.weight'].shape == (64, 1024)
    assert not any('.fc1.' in k and '.attention.' not in k for k in converted)
    assert set(converted) == set(build_from_config(CONFIG, depth=50)[0].state_dict())


def test_converted_detector_backbone_gives_the_same_features():
    official = randomize(OfficialSDASENet(head=False))
    state = {f'backbone.{k}': v for k, v in official.state_dict().items()}
    state['neck.lateral_convs.0.conv.weight'] = torch.zeros(1)  # non-backbone keys pass through
    converted = convert_sda_senet_detector(state)
    assert converted['neck.lateral_convs.0.conv.weight'].shape == (1,)
    backbone = SEResNet(depth=50, with_sda=True, out_indices=(0, 1, 2, 3)).eval()
    backbone.load_state_dict({k[len('backbone.'):]: v for k, v in converted.items() if k.startswith('backbone.')},
                             strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for ours, theirs in zip(backbone(x), official.features(x)):
            torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)

"""Official SDA-xNet checkpoints → mmsda: strict loading, same outputs, no code run from the file.

The "official" models here are written in this file from the formula with the official parameter
names (REFERENCE.md), pickled whole inside ``nn.DataParallel`` under a module name that does not
exist at load time, as the authors' checkpoints are.
"""
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from _model_zoo_helpers import randomize, save_as_official
from mmsda.converters import PickledObject, convert_sda_classifier, extract_state_dict, load_untrusted

REPO = __import__('os').path.dirname(__import__('os').path.dirname(__import__('os').path.abspath(__file__)))
OFFICIAL_MODULE = 'resnet_at'  # stands for the authors' module; not importable at load time


class OfficialBottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False, groups=8)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return out + (x if self.downsample is None else self.downsample(x))


class OfficialStage(nn.Module):
    def __init__(self, inplanes, planes, blocks, stride=1):
        super().__init__()
        c = planes * 4
        downsample = nn.Sequential(nn.Conv2d(inplanes, c, 1, stride, bias=False), nn.BatchNorm2d(c))
        self.layers = nn.Sequential(OfficialBottleneck(inplanes, planes, stride, downsample),
                                    *[OfficialBottleneck(c, planes) for _ in range(blocks - 1)])
        d = max(int(c / 16), 64)
        self.fc = nn.Sequential(nn.Conv2d(c, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU())
        self.fcs = nn.ModuleList(nn.Conv2d(d, c, 1) for _ in range(blocks))

    def forward(self, x):
        zs = []
        for block in self.layers:
            zs.append(block(x))
            x = F.relu(zs[-1])
        stack = torch.stack(zs, dim=1)
        v = self.fc(F.adaptive_avg_pool2d(stack.sum(1), 1))
        a = torch.stack([fc(v) for fc in self.fcs], dim=1).softmax(dim=1)
        return F.relu((stack * a).sum(1))


class OfficialSDANet(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000, head=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for i, n in enumerate(layers):
            setattr(self, f'stage{i + 1}', OfficialStage(inplanes, 64 * 2**i, n, 1 if i == 0 else 2))
            inplanes = 256 * 2**i
        self.head = head
        if head:
            self.bn2 = nn.BatchNorm2d(2048)
            self.fc = nn.Linear(2048, num_classes)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        outs = []
        for i in range(4):
            x = getattr(self, f'stage{i + 1}')(x)
            outs.append(x)
        return outs

    def forward(self, x):
        x = self.bn2(F.adaptive_avg_pool2d(self.features(x)[-1], 1)).flatten(1)
        return self.fc(x)


def build(config, scope, **backbone):
    cfg = Config.fromfile(config)
    cfg.model.backbone.update(backbone)
    cfg.model.backbone.pop('init_cfg', None)
    init_default_scope(scope)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    return registry.build(cfg.model).eval()


@pytest.fixture(scope='module')
def official_classifier_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('official') / 'sdanet26.pth'
    model = randomize(OfficialSDANet())
    save_as_official(nn.DataParallel(model), path, OFFICIAL_MODULE,
                     (OfficialBottleneck, OfficialStage, OfficialSDANet))
    return model, path


def test_whole_pickled_model_loads_without_the_official_code(official_classifier_file):
    model, path = official_classifier_file
    with pytest.raises(ModuleNotFoundError):
        torch.load(path, weights_only=False)  # plain torch needs the authors' code
    state = extract_state_dict(load_untrusted(str(path)))
    assert set(state) == {'module.' + k for k in model.state_dict()}


def test_converted_classifier_loads_strict_and_gives_the_same_logits(official_classifier_file, tmp_path):
    official, path = official_classifier_file
    out = tmp_path / 'converted.pth'
    result = subprocess.run([sys.executable, 'tools/model_converters/sda_xnet_to_mmsda.py', str(path), str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    classifier = build(f'{REPO}/configs/sda/sda-resnet86_8xb32_in1k.py', 'mmpretrain', depth=26)
    classifier.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier(x, mode='tensor'), official(x), rtol=1e-5, atol=1e-5)


def test_plain_state_dict_without_module_prefix_converts_too(official_classifier_file):
    official, _ = official_classifier_file
    converted = convert_sda_classifier(official.state_dict())
    assert {k.split('.')[0] for k in converted} == {'backbone', 'neck', 'head'}
    assert converted['backbone.layer2.fusion.excite.weight'].shape == (2 * 512, 64, 1, 1)


def test_converted_mmdet2_detector_loads_strict_and_backbone_matches(tmp_path):
    detector = build(f'{REPO}/configs/sda/mask-rcnn_sda-r86_fpn_1x_coco.py', 'mmdet', depth=26)
    official_backbone = randomize(OfficialSDANet(head=False))
    state = {f'backbone.{k}': v for k, v in official_backbone.state_dict().items()}
    state.update({k: v for k, v in detector.state_dict().items() if not k.startswith('backbone.')})
    src, dst = tmp_path / 'mask_rcnn_sdanet.pth', tmp_path / 'converted.pth'
    torch.save({'meta': {'epoch': 12, 'CLASSES': ('person',)}, 'state_dict': state}, src)
    result = subprocess.run([sys.executable, 'tools/model_converters/sda_xnet_to_mmsda.py', str(src), str(dst)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    detector.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for ours, ref in zip(detector.backbone(x), official_backbone.features(x)):
            torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.call, (['touch', self.marker],))


def test_code_in_a_checkpoint_is_never_run(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'payload': _RunsCode(str(marker))}, path)
    obj = load_untrusted(str(path))
    assert not marker.exists()
    assert isinstance(obj['payload'], PickledObject)
    assert torch.equal(extract_state_dict(obj)['w'], torch.ones(1))


def test_refused_modules_give_a_clear_error(tmp_path):
    class UsesOs:
        def __reduce__(self):
            import os
            return (os.system, ('true',))

    path = tmp_path / 'os.pth'
    torch.save({'x': UsesOs()}, path)
    with pytest.raises(ValueError, match='refused to unpickle'):
        load_untrusted(str(path))


def test_converter_does_not_overwrite_existing_output(official_classifier_file, tmp_path):
    _, path = official_classifier_file
    out = tmp_path / 'exists.pth'
    out.write_bytes(b'user data')
    result = subprocess.run([sys.executable, 'tools/model_converters/sda_xnet_to_mmsda.py', str(path), str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and 'exists' in result.stderr
    assert out.read_bytes() == b'user data'

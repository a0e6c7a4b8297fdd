"""Official SDA-xNet checkpoints → mmsda: strict loading, same outputs, no code run from the file.

The "official" models (tests/_sda_official_layouts.py) are written from the formula with the official
parameter names (QingbeiGuo/SDA-xNet), pickled whole inside ``nn.DataParallel`` under a module name that
does not exist at load time, as the authors' checkpoints are.
"""
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope

from _weight_helpers import randomize, save_as_official
from _sda_official_layouts import OFFICIAL_CLASSES, OfficialSDANet
from mmsda.converters import PickledObject, convert_sda_classifier, extract_state_dict, load_untrusted
from mmsda.engine import UnsafeCheckpointError

REPO = __import__('os').path.dirname(__import__('os').path.dirname(__import__('os').path.abspath(__file__)))
OFFICIAL_MODULE = 'resnet_at'  # stands for the authors' module; not importable at load time


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
    model = randomize(OfficialSDANet('resnet', layers=(2, 2, 2, 2), num_classes=1000))
    save_as_official(nn.DataParallel(model), path, OFFICIAL_MODULE, OFFICIAL_CLASSES)
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
    official_backbone = randomize(OfficialSDANet('resnet', layers=(2, 2, 2, 2), head=False))
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


def test_refused_modules_give_an_error_naming_the_file_and_the_global(tmp_path):
    marker = tmp_path / 'ran'

    class UsesOs:
        def __reduce__(self):
            import os
            return (os.system, (f'touch {marker}',))

    path = tmp_path / 'os.pth'
    torch.save({'x': UsesOs()}, path)
    with pytest.raises(UnsafeCheckpointError, match=f'{path}: refused.*posix.system.*run that code'):
        load_untrusted(str(path))
    assert not marker.exists()


def test_converter_does_not_overwrite_existing_output(official_classifier_file, tmp_path):
    _, path = official_classifier_file
    out = tmp_path / 'exists.pth'
    out.write_bytes(b'user data')
    result = subprocess.run([sys.executable, 'tools/model_converters/sda_xnet_to_mmsda.py', str(path), str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and 'exists' in result.stderr
    assert out.read_bytes() == b'user data'

"""configs/sda: the paper's numbers of SDA-ResNet-86 (every config builds and a detector trains in
test_models.py)."""
import pytest

from _config_helpers import build_from_config
from mmsda.utils import complexity


@pytest.fixture(scope='module')
def sda86_classifier_complexity():
    model = build_from_config('configs/sda/sda-resnet86_8xb32_in1k.py')[0].eval()
    return complexity(model, (3, 224, 224), forward=lambda x: model(x, mode='tensor'))


def test_sda_resnet86_params_match_paper(sda86_classifier_complexity):
    params = sda86_classifier_complexity['params']
    assert params == 27_219_880, params
    assert abs(params / 1e6 - 27.22) / 27.22 < 0.005, 'paper: 27.22 M'


def test_sda_resnet86_flops_match_paper(sda86_classifier_complexity):
    macs = sda86_classifier_complexity['macs'] / 1e9
    assert abs(macs - 3.88) / 3.88 < 0.005, f'paper: 3.88 GFLOPs (multiply-adds), measured {macs:.3f}'

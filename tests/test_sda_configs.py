"""configs/sda: the paper's numbers of SDA-ResNet-86 (every config builds and a detector trains in
test_models.py)."""
from _metafiles import metadata


def test_sda_resnet86_params_match_paper():
    # the metafile's exact count (test_model_zoo.py checks it against the model): the official code's
    params = metadata('sda/sda-resnet86_8xb32_in1k.py')['Parameters']
    assert params == 27_219_880, 'the official SDA-ResNet-86 (QingbeiGuo/SDA-xNet, resnet_at.py)'
    assert abs(params / 1e6 - 27.22) / 27.22 < 0.005, 'paper: 27.22 M'


def test_sda_resnet86_flops_match_paper():
    macs = metadata('sda/sda-resnet86_8xb32_in1k.py')['FLOPs'] / 1e9
    assert abs(macs - 3.88) / 3.88 < 0.005, f'paper: 3.88 GFLOPs (multiply-adds), measured {macs:.3f}'

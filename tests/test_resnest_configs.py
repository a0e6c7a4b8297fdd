"""ResNeSt: configs only, reusing mmpretrain's and mmdet's ResNeSt by their cross-scope names."""
import pytest
from mmengine.config import Config

from _config_helpers import build_from_config, config_files
from _metafiles import metadata

CONFIGS = config_files('resnest')


@pytest.mark.parametrize('path', config_files('resnest'), ids=lambda p: p.split('/')[-1])
def test_every_config_names_the_upstream_resnest_of_its_scope(path):
    cfg = Config.fromfile(path)  # (that it builds that class is in test_models.py)
    assert cfg.model.backbone.type == f'{cfg.default_scope}.ResNeSt', 'named by its cross-scope type'


def test_resnest50_params_match_the_paper():
    # the metafile's exact count (test_model_zoo.py checks it against the model) vs the paper's 27.5 M
    params = metadata('resnest/resnest50_32xb64_in1k.py')['Parameters']
    assert abs(params / 27.5e6 - 1) < 0.005, 'paper: 27.5 M'


def test_split_attention_is_radix_2_with_the_deep_stem():
    model, _ = build_from_config('configs/resnest/resnest50_32xb64_in1k.py')
    backbone = model.backbone
    assert backbone.layer1[0].conv2.radix == 2
    assert backbone.deep_stem and backbone.avg_down

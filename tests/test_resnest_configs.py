"""ResNeSt: configs only, reusing mmpretrain's and mmdet's ResNeSt by their cross-scope names."""
import pytest
from mmengine.config import Config

from _config_helpers import build_from_config, config_files
from mmsda.utils import count_params


@pytest.mark.parametrize('path', config_files('resnest'), ids=lambda p: p.split('/')[-1])
def test_every_config_names_the_upstream_resnest_of_its_scope(path):
    cfg = Config.fromfile(path)  # (that it builds that class is in test_models.py)
    assert cfg.model.backbone.type == f'{cfg.default_scope}.ResNeSt', 'named by its cross-scope type'


@pytest.mark.parametrize('name,params,paper_params', [
    ('resnest50', 27_483_240, 27.5e6),
    ('resnest101', 48_275_016, None),
])
def test_classifier_params_match_the_readme_and_the_paper(name, params, paper_params):
    model, _ = build_from_config(f'configs/resnest/{name}_32xb64_in1k.py')
    assert count_params(model) == params
    if paper_params is not None:
        assert abs(params / paper_params - 1) < 0.005, f'{name}: paper {paper_params / 1e6} M'


def test_split_attention_is_radix_2_with_the_deep_stem():
    model, _ = build_from_config('configs/resnest/resnest50_32xb64_in1k.py')
    backbone = model.backbone
    assert backbone.layer1[0].conv2.radix == 2
    assert backbone.deep_stem and backbone.avg_down

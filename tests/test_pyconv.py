"""PyConvResNet and SDA-PyConv: the pyramidal conv, the backbone, configs, numbers and converter."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope

from _metafiles import metadata
from _config_helpers import REPO
from _weight_helpers import randomize, save_as_official
from _sda_official_layouts import OFFICIAL_CLASSES, OfficialSDANet
from _tool_helpers import import_tool
from mmsda.converters import convert_sda_pyconv_classifier
from mmsda.models.backbones import PyConvResNet
from mmsda.models.layers import PyConv

CONVERTER = import_tool('model_converters/sda_xnet_to_mmsda.py')


def test_levels_split_the_output_channels_and_are_concatenated_in_order():
    conv = PyConv(128, 128, kernels=(3, 5, 7), level_groups=(1, 4, 8), out_splits=(1, 1, 2))
    assert conv.level_channels == (32, 32, 64)
    x = torch.randn(1, 128, 8, 8)
    out = conv(x)
    torch.testing.assert_close(out[:, 64:], conv.levels[2](x))
    torch.testing.assert_close(out[:, :32], conv.levels[0](x))


@pytest.mark.parametrize('stage,kernels,groups,channels', [
    (1, (3, 5, 7, 9), (1, 4, 8, 16), (16, 16, 16, 16)),
    (2, (3, 5, 7), (1, 4, 8), (32, 32, 64)),
    (3, (3, 5), (1, 4), (128, 128)),
    (4, (3, ), (1, ), (512, )),
])
def test_each_stage_has_the_papers_pyramid(stage, kernels, groups, channels):
    model = PyConvResNet(depth=50)
    for block in getattr(model, f'layer{stage}').blocks:
        conv = block.conv2
        assert isinstance(conv, PyConv) and conv.level_channels == channels
        assert tuple(c.kernel_size[0] for c in conv.levels) == kernels
        assert tuple(c.groups for c in conv.levels) == groups


def test_stem_has_no_pool_and_every_stage_downsamples_with_a_max_pool_shortcut():
    model = PyConvResNet(depth=50, out_indices=(0, 1, 2, 3))
    assert model.maxpool is None
    for i in range(1, 5):
        first = getattr(model, f'layer{i}')[0]
        pool, conv = first.downsample[0], first.downsample[1]
        assert isinstance(pool, nn.MaxPool2d) and (pool.kernel_size, pool.stride, pool.padding) == (3, 2, 1)
        assert conv.kernel_size == (1, 1) and conv.stride == (1, 1)
        assert first.conv2.levels[0].stride == (2, 2)
    outs = model.eval()(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs] == [(256, 16, 16), (512, 8, 8), (1024, 4, 4), (2048, 2, 2)]


@pytest.mark.parametrize('kwargs,name', [
    (dict(groups=4), 'groups'),
    (dict(kernels=(3, 6), level_groups=(1, 4)), 'kernels'),
    (dict(out_splits=(1, 1, 1)), 'out_splits'),
    (dict(kernels=(3, 5), level_groups=(1, 4), out_splits=(1, 2)), 'out_splits'),
    (dict(level_groups=(1, 4, 8, 32)), 'level_groups'),
])
def test_pyconv_bad_arguments_raise_clear_errors(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PyConv(64, 64, **kwargs)


@pytest.mark.parametrize('name,paper_params,paper_gflops', [
    ('pyconvresnet50', 24.85e6, 3.88),
    ('pyconvresnet86', 40.55e6, 6.22),
    ('sda-pyconvresnet86', 43.33e6, 6.22),
])
def test_classifier_params_and_flops_match_the_sda_table(name, paper_params, paper_gflops):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the paper
    meta = metadata(f'pyconv/{name}_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    assert abs(params / paper_params - 1) < 0.005, f'{name}: SDA-xNet table {paper_params / 1e6} M'
    # PyConv-50: 3.82 G conv + linear vs the table's 3.88 G (from the PyConv paper, which counts more
    # than conv + linear); the -86 rows are the SDA authors' own counts and match.
    tolerance = 0.02 if name == 'pyconvresnet50' else 0.005
    assert abs(macs / 1e9 / paper_gflops - 1) < tolerance, f'{name}: SDA-xNet table {paper_gflops} G'


@pytest.fixture(scope='module')
def official_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('official') / 'sda_pyconv50.pth'
    model = randomize(OfficialSDANet('pyconv'))
    save_as_official(nn.DataParallel(model), path, 'resnet_pyconv_at', OFFICIAL_CLASSES)
    return model, path


def test_official_classifier_converts_loads_strict_and_gives_the_same_logits(official_file, tmp_path):
    official, path = official_file
    out = tmp_path / 'converted.pth'
    CONVERTER.main(['--arch', 'sda-pyconv', str(path), str(out)])
    cfg = Config.fromfile(f'{REPO}/configs/pyconv/sda-pyconvresnet86_8xb32_in1k.py')
    cfg.model.backbone.depth = 50
    cfg.model.head.num_classes = 10
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    classifier = MODELS.build(cfg.model).eval()
    classifier.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier(x, mode='tensor'), official(x), rtol=1e-5, atol=1e-5)


def test_pyconv_levels_are_renamed_in_every_stage(official_file):
    converted = convert_sda_pyconv_classifier(official_file[0].state_dict())
    assert converted['backbone.layer1.0.conv2.levels.3.weight'].shape == (16, 4, 9, 9)
    assert converted['backbone.layer4.2.conv2.levels.0.weight'].shape == (512, 512, 3, 3)
    assert not any('conv2_' in k for k in converted)


def test_there_is_no_detector_converter_for_sda_pyconv(tmp_path):
    src = tmp_path / 'det.pth'
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(1)}}, src)
    with pytest.raises(SystemExit, match='no det converter for --arch sda-pyconv'):
        CONVERTER.main(['--arch', 'sda-pyconv', str(src), str(tmp_path / 'out.pth')])

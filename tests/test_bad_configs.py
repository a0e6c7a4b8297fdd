"""Bad configs get errors in the user's terms: a catalogue of mistakes, each built from a real config the
way ``tools/misc/check_config.py`` does, with the message fragment the user sees."""
import os.path as osp

import pytest
from _config_helpers import REPO
from _tool_helpers import import_tool

from mmsda.utils.model_check import ChannelMismatchError, in_channels_problem

CONFIGS = {
    'det': osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py'),
    'cls': osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py'),
}
SHAPES = {'det': (128, 128), 'cls': (32, 32)}
CHECK_CONFIG = import_tool('misc/check_config.py')


def _swap(**backbone):
    return {'model.backbone': dict(_delete_=True, **backbone)}


CATALOGUE = [
    # (id, base config, --cfg-options, error, fragment of the message)
    ('depth', 'det', {'model.backbone.depth': 77}, ValueError,
     'SDAResNet: depth must be one of [26, 50, 86, 101, 152], got 77'),
    ('out_indices', 'det', {'model.backbone.out_indices': (0, 1, 2, 4)}, ValueError,
     'SDAResNet: out_indices must be a non-empty tuple of stage indices in 0..3, got (0, 1, 2, 4)'),
    ('frozen_stages', 'det', {'model.backbone.frozen_stages': 5}, ValueError,
     'SDAResNet: frozen_stages must be an int in -1..4, got 5'),
    ('style', 'det', {'model.backbone.style': 'tf'}, ValueError,
     "SDAResNet: style must be one of ['pytorch', 'caffe'], got 'tf'"),
    ('gn_without_groups', 'det', {'model.backbone.norm_cfg': dict(type='GN')}, ValueError,
     'SDAResNet: norm_cfg of type GN needs num_groups'),
    ('conv_groups', 'det', {'model.backbone.groups': 3}, ValueError, 'is not divisible by groups=3'),
    ('sda_reduction', 'det', {'model.backbone.reduction': 0}, ValueError,
     'SDAResNet: reduction must be a number > 0, got 0'),
    ('sda_min_channels', 'det', {'model.backbone.min_channels': 0}, ValueError,
     'DepthAttentionFusion: min_channels must be an int ≥ 1, got 0'),
    ('neck_after_width_change', 'det', {'model.backbone.base_channels': 32}, ChannelMismatchError,
     'model.neck (FPN): in_channels=[64, 128, 256, 512] do not match the output channels of model.backbone '
     '(mmsda.SDAResNet): [128, 256, 512, 1024]. Set model.neck.in_channels=[128, 256, 512, 1024]'),
    ('neck_after_out_indices_change', 'det', {'model.backbone.out_indices': (1, 2, 3)}, ChannelMismatchError,
     'in_channels=[64, 128, 256, 512] do not match the output channels of model.backbone '
     '(mmsda.SDAResNet): [128, 256, 512]'),
    ('neck_after_backbone_swap', 'det', _swap(type='mmsda.SANet', depth=50, out_indices=(0, 1, 2, 3)),
     ChannelMismatchError, 'model.backbone (mmsda.SANet): [256, 512, 1024, 2048]'),
    ('sa_groups', 'cls', _swap(type='mmsda.SANet', depth=50, sa_groups=48), ValueError,
     'ShuffleAttention: in_channels (256) must be a multiple of 2 * groups; got groups=48'),
    ('sa_width', 'cls', _swap(type='mmsda.SANet', depth=50, base_channels=24), ValueError,
     'ShuffleAttention: in_channels (96) must be a multiple of 2 * groups; got groups=64'),
    ('sknet_depth', 'cls', _swap(type='mmsda.SKNet', depth=34), ValueError,
     'SKNet: depth must be one of [50, 86, 101, 152], got 34'),
    ('res2net_scales', 'cls', _swap(type='mmsda.Res2Net', depth=50, scales=1), ValueError,
     'Bottle2neck: scales must be an int >= 2'),
    ('dca_attention', 'cls', _swap(type='mmsda.DCAResNet', depth=50, attention_type='eca'), ValueError,
     "DCAResNet: attention_type must be one of ['se', 'cbam', 'gc'], got 'eca'"),
    ('se_reduction', 'cls', _swap(type='mmsda.SEResNet', depth=50, attention_cfg=dict(reduction=0)), ValueError,
     'reduction must be a number > 0, got 0'),
    ('epsanet_depth', 'cls', _swap(type='mmsda.EPSANet', depth=34), ValueError, 'EPSANet: depth must be one of'),
    ('pyconv_depth', 'cls', _swap(type='mmsda.PyConvResNet', depth=34), ValueError,
     'PyConvResNet: depth must be one of'),
    ('cls_neck_after_backbone_swap', 'cls', _swap(type='mmsda.SDAResNet', depth=50), ChannelMismatchError,
     'model.neck (mmsda.PoolNormNeck): in_channels=512 do not match the output channels of model.backbone '
     '(mmsda.SDAResNet): [2048]. Set model.neck.in_channels=2048'),
    ('cls_head', 'cls', {'model.head.in_channels': 2048}, ChannelMismatchError,
     'model.head (LinearClsHead): in_channels=2048 do not match the output channels of model.neck '
     '(mmsda.PoolNormNeck): [512]'),
]


@pytest.mark.parametrize('base,options,error,fragment', [c[1:] for c in CATALOGUE], ids=[c[0] for c in CATALOGUE])
def test_bad_config_is_reported_in_the_users_terms(base, options, error, fragment):
    cfg = CHECK_CONFIG.load_config(CONFIGS[base], options)
    with pytest.raises(error) as info:
        CHECK_CONFIG.check(cfg, SHAPES[base])
    assert fragment in str(info.value)


@pytest.mark.parametrize('base', ['det', 'cls'])
def test_check_config_prints_backbone_neck_and_model_shapes(base, capsys):
    assert CHECK_CONFIG.main([CONFIGS[base], '--shape', *map(str, SHAPES[base])]) == 0
    out = capsys.readouterr().out
    expected = {'det': ['backbone outputs: [1x64x32x32, 1x128x16x16, 1x256x8x8, 1x512x4x4]',
                        'neck outputs: [1x64x32x32, 1x64x16x16, 1x64x8x8, 1x64x4x4, 1x64x2x2]',
                        'model outputs: [1000x6, 1000x20, 100x5x28x28]'],
                'cls': ['backbone outputs: [1x512x1x1]', 'neck outputs: [1x512]', 'model outputs: 1x5']}[base]
    for line in expected:
        assert line in out, out


def test_check_config_exits_nonzero_on_a_channel_mismatch(capsys):
    argv = [CONFIGS['det'], '--shape', '128', '--cfg-options', 'model.backbone.base_channels=32']
    assert CHECK_CONFIG.main(argv) == 1
    assert 'Set model.neck.in_channels=[128, 256, 512, 1024]' in capsys.readouterr().out


@pytest.mark.parametrize('expected,produced,message', [
    ([64, 128], [64, 128], None),
    (256, [256, 256, 256], None),
    (256, [256, 512],
     'in_channels=256 do not match the output channels of x: [256, 512]. Set m.in_channels=[256, 512]'),
    ((64, 128), [64, 256], 'in_channels=[64, 128] do not match'),
])
def test_in_channels_problem(expected, produced, message):
    problem = in_channels_problem('m', dict(type='T', in_channels=expected), 'x', produced)
    assert problem == message if message is None else message in problem
    assert in_channels_problem('m', dict(type='GlobalAveragePooling'), 'x', [3]) is None  # no in_channels

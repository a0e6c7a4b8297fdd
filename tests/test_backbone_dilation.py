"""Dilated backbones (the ``-d8`` DeepLabV3 configs): output stride 8 in every family, dilation in every
spatial conv of stages 3-4, depth attention over the blocks of a dilated stage still a softmax."""
import glob
import os

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmsda.models.backbones import AttentionResNet, PyConvResNet
from _config_helpers import REPO, build_in_scope

D8_CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', '*', 'deeplabv3_*-d8_*.py')))
#: 64x64 input, out_indices (0, 1, 2, 3), output stride 8: 1/4, 1/8, 1/8, 1/8
D8_SHAPES_64 = [(2, 256, 16, 16), (2, 512, 8, 8), (2, 1024, 8, 8), (2, 2048, 8, 8)]
#: every D8 config, and the mmsda baselines (SK, SA, DCA-SE) also with depth attention over their dilated stages
D8_CASES = [pytest.param(p, {}, id=p.split('/')[-2]) for p in D8_CONFIGS] + [
    pytest.param(p, dict(with_sda=True), id=p.split('/')[-2] + '+sda')
    for p in D8_CONFIGS if p.split('/')[-2] in ('sknet', 'sanet', 'dcanet')]


def d8_backbone_cfg(path):
    cfg = Config.fromfile(path)
    backbone = cfg.model.backbone.to_dict()
    backbone.pop('init_cfg', None)
    return backbone


def build_backbone(cfg):
    torch.manual_seed(0)
    backbone = revert_sync_batchnorm(build_in_scope('mmseg', **cfg))  # SyncBN -> BN on the CPU
    backbone.eval()  # (PyTorch's default init: random weights are all this needs)
    return backbone


def spatial_convs(block):
    """The convs with a kernel > 1 of a block's residual branch (not those of its attention plug-in,
    e.g. CBAM's 7x7 spatial conv, which is not a conv of the feature pyramid)."""
    skip = set()
    if isinstance(getattr(block, 'attention', None), nn.Module):
        skip = {id(m) for m in block.attention.modules()}
    return [m for m in block.modules()
            if isinstance(m, nn.Conv2d) and id(m) not in skip and max(m.kernel_size) > 1]


def test_every_family_has_a_d8_config():
    folders = {os.path.basename(os.path.dirname(p)) for p in D8_CONFIGS}
    assert folders == {'sda', 'cbam', 'eca', 'gcnet', 'senet', 'epsanet', 'pyconv', 'res2net', 'sknet', 'sanet',
                       'dcanet', 'resnest'}


@pytest.mark.parametrize('path,extra', D8_CASES)
def test_d8_backbone_output_stride_dilations_and_depth_attention(path, extra):
    cfg = dict(d8_backbone_cfg(path), **extra)
    backbone = build_backbone(cfg)
    fusions = [getattr(backbone, f'layer{i}').fusion for i in range(1, 5)
               if getattr(getattr(backbone, f'layer{i}'), 'fusion', None) is not None]
    weights = []
    for fusion in fusions:  # record the depth weights of every stage
        fusion.depth_weights = _recording(fusion.depth_weights, weights)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        outs = backbone(x)
    assert [tuple(o.shape) for o in outs] == D8_SHAPES_64

    # every spatial conv of the residual branches got the stage's dilation (the first block of a
    # dilated stage half of it: contract_dilation); SK's second branch twice the base dilation
    for i, dilation in enumerate((1, 1, 2, 4), start=1):
        blocks = [m for m in getattr(backbone, f'layer{i}').children() if spatial_convs(m)]
        for j, block in enumerate(blocks):
            expected = dilation // 2 if j == 0 and dilation > 1 else dilation
            convs = spatial_convs(block)
            assert min(c.dilation[0] for c in convs) == expected, (i, j, [c.dilation for c in convs])
            assert all(c.dilation[0] % expected == 0 for c in convs)
            assert all(c.padding[0] == c.dilation[0] * (c.kernel_size[0] // 2) for c in convs), \
                'size-preserving padding for every kernel'

    # the dilation changes what stages 3-4 compute: the same weights without dilation differ there only
    plain = build_backbone(dict(cfg, dilations=(1, 1, 1, 1)))
    plain.load_state_dict(backbone.state_dict())
    with torch.no_grad():
        plain_outs = plain(x)
    assert torch.equal(outs[0], plain_outs[0]) and torch.equal(outs[1], plain_outs[1])
    assert not torch.allclose(outs[2], plain_outs[2]) and not torch.allclose(outs[3], plain_outs[3])

    with_sda = getattr(backbone, 'with_sda', False)
    assert len(fusions) == (4 if with_sda else 0)
    assert len(weights) == len(fusions)
    for fusion, w in zip(fusions, weights):
        # B x N x C x 1 x 1, a softmax over the N blocks of the stage, per image and channel
        assert w.shape == (2, fusion.num_blocks, fusion.channels, 1, 1)
        assert (w >= 0).all() and torch.allclose(w.sum(dim=1), torch.ones(2, fusion.channels, 1, 1))


def _recording(depth_weights, store):
    def record(pooled):
        w = depth_weights(pooled)
        store.append(w)
        return w
    return record


@pytest.mark.parametrize('contract', [False, True])
def test_contract_dilation_only_changes_the_first_block_of_a_dilated_stage(contract):
    model = AttentionResNet(stage_blocks=(1, 1, 3, 2), base_channels=16, stem_channels=16, strides=(1, 2, 1, 1),
                            dilations=(1, 1, 2, 4), contract_dilation=contract,
                            fusion=dict(type='DepthAttentionFusion', min_channels=8))
    got = [[b.conv2.dilation[0] for b in getattr(model, f'layer{i}').blocks] for i in range(1, 5)]
    assert got == ([[1], [1], [1, 2, 2], [2, 4]] if contract else [[1], [1], [2, 2, 2], [4, 4]])


def test_undilated_layout_is_unchanged_by_the_new_option():
    torch.manual_seed(0)
    a = AttentionResNet(stage_blocks=(1, 2, 2, 1), out_indices=(0, 1, 2, 3)).eval()
    torch.manual_seed(0)
    b = AttentionResNet(stage_blocks=(1, 2, 2, 1), out_indices=(0, 1, 2, 3), contract_dilation=True).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert all(torch.equal(p, q) for p, q in zip(a(x), b(x))), 'contract_dilation is a no-op at dilation 1'


@pytest.mark.parametrize('kwargs,match', [
    (dict(dilations=(1, 1, 0, 1)), 'dilations must be positive ints'),
    (dict(strides=(1, 2, 1.5, 1)), 'strides must be positive ints'),
    (dict(dilations=(1, 2)), 'dilations must have one entry per stage'),
])
def test_bad_strides_or_dilations_name_the_option(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AttentionResNet(**kwargs)


def test_pyconv_d8_needs_its_own_strides():
    with pytest.raises(ValueError, match='PyConvResNet: strides must start with 2'):
        PyConvResNet(depth=50, strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4))
    model = PyConvResNet(depth=50, with_sda=True, strides=(2, 2, 1, 1), dilations=(1, 1, 2, 4),
                         out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        assert [tuple(o.shape) for o in model(torch.randn(2, 3, 64, 64))] == D8_SHAPES_64

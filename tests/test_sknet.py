"""SKNet: the Selective Kernel unit, SKNet-50/101, their configs and their numbers."""
import pytest
import torch

from _metafiles import metadata
from mmsda.models.backbones import SKNet
from mmsda.models.layers import SKConv
from mmsda.utils import count_params


def timm_keys_to_ours(state_dict):
    renames = (('paths.', 'branches.'), ('attn.fc_reduce.', 'fc_reduce.'), ('attn.bn.', 'bn.'),
               ('attn.fc_select.', 'fc_select.'))
    out = {}
    for key, value in state_dict.items():
        for old, new in renames:
            if key.startswith(old):
                key = new + key[len(old):]
        out[key] = value
    return out


def test_branch_weights_are_a_softmax_over_the_branches():
    sk = SKConv(64, 64, groups=32).eval()
    feats = torch.stack([b(torch.randn(2, 64, 8, 8)) for b in sk.branches], dim=1)
    weights = sk.branch_weights(feats)
    assert weights.shape == (2, 2, 64, 1, 1)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(2, 64, 1, 1))
    assert ((weights > 0) & (weights < 1)).all()


def test_branches_are_grouped_3x3_with_dilation_1_and_2_and_carry_the_stride():
    sk = SKConv(128, 128, stride=2, groups=32)
    convs = [b.conv for b in sk.branches]
    assert [c.kernel_size for c in convs] == [(3, 3), (3, 3)]
    assert [c.dilation for c in convs] == [(1, 1), (2, 2)], 'paper: the 5x5 branch is a 3x3 with dilation 2'
    assert all(c.stride == (2, 2) and c.groups == 32 for c in convs)
    assert sk(torch.randn(2, 128, 16, 16)).shape == (2, 128, 8, 8)


@pytest.mark.parametrize('channels,hidden', [(128, 32), (512, 32), (1024, 64)])
def test_fuse_width_is_max_of_c_over_16_and_32(channels, hidden):
    assert SKConv(channels, channels).hidden_channels == hidden


@pytest.mark.parametrize('stride', [1, 2])
def test_sk_unit_equals_timm_selective_kernel(stride):
    from timm.layers import SelectiveKernel
    ref = SelectiveKernel(256, 256, stride=stride, groups=32, rd_ratio=1 / 16, rd_divisor=32, split_input=False)
    ours = SKConv(256, 256, stride=stride, groups=32)
    assert count_params(ours) == count_params(ref)
    ours.load_state_dict(timm_keys_to_ours(ref.state_dict()), strict=True)
    x = torch.randn(2, 256, 14, 14)
    torch.testing.assert_close(ours.eval()(x), ref.eval()(x))


def test_every_bottleneck_uses_an_sk_unit_in_a_resnext_32x4d_layout():
    model = SKNet(depth=50)
    blocks = [b for i in range(1, 5) for b in getattr(model, f'layer{i}').blocks]
    assert len(blocks) == 16 and all(isinstance(b.conv2, SKConv) and b.norm2 is None for b in blocks)
    assert [getattr(model, f'layer{i}')[0].mid_channels for i in range(1, 5)] == [128, 256, 512, 1024]


def test_sknet50_has_the_parameters_of_timm_skresnext50():
    import timm
    assert metadata('sknet/sknet50_8xb32_in1k.py')['Parameters'] == count_params(timm.create_model('skresnext50_32x4d'))


@pytest.mark.parametrize('name,paper_params,paper_gflops', [
    ('sknet50', 27.5e6, 4.47),
    ('sknet101', 48.9e6, 8.46),
])
def test_classifier_params_and_flops_match_the_paper(name, paper_params, paper_gflops):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the paper
    meta = metadata(f'sknet/{name}_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    assert abs(params / paper_params - 1) < 0.005, f'{name}: paper {paper_params / 1e6} M'
    assert abs(macs / 1e9 / paper_gflops - 1) < 0.005, f'{name}: paper {paper_gflops} GFLOPs'



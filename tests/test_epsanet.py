"""EPSANet and SDA-EPSANet: the PSA module, the backbone, configs and numbers."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from _metafiles import metadata
from mmsda.models.backbones import EPSANet
from mmsda.models.layers import PSAModule
from mmsda.utils import count_params


class EPSANetPSA(nn.Module):
    """The PSA module of the public EPSANet code, written here from its formula: one SE module shared
    by the branches, softmax over sigmoid weights, weighted branches concatenated last first."""

    def __init__(self, channels, kernels=(3, 5, 7, 9), groups=(1, 4, 8, 16)):
        super().__init__()
        c = channels // 4
        self.convs = nn.ModuleList(nn.Conv2d(channels, c, k, padding=k // 2, groups=g, bias=False)
                                   for k, g in zip(kernels, groups))
        self.fc1, self.fc2 = nn.Conv2d(c, c // 16, 1), nn.Conv2d(c // 16, c, 1)

    def forward(self, x):
        feats = [conv(x) for conv in self.convs]
        se = [torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(f, 1))))) for f in feats]
        weights = torch.stack(se, dim=1).softmax(dim=1)
        return torch.cat([f * weights[:, i] for i, f in reversed(list(enumerate(feats)))], dim=1)


def test_branch_weights_are_a_softmax_across_the_branches():
    psa = PSAModule(64, 64).eval()
    feats = torch.stack([b(torch.randn(2, 64, 8, 8)) for b in psa.branches], dim=1)
    weights = psa.branch_weights(feats)
    assert weights.shape == (2, 4, 16, 1, 1)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(2, 16, 1, 1))


def test_branches_have_the_paper_kernels_groups_and_carry_the_stride():
    psa = PSAModule(128, 128, stride=2)
    assert [(b.kernel_size[0], b.groups, b.out_channels) for b in psa.branches] == [
        (3, 1, 32), (5, 4, 32), (7, 8, 32), (9, 16, 32)]
    assert psa(torch.randn(1, 128, 16, 16)).shape == (1, 128, 8, 8)


def test_shared_se_equals_the_public_epsanet_psa():
    ref = EPSANetPSA(256)
    ours = PSAModule(256, 256, shared_se=True)
    state = {f'branches.{i}.weight': conv.weight for i, conv in enumerate(ref.convs)}
    state.update({'se.0.weight': ref.fc1.weight, 'se.0.bias': ref.fc1.bias,
                  'se.2.weight': ref.fc2.weight, 'se.2.bias': ref.fc2.bias})
    ours.load_state_dict(state, strict=True)
    x = torch.randn(2, 256, 10, 10)
    torch.testing.assert_close(ours(x), ref(x))


def test_each_branch_has_its_own_se_module_unless_shared():
    own, shared = PSAModule(256, 256), PSAModule(256, 256, shared_se=True)
    assert count_params(own.se) == 4 * count_params(shared.se)
    feats = torch.randn(1, 4, 64, 5, 5)
    moved = feats.clone()
    moved[:, 1] += 1  # a different branch 2 must not change what the SE of branch 1 computes
    logits = [own.se[:3](f.mean(dim=(3, 4)).reshape(1, -1, 1, 1))[:, :64] for f in (feats, moved)]
    torch.testing.assert_close(logits[0], logits[1])


@pytest.mark.parametrize('kwargs,name', [
    (dict(groups=8), 'groups'),
    (dict(kernels=(3, 5, 7, 8)), 'kernels'),
    (dict(kernels=(3, 5), branch_groups=(1, 4, 8)), 'branch_groups'),
    (dict(branch_groups=(1, 4, 8, 48)), 'branch_groups'),
    (dict(reduction=0), 'reduction'),
])
def test_psa_bad_arguments_raise_clear_errors(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PSAModule(64, 64, **kwargs)


def test_every_bottleneck_uses_psa_followed_by_bn2():
    model = EPSANet(depth=50)
    blocks = [b for i in range(1, 5) for b in getattr(model, f'layer{i}').blocks]
    assert len(blocks) == 16 and all(isinstance(b.conv2, PSAModule) and b.norm2 is not None for b in blocks)


@pytest.mark.parametrize('name,paper_params,paper_gflops', [
    ('epsanet50', 22.59e6, 3.60),
    ('epsanet86', 36.67e6, 5.84),
    ('sda-epsanet86', 39.45e6, 5.85),
])
def test_classifier_params_and_flops_match_the_sda_table(name, paper_params, paper_gflops):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the paper
    meta = metadata(f'epsanet/{name}_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    assert abs(params / paper_params - 1) < 0.005, f'{name}: SDA-xNet table {paper_params / 1e6} M'
    assert abs(macs / 1e9 / paper_gflops - 1) < 0.005, f'{name}: SDA-xNet table {paper_gflops} GFLOPs'


def test_shared_se_gives_the_public_epsanet50_parameter_count():
    # EPSANet README: EPSANet-50 (small) 22.56 M; backbone + the 2048 → 1000 FC.
    params = count_params(EPSANet(depth=50, psa_cfg=dict(shared_se=True))) + 2048 * 1000 + 1000
    assert params == 22_561_715 and abs(params / 22.56e6 - 1) < 0.001, 'EPSANet README: 22.56 M'



"""DepthAttentionFusion: the efficient stage fusion equals the formula written out naively."""
import pytest
import torch

from mmsda.models.layers import DepthAttentionFusion, depth_attention_reference
from mmsda.utils import count_params


def _inputs(n, b=2, c=64, h=5, w=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, c, h, w, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(n)]


@pytest.mark.parametrize('num_blocks', [1, 2, 5])
@pytest.mark.parametrize('train', [True, False])
def test_matches_reference_outputs_and_gradients(num_blocks, train):
    torch.manual_seed(0)
    fusion = DepthAttentionFusion(64, num_blocks, reduction=16, min_channels=8).double().train(train)
    for p in fusion.parameters():  # non-trivial weights so the softmax is far from uniform
        torch.nn.init.normal_(p, std=0.5)
    zs = _inputs(num_blocks)
    out = fusion(zs)
    grads = torch.autograd.grad(out.square().sum(), zs + list(fusion.parameters()))

    zs_ref = [z.detach().clone().requires_grad_() for z in zs]
    ref = depth_attention_reference(fusion, zs_ref)
    grads_ref = torch.autograd.grad(ref.square().sum(), zs_ref + list(fusion.parameters()))

    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    for g, g_ref in zip(grads, grads_ref):
        torch.testing.assert_close(g, g_ref, rtol=1e-5, atol=1e-5)


def test_float32_matches_reference_within_1e5():
    torch.manual_seed(1)
    fusion = DepthAttentionFusion(256, 4).eval()
    zs = [torch.randn(2, 256, 8, 8) for _ in range(4)]
    torch.testing.assert_close(fusion(zs), depth_attention_reference(fusion, zs), rtol=1e-5, atol=1e-5)


def test_depth_weights_are_a_softmax_over_blocks():
    fusion = DepthAttentionFusion(32, 3, min_channels=4).eval()
    weights = fusion.depth_weights(torch.randn(2, 32, 1, 1))
    assert weights.shape == (2, 3, 32, 1, 1)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(2, 32, 1, 1))


@pytest.mark.parametrize('channels,expected', [(256, 64), (512, 64), (1024, 64), (2048, 128)])
def test_hidden_width_follows_paper(channels, expected):
    # d = max(int(C / 16), 64): 64, 64, 64, 128 for the four ResNet stages (SDA-xNet).
    assert DepthAttentionFusion(channels, 2).hidden_channels == expected


def test_parameter_count_is_squeeze_bn_and_one_projection_per_block():
    c, n, d = 256, 5, 64
    fusion = DepthAttentionFusion(c, n)
    expected = c * d + 2 * d + n * (d * c + c)
    assert count_params(fusion) == expected


@pytest.mark.parametrize('kwargs,name', [
    (dict(reduction=0), 'reduction'), (dict(reduction=-2), 'reduction'),
    (dict(min_channels=0), 'min_channels'), (dict(num_blocks=0), 'num_blocks')])
def test_bad_arguments_name_the_argument(kwargs, name):
    args = dict(channels=64, num_blocks=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        DepthAttentionFusion(**args)


def test_wrong_number_of_inputs_is_reported():
    fusion = DepthAttentionFusion(8, 3, min_channels=4)
    with pytest.raises(ValueError, match='3 blocks, got 2'):
        fusion([torch.randn(2, 8, 2, 2)] * 2)


@pytest.mark.parametrize('grad', [True, False])
def test_given_pooled_sum_and_inplace_give_the_same_output(grad):
    torch.manual_seed(2)
    fusion = DepthAttentionFusion(32, 3, min_channels=4).eval()
    zs = [torch.randn(2, 32, 4, 4) for _ in range(3)]
    expected = depth_attention_reference(fusion, zs)
    pooled = sum(fusion.pool(z) for z in zs)
    copies = [z.clone() for z in zs]
    with torch.set_grad_enabled(grad):
        out = fusion(copies, pooled, inplace=True)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    # in place only without autograd: with autograd the backward still needs every input unchanged
    assert (out.data_ptr() == copies[-1].data_ptr()) is (not grad)


def test_inputs_are_left_alone_unless_given_away():
    fusion = DepthAttentionFusion(16, 2, min_channels=4).eval()
    zs = [torch.randn(1, 16, 3, 3) for _ in range(2)]
    before = [z.clone() for z in zs]
    with torch.no_grad():
        fusion(zs)
    for z, b in zip(zs, before):
        assert torch.equal(z, b)


def test_weighted_sum_backward_passes_gradcheck():
    from mmsda.models.layers.depth_attention import _DepthWeightedSum
    g = torch.Generator().manual_seed(3)
    weights = torch.rand(2, 3, 4, 1, 1, generator=g, dtype=torch.float64, requires_grad=True)
    zs = [torch.randn(2, 4, 3, 2, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    assert torch.autograd.gradcheck(_DepthWeightedSum.apply, (weights, *zs))
    # inputs that need no gradient get none
    out = _DepthWeightedSum.apply(weights.detach(), zs[0], zs[1].detach(), zs[2])
    grads = torch.autograd.grad(out.sum(), [zs[0], zs[2]])
    torch.testing.assert_close(grads[0], weights[:, 0].detach().expand_as(zs[0]))


def test_half_precision_pooling_does_not_overflow():
    # 10 x 300 x 300 = 900k > float16's 65504: a float16 sum would be inf
    fusion = DepthAttentionFusion(4, 2, min_channels=2).eval().to(torch.bfloat16)
    zs = [torch.full((1, 4, 300, 300), 10., dtype=torch.float16) for _ in range(2)]
    pooled = fusion.pool(zs[0]) + fusion.pool(zs[1])
    assert pooled.dtype == torch.float32 and torch.isfinite(pooled).all()
    zs = [z.to(torch.bfloat16) for z in zs]
    with torch.no_grad():
        out = fusion(zs)
    assert out.dtype == torch.bfloat16 and torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), torch.full_like(out.float(), 10.))

"""mmsda's MaxPool2d: nn.MaxPool2d's results, its fast CPU path only where no gradient is needed."""
import pytest
import torch
import torch.nn as nn

from mmsda.models.backbones import SDAResNet
from mmsda.models.layers import MaxPool2d


@pytest.mark.parametrize('kwargs', [dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, stride=2, ceil_mode=True),
                                    dict(kernel_size=3, stride=1, padding=1, dilation=1)])
@pytest.mark.parametrize('mode', ['no_grad', 'inference_mode', 'no input grad'])
def test_same_values_as_nn_max_pool(kwargs, mode):
    x = torch.randn(2, 5, 17, 18)
    context = dict(no_grad=torch.no_grad, inference_mode=torch.inference_mode)
    with context.get(mode, torch.enable_grad)():
        out = MaxPool2d(**kwargs)(x)
        expected = nn.MaxPool2d(**kwargs)(x)
    assert torch.equal(out, expected)
    assert out.is_contiguous()  # the caller gets the layout it gave


def test_channels_last_and_odd_inputs_pass_through():
    pool = MaxPool2d(3, 2, 1)
    x = torch.randn(1, 4, 9, 9).contiguous(memory_format=torch.channels_last)
    assert pool(x).is_contiguous(memory_format=torch.channels_last)
    x3 = torch.randn(4, 9, 9)  # unbatched input, as nn.MaxPool2d accepts it
    assert torch.equal(pool(x3), nn.MaxPool2d(3, 2, 1)(x3))
    out, idx = MaxPool2d(3, 2, 1, return_indices=True)(torch.randn(1, 2, 8, 8))
    assert idx.dtype == torch.int64 and out.shape == idx.shape


def test_with_autograd_it_routes_gradients_as_nn_max_pool():
    # ReLU'd maps have many equal maxima (zeros): the gradient must go where nn.MaxPool2d sends it
    x = torch.randn(2, 3, 12, 12).relu().requires_grad_()
    y = torch.randn(2, 3, 6, 6)
    grad = torch.autograd.grad((MaxPool2d(3, 2, 1)(x) * y).sum(), x)[0]
    expected = torch.autograd.grad((nn.MaxPool2d(3, 2, 1)(x) * y).sum(), x)[0]
    assert torch.equal(grad, expected)


def test_backbone_eval_output_unchanged_by_the_fast_path():
    torch.manual_seed(0)
    backbone = SDAResNet(depth=26, base_channels=16, stem_channels=16).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        fast = backbone(x)
        backbone.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        plain = backbone(x)
    for a, b in zip(fast, plain):
        assert torch.equal(a, b)


def test_the_fast_path_is_taken_exactly_when_no_gradient_is_needed(monkeypatch):
    import torch.nn.modules.pooling as pooling
    layouts = []
    plain = pooling.F.max_pool2d

    def spy(x, *args, **kwargs):
        layouts.append(x.is_contiguous(memory_format=torch.channels_last))
        return plain(x, *args, **kwargs)

    monkeypatch.setattr(pooling.F, 'max_pool2d', spy)
    pool, x = MaxPool2d(3, 2, 1), torch.randn(2, 8, 10, 10)
    with torch.no_grad():
        pool(x)
    pool(x)  # input needs no gradient
    pool(x.requires_grad_())
    assert layouts == [True, True, False]

"""Parameter and multiply-add counts in the convention of the SDA-xNet tables.

The tables count **multiply-adds of convolutions and fully connected layers** (one MAC = one "FLOP").
MMEngine's ``get_model_complexity_info`` uses the same MAC unit but also counts norms, activations
and pooling (≈ +0.9 % on SDA-ResNet-86); :func:`complexity` reports both.
"""
from typing import Callable, Dict, Optional, Sequence

import torch
import torch.nn as nn


def count_params(model: nn.Module) -> int:
    """Number of parameters (all, trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def conv_linear_macs(model: nn.Module, inputs: Sequence[torch.Tensor]) -> int:
    """Multiply-adds of every convolution (also transposed) and ``nn.Linear`` call in one forward pass.

    Args:
        model (nn.Module): the model; called as ``model(*inputs)`` under ``torch.no_grad``.
        inputs (tuple): positional inputs. The batch size must be 1.

    Returns:
        int: multiply-adds per image.
    """
    total = 0

    def conv_hook(module, args, output):
        nonlocal total
        kernel = module.weight[0].numel()  # in_channels / groups × kernel elements
        total += output.numel() * kernel

    def transposed_conv_hook(module, args, output):
        nonlocal total
        # every input element is multiplied with out_channels / groups × kernel elements weights
        total += args[0].numel() * module.weight[0].numel()

    def linear_hook(module, args, output):
        nonlocal total
        total += output.numel() * module.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            handles.append(m.register_forward_hook(transposed_conv_hook))
        elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return total


def complexity(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224),
               forward: Optional[Callable[[torch.Tensor], object]] = None) -> Dict[str, int]:
    """Params and MACs of a model on one input, in both conventions.

    Args:
        model (nn.Module): model in eval mode.
        input_shape (tuple): C, H, W of the single input image.
        forward (callable, optional): ``forward(images)`` to count instead of ``model(images)``
            (e.g. a classifier's ``model(x, mode='tensor')``).

    Returns:
        dict: ``params`` (all), ``trainable_params`` (``requires_grad``; the detector tables count
        these: frozen stages are left out), ``macs`` (conv + linear), ``mmengine_flops`` (MMEngine).
    """
    from mmengine.analysis import get_model_complexity_info

    images = torch.randn(1, *input_shape)
    wrapper = _Callable(model, forward)
    macs = conv_linear_macs(wrapper, (images,))
    info = get_model_complexity_info(wrapper, inputs=(images,), show_table=False, show_arch=False)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return dict(params=count_params(model), trainable_params=trainable, macs=macs,
                mmengine_flops=info['flops'])


class _Callable(nn.Module):
    """Wrap a model and an optional forward function so counters see one ``nn.Module``."""

    def __init__(self, model, forward=None):
        super().__init__()
        self.model = model
        self._forward = forward

    def forward(self, x):
        if self._forward is None:
            return self.model(x)
        return self._forward(x)


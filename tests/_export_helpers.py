"""Weights for export tests that make every path of a network matter, at a sane output scale."""
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

#: Scale of every residual branch (its last norm's affine weights), as in trained ResNets, whose last
#: norms are small. Random deep networks at full gain amplify rounding exponentially with depth:
#: PyTorch's own float32 outputs then differ from float64 by ~1e-3, and no comparison means much.
RESIDUAL_GAIN = 0.2


@torch.no_grad()
def randomize_and_calibrate(model: nn.Module, forward, shape=(64, 64), seed=0):
    """Give a freshly built network weights like a trained one's, in place; eval mode afterwards.

    * Parameters built as constants (gates at 0, norm weights at 1, zero-initialised last convs,
      DCA connection weights ...) get uniform noise, ±0.5 (±0.2/√fan_in for conv and linear weights):
      a constant gate would hide a wrongly exported attention path.
    * Every residual branch is scaled by :data:`RESIDUAL_GAIN` (its last norm's weight and bias).
    * BatchNorm running statistics are set to the statistics of one random batch of 16 (train-mode
      forward with a cumulative average), so activations stay near unit scale through any depth and
      the outputs (logits) are O(1): an absolute tolerance then means something.

    Args:
        model (nn.Module): the network.
        forward (callable): ``forward(x)`` runs the network on a B×3×H×W tensor.
        shape (tuple): H, W of the calibration batch.
        seed (int): random seed.
    """
    generator = torch.Generator().manual_seed(seed)
    for param in model.parameters():
        if param.numel() > 0 and bool((param == param.flatten()[0]).all()):
            # a zero-initialised conv or linear layer ends a residual path (GC's transform): PyTorch's
            # default scale times the residual gain
            bound = RESIDUAL_GAIN / param[0].numel()**0.5 if param.dim() > 1 else 0.5
            param.add_((torch.rand(param.shape, generator=generator) * 2 - 1) * bound)
    for module in model.modules():
        last_norm = getattr(module, 'norm3', None)  # a residual block's last norm
        if isinstance(last_norm, _BatchNorm) and last_norm.affine:
            last_norm.weight.mul_(RESIDUAL_GAIN)
            last_norm.bias.mul_(RESIDUAL_GAIN)
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: after one batch, that batch's statistics
    model.train()
    forward(torch.randn(16, 3, *shape, generator=generator))
    model.eval()

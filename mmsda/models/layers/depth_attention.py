"""Depth attention: the stage fusion of Selective Depth Attention networks (SDA-xNet).

Guo et al., "SDA-xNet: Selective Depth Attention Networks for Adaptive Multi-scale Feature
Representation". The N blocks of a stage produce pre-activation outputs ``z_1..z_N`` (same shape
B×C×H×W, growing receptive fields). The stage output is a per-channel softmax mixture over depth::

    s   = GAP(z_1 + ... + z_N)                       B×C×1×1
    v   = ReLU(BN(Conv1x1_{C→d}(s)))                 d = max(int(C / reduction), min_channels)
    l_i = Conv1x1_{d→C}^{(i)}(v) + b_i               one C-wide projection per block
    a   = softmax_i(l)                               over the depth axis, per channel
    out = a_1·z_1 + ... + a_N·z_N                    (the stage applies the final ReLU)

Implementation notes. GAP is linear, so ``s`` is accumulated from per-block spatial sums without building
``U``; the N projections are a single ``Conv2d(d, N·C)``; the weighted sum is accumulated in place
(``addcmul_``). Only the N block outputs are kept (the weighted sum's backward needs them) — no
B×N×C×H×W stack and no copies, unlike the reference code, which concatenates the stack block by
block (O(N²) copying). :func:`depth_attention_reference` is that straightforward formulation, kept
for tests and benchmarks.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.function import once_differentiable
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmsda.registry import MODELS
from ..tracing import is_tracing
from ..typing_utils import ConfigType, OptMultiConfig
from .fallback_batch_norm import pooled_norm_cfg
from .helpers import check_positive_int, floor_reduced_channels


@MODELS.register_module()
class DepthAttentionFusion(BaseModule):
    """Fuse the N block outputs of a stage with selective depth attention.

    Args:
        channels (int): channels C of every block output.
        num_blocks (int): number of blocks N in the stage (≥ 1).
        reduction (float): r in ``d = max(int(C / r), min_channels)``. Default: 16.
        min_channels (int): L, the lower bound of the hidden width d. Default: 64.
        norm_cfg (dict): norm layer after the squeeze conv (on the pooled B×d×1×1 vector; a plain BN
            becomes :class:`FallbackBatchNorm2d`, which also trains at batch size 1). Default:
            ``dict(type='BN')``.
        act_cfg (dict): activation after that norm. Default: ``dict(type='ReLU')``.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, channels: int, num_blocks: int, reduction: float = 16, min_channels: int = 64,
                 norm_cfg: ConfigType = dict(type='BN'), act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        self.hidden_channels = floor_reduced_channels(channels, reduction, min_channels, 'DepthAttentionFusion')
        check_positive_int(num_blocks, 'num_blocks', 'DepthAttentionFusion')
        self.channels = channels
        self.num_blocks = num_blocks
        self.squeeze = nn.Conv2d(channels, self.hidden_channels, 1, bias=False)
        self.norm_name, norm = build_norm_layer(pooled_norm_cfg(norm_cfg), self.hidden_channels)
        self.add_module(self.norm_name, norm)
        self.act = build_activation_layer(act_cfg)
        # The N per-block projections d→C, stacked into one conv: output channel i·C + c is
        # block i's logit for channel c.
        self.excite = nn.Conv2d(self.hidden_channels, num_blocks * channels, 1)

    @property
    def norm(self):
        return getattr(self, self.norm_name)

    def depth_weights(self, pooled: Tensor) -> Tensor:
        """Attention weights over depth.

        Args:
            pooled (Tensor): B×C×1×1, the global average of the summed block outputs.

        Returns:
            Tensor: B×N×C×1×1, softmax-normalised over N.
        """
        hidden = self.act(self.norm(self.squeeze(pooled)))
        logits = self.excite(hidden)
        return logits.view(pooled.size(0), self.num_blocks, self.channels, 1, 1).softmax(dim=1)

    @staticmethod
    def pool(z: Tensor) -> Tensor:
        """Spatial sum of one block output (B×C×1×1); the fusion needs the sum over blocks.

        A sum, not a mean: the 1/(H·W) is applied once to the small pooled tensor, so the backward of
        each block's pooling is a broadcast view instead of a materialised B×C×H×W division. Half
        precision inputs are summed into float32 (a float16 sum over a large map overflows).
        """
        dtype = torch.float32 if z.dtype in (torch.float16, torch.bfloat16) else z.dtype
        return z.sum((2, 3), keepdim=True, dtype=dtype)

    def forward(self, zs: Sequence[Tensor], pooled: Optional[Tensor] = None, inplace: bool = False) -> Tensor:
        """Fuse block outputs.

        Args:
            zs (Sequence[Tensor]): the N pre-activation block outputs, each B×C×H×W.
            pooled (Tensor, optional): ``pool(z_1) + ... + pool(z_N)`` if the caller has it already
                (a stage accumulates it block by block, while each output is still in the cache).
            inplace (bool): the caller no longer needs ``zs``: when autograd is off, the result is
                written into ``zs[-1]`` instead of a new tensor. Default: False.

        While a tracer records (TorchScript, ONNX export) the sum is written with out-of-place ops
        only, whatever the autograd mode: the graph then has no custom autograd function and no
        aliasing, and computes the same values.

        Returns:
            Tensor: B×C×H×W weighted sum (before the stage's ReLU).
        """
        if len(zs) != self.num_blocks:
            raise ValueError(f'DepthAttentionFusion was built for {self.num_blocks} blocks, got {len(zs)}')
        if pooled is None:
            pooled = self.pool(zs[0])
            for z in zs[1:]:
                pooled = pooled + self.pool(z)
        mean = (pooled / (zs[0].size(2) * zs[0].size(3))).to(zs[0].dtype)
        weights = self.depth_weights(mean)
        if is_tracing():
            return _weighted_sum_functional(weights, zs)
        if torch.is_grad_enabled():
            return _DepthWeightedSum.apply(weights, *zs)
        return _weighted_sum(weights, zs, inplace)


def _weighted_sum(weights, zs, inplace=False):
    """``Σ_i weights[:, i] ⊙ zs[i]``, accumulated in one output (in ``zs[-1]`` if ``inplace``).

    The accumulation starts from the *last* block output: in place, the stage output then takes the
    memory allocated last, so the earlier outputs freed after the fusion leave a hole below it for the
    next stage to reuse, instead of free memory at the top of the heap, which glibc's malloc hands
    back to the kernel (and every page of it faults again on the next forward pass).
    """
    last = len(zs) - 1
    out = zs[last].mul_(weights[:, last]) if inplace else zs[last] * weights[:, last]
    for i in range(last):
        out.addcmul_(zs[i], weights[:, i])
    return out


def _weighted_sum_functional(weights, zs):
    """:func:`_weighted_sum` with out-of-place ops (the same kernels in the same order: equal values)."""
    last = len(zs) - 1
    out = zs[last] * weights[:, last]
    for i in range(last):
        out = torch.addcmul(out, zs[i], weights[:, i])
    return out


class _DepthWeightedSum(torch.autograd.Function):
    """The weighted sum over depth with a lean backward.

    Autograd's own backward of the ``addcmul_`` chain materialises ``grad ⊙ z_i`` (a B×C×H×W tensor per
    block) only to sum it over H×W for the weight gradient; here that sum is a batched dot product
    (no temporary), and each ``grad_z_i = grad ⊙ w_i`` is written once.
    """

    @staticmethod
    def forward(ctx, weights, *zs):
        ctx.save_for_backward(weights, *zs)
        return _weighted_sum(weights, zs)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        weights, *zs = ctx.saved_tensors
        grad_weights = None
        if ctx.needs_input_grad[0]:
            grad_weights = torch.stack([torch.einsum('bchw,bchw->bc', grad, z) for z in zs], dim=1)
            grad_weights = grad_weights.view_as(weights)
        grad_zs = [grad * weights[:, i] if ctx.needs_input_grad[i + 1] else None for i in range(len(zs))]
        return (grad_weights, *grad_zs)


def depth_attention_reference(fusion: 'DepthAttentionFusion', zs: Sequence[Tensor]) -> Tensor:
    """The SDA formula written out as the reference code does it (stack by concatenation).

    For tests and benchmarks only: grows a B×N×C×H×W stack with ``torch.cat`` block by block, sums
    it, and applies the N projections as N separate convolutions.

    Args:
        fusion (DepthAttentionFusion): the module whose weights are used.
        zs (Sequence[Tensor]): N tensors B×C×H×W.

    Returns:
        Tensor: B×C×H×W, equal to ``fusion(zs)``.
    """
    stack = zs[0].unsqueeze(1)
    for z in zs[1:]:
        stack = torch.cat([stack, z.unsqueeze(1)], dim=1)
    fused = stack.sum(dim=1)
    hidden = fusion.act(fusion.norm(fusion.squeeze(F.adaptive_avg_pool2d(fused, 1))))
    c = fusion.channels
    logits = [F.conv2d(hidden, fusion.excite.weight[i * c:(i + 1) * c], fusion.excite.bias[i * c:(i + 1) * c])
              for i in range(fusion.num_blocks)]
    weights = torch.stack(logits, dim=1).softmax(dim=1)
    return (stack * weights).sum(dim=1)

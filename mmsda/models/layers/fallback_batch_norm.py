"""Batch normalisation that is defined for a batch with one value per channel.

In training mode BatchNorm normalises with the statistics of the batch, and a batch with one value
per channel (``N·H·W == 1``: any norm on a pooled B×C×1×1 vector at batch size 1 — the SDA depth
attention, SK's fuse layer, ResNeSt's split attention, the SDA-xNet head's GAP → BN) has no variance:
PyTorch raises ``Expected more than 1 value per channel when training``. One image per GPU is common
for detectors and for high-resolution segmentation.

:class:`FallbackBatchNorm2d` / :class:`FallbackBatchNorm1d` are ``nn.BatchNorm2d`` / ``nn.BatchNorm1d``
with one change: such a batch is normalised with the **running statistics** (as in evaluation mode) and
the running statistics are **not updated**; the affine parameters still get gradients. Every other
batch takes PyTorch's code path unchanged, so results for batches with more than one value per channel
are bit-identical to ``nn.BatchNorm*``, and the parameter and buffer names are the same (checkpoints
load strictly either way). The first fallback logs a warning, because it changes what the layer
computes for that step.

Use them as a norm type: ``norm_cfg=dict(type='mmsda.FallbackBN2d')`` (for example in mmpretrain's or
mmdet's ``ResNeSt``, whose split attention builds its pooled-vector norm from the backbone's
``norm_cfg``). mmsda's own layers that normalise a pooled vector use :func:`pooled_norm_cfg`, which
swaps a plain ``BN`` for the fallback variant and leaves every other norm config alone.
"""
import logging

import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor

from mmsda.registry import MODELS

_warned = False


def _warn_once(layer):
    global _warned
    if not _warned:
        _warned = True
        print_log(
            f'{type(layer).__name__}: a training batch has one value per channel (batch size 1 on a '
            'pooled vector); it is normalised with the running statistics, which are not updated for '
            'such batches (as in evaluation mode). This message is shown once.',
            logger='current', level=logging.WARNING)


class _RunningStatsFallback:
    """The fallback shared by the 1d and 2d variants (mixed in before ``nn.BatchNorm*``)."""

    def forward(self, x: Tensor) -> Tensor:
        if self.training and x.dim() >= 2 and x.numel() == x.size(1):
            if self.running_mean is None:
                raise ValueError(
                    f'{type(self).__name__}({self.num_features}): a training batch has one value per '
                    f'channel (input {tuple(x.shape)}) and the layer has no running statistics to use '
                    '(track_running_stats=False); use a batch with more than one value per channel')
            _warn_once(self)
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                training=False, momentum=0.0, eps=self.eps)
        return super().forward(x)


@MODELS.register_module('FallbackBN2d')
@MODELS.register_module()
class FallbackBatchNorm2d(_RunningStatsFallback, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` that normalises a one-value-per-channel training batch with its running
    statistics (see the module docstring). Args as ``nn.BatchNorm2d``."""


@MODELS.register_module('FallbackBN1d')
@MODELS.register_module()
class FallbackBatchNorm1d(_RunningStatsFallback, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` that normalises a one-value-per-channel training batch with its running
    statistics (see the module docstring). Args as ``nn.BatchNorm1d``."""


_PLAIN_BN = {'BN': FallbackBatchNorm2d, 'BN2d': FallbackBatchNorm2d, 'BatchNorm2d': FallbackBatchNorm2d,
             nn.BatchNorm2d: FallbackBatchNorm2d, 'BN1d': FallbackBatchNorm1d,
             'BatchNorm1d': FallbackBatchNorm1d, nn.BatchNorm1d: FallbackBatchNorm1d}


def pooled_norm_cfg(norm_cfg: dict) -> dict:
    """The norm config for a layer that normalises a pooled (B×C or B×C×1×1) vector.

    Args:
        norm_cfg (dict): the norm config the layer was given.

    Returns:
        dict: a copy with a plain BatchNorm type (``BN``, ``BN2d``, ``BatchNorm2d``, ``BN1d``,
        ``BatchNorm1d`` or the ``nn`` classes) replaced by :class:`FallbackBatchNorm2d` /
        :class:`FallbackBatchNorm1d`; any other config (SyncBN, GN, LN, a custom norm) unchanged.
    """
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise TypeError(f'norm_cfg must be a dict with a "type", got {norm_cfg!r}')
    layer_type = norm_cfg['type']
    try:
        fallback = _PLAIN_BN.get(layer_type)
    except TypeError:  # an unhashable type entry: not one of ours
        fallback = None
    return norm_cfg if fallback is None else {**norm_cfg, 'type': fallback}

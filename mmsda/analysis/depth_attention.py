"""Record the depth-attention weights of every SDA stage of a model, without changing its outputs.

A :class:`~mmsda.models.layers.DepthAttentionFusion` computes its softmax weights over depth from the
N·C logits of its ``excite`` convolution (see
:meth:`~mmsda.models.layers.DepthAttentionFusion.depth_weights`). :class:`DepthAttentionRecorder`
puts a forward hook on that convolution, which takes the softmax of the detached logits (out of place):
the same numbers the fusion uses, while the model computes exactly what it computes without the hook.
"""
from dataclasses import dataclass

import torch

from mmsda.models.layers.depth_attention import DepthAttentionFusion


@dataclass(frozen=True)
class DepthAttentionStage:
    """One depth-attention fusion of a model.

    Attributes:
        name (str): module name of the fused stage (the fusion's parent), e.g. ``'backbone.layer1'``.
        num_blocks (int): number of blocks N the weights are spread over.
        channels (int): channels C (one softmax over depth per channel).
    """

    name: str
    num_blocks: int
    channels: int

    @property
    def label(self):
        """Short name for plots: the stage name without a leading ``backbone.``."""
        return self.name[len('backbone.'):] if self.name.startswith('backbone.') else self.name


def find_depth_attention(model):
    """The depth-attention fusions of a model, in module order.

    Args:
        model (nn.Module): any model.

    Returns:
        list[tuple[DepthAttentionStage, DepthAttentionFusion]]: each stage and its fusion module.
    """
    found = []
    for name, module in model.named_modules():
        if isinstance(module, DepthAttentionFusion):
            stage = name.rpartition('.')[0] or name
            found.append((DepthAttentionStage(stage, module.num_blocks, module.channels), module))
    return found


class DepthAttentionRecorder:
    """Record the softmax weights over depth of every depth-attention stage of a model.

    Use as a context manager; the hooks are removed on exit::

        with DepthAttentionRecorder(model) as recorder:
            model.extract_feat(inputs)
            weights = recorder.pop()  # {stage name: B×N×C tensor}, sums to 1 over N

    Args:
        model (nn.Module): a model with at least one
            :class:`~mmsda.models.layers.DepthAttentionFusion`.

    Raises:
        ValueError: the model has no depth attention.
    """

    def __init__(self, model):
        found = find_depth_attention(model)
        if not found:
            raise ValueError(f'{type(model).__name__} has no depth attention: no DepthAttentionFusion '
                             'module (an SDA backbone built with with_sda=False, or a plain backbone)')
        self.stages = [stage for stage, _ in found]
        self._fusions = [fusion for _, fusion in found]
        self._records = {stage.name: [] for stage in self.stages}
        self._handles = []

    def _hook(self, stage):
        def record(module, args, logits):
            # ``logits`` is B×(N·C)×1×1, block i's logit of channel c at i·C + c (see the fusion).
            weights = logits.detach().view(logits.size(0), stage.num_blocks, stage.channels)
            self._records[stage.name].append(weights.softmax(dim=1).float().cpu())
        return record

    def __enter__(self):
        for stage, fusion in zip(self.stages, self._fusions):
            self._handles.append(fusion.excite.register_forward_hook(self._hook(stage)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def pop(self):
        """The weights recorded since the last ``pop`` (all forward calls, along the batch axis).

        Returns:
            dict[str, Tensor]: stage name → B×N×C float tensor (empty B if nothing ran).
        """
        out = {}
        for stage in self.stages:
            records = self._records[stage.name]
            out[stage.name] = torch.cat(records) if records else \
                torch.empty(0, stage.num_blocks, stage.channels)
            self._records[stage.name] = []
        return out


__all__ = ['DepthAttentionStage', 'DepthAttentionRecorder', 'find_depth_attention']

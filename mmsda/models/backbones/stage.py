"""A residual stage: N blocks, a ReLU between them, and an optional fusion of all block outputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule

from ..layers.max_pool import MaxPool2d
from ..tracing import is_tracing


class ResStage(BaseModule):
    """Run residual blocks that return pre-activation outputs, then fuse (or not) and activate.

    Without fusion this is a plain ResNet stage: ``x_i = ReLU(z_i)`` and the output is ``x_N``. With a
    fusion (e.g. :class:`~mmsda.models.layers.DepthAttentionFusion`) every ``z_i`` is kept and the
    output is ``ReLU(fusion([z_1, ..., z_N]))``. A fusion that defines ``pool(z)`` is called as
    ``fusion(zs, pool(z_1) + ... + pool(z_N), inplace=True)``, each ``pool`` taken right after its
    block and ``zs`` given away. Blocks are registered as ``0, 1, ...`` so parameter names match
    mmdet/mmpretrain/torchvision ResNets (``layer1.0.conv1.weight``). If any block ``uses_context``
    (see the block contract), the stage is called as ``stage(x, context)`` and returns
    ``(x, context)``.

    Args:
        blocks (list[nn.Module]): residual blocks following the mmsda block contract.
        fusion (nn.Module, optional): module mapping the list of block outputs to one tensor.
        with_cp (bool): checkpoint each block (trade compute for memory) while training.
        init_cfg (dict | list[dict], optional): initialization config.
    """

    def __init__(self, blocks, fusion=None, with_cp=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not blocks:
            raise ValueError('ResStage needs at least one block')
        self.num_blocks = len(blocks)
        for i, block in enumerate(blocks):
            self.add_module(str(i), block)
        self.fusion = fusion
        self.with_cp = with_cp
        self.uses_context = any(getattr(b, 'uses_context', False) for b in blocks)

    @property
    def blocks(self):
        return [self._modules[str(i)] for i in range(self.num_blocks)]

    def __getitem__(self, index):
        return self.blocks[index]

    def __len__(self):
        return self.num_blocks

    def _run_block(self, block, *args):
        if self.with_cp and self.training and args[0].requires_grad:
            return cp.checkpoint(block, *args, use_reentrant=False)
        return block(*args)

    def forward(self, x, context=None):
        keep = self.fusion is not None
        # A fusion may summarise each block output as soon as it exists (``pool``), while the output
        # is still in the cache, instead of re-reading all N outputs at the end.
        pool = getattr(self.fusion, 'pool', None) if keep else None
        # Without autograd the activations can go to one reused buffer (never the stage input: the
        # caller may keep it as a feature map). Not while a tracer records: ``out=`` does not export.
        reuse = keep and not torch.is_grad_enabled() and not is_tracing()
        outputs, pooled, buffer = [], None, None
        last = self.num_blocks - 1
        for i, block in enumerate(self.blocks):
            if getattr(block, 'uses_context', False):
                z, context = self._run_block(block, x, context)
            else:
                z = self._run_block(block, x)
            if keep:
                outputs.append(z)
                if pool is not None:
                    pooled = pool(z) if pooled is None else pooled + pool(z)
                if i == last:  # the fusion replaces the last activation: nothing reads it
                    break
            if reuse and buffer is not None and buffer.shape == z.shape:
                x = torch.clamp_min(z, 0, out=buffer)
            else:
                # z must survive for the fusion, so the ReLU is only in place in a plain stage.
                x = buffer = F.relu(z, inplace=not keep)
        if keep:
            fused = self.fusion(outputs, pooled, inplace=True) if pool is not None else self.fusion(outputs)
            x = F.relu(fused, inplace=True)
        return (x, context) if self.uses_context else x


def build_shortcut(kind, in_channels, out_channels, stride, conv_cfg=None, norm_cfg=dict(type='BN')):
    """The projection shortcut of a stage's first block.

    Args:
        kind (str): ``'conv'`` (1×1 conv with stride, then norm: ResNet), ``'avgpool'`` (avg-pool, then
            1×1 conv and norm: ResNet-D) or ``'maxpool'`` (3×3/2 max-pool, then 1×1 conv and norm:
            PyConvResNet).
        in_channels (int): input channels.
        out_channels (int): output channels.
        stride (int): spatial stride.
        conv_cfg (dict, optional): conv layer config.
        norm_cfg (dict): norm layer config.

    Returns:
        nn.Sequential: the shortcut.
    """
    from mmcv.cnn import build_conv_layer, build_norm_layer
    layers = []
    conv_stride = stride
    if stride > 1 and kind == 'avgpool':
        layers.append(nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False))
        conv_stride = 1
    elif stride > 1 and kind == 'maxpool':
        layers.append(MaxPool2d(3, stride, padding=1))
        conv_stride = 1
    elif kind not in ('conv', 'avgpool', 'maxpool'):
        raise ValueError(f"shortcut must be 'conv', 'avgpool' or 'maxpool', got {kind!r}")
    layers.append(build_conv_layer(conv_cfg, in_channels, out_channels, 1, stride=conv_stride, bias=False))
    layers.append(build_norm_layer(norm_cfg, out_channels)[1])
    return nn.Sequential(*layers)

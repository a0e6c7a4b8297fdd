"""AttentionResNet: stem + residual stages, with a block type, a block attention and a stage fusion.

"SDA-xNet" = any residual block × any attention plug-in × depth-attention fusion of each stage. This
one class expresses all of them; the registered models (``SDAResNet`` ...) are presets of it.
"""
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init
from torch.nn.modules.batchnorm import _BatchNorm

from mmsda.registry import MODELS
from ..blocks.base import STYLES
from ..builder import build_module, module_class
from ..layers.helpers import check_choice
from ..layers.max_pool import MaxPool2d
from .stage import ResStage, build_shortcut


def _as_cfg(cfg, name):
    if isinstance(cfg, str):
        return dict(type=cfg)
    if cfg is not None and not (isinstance(cfg, dict) and 'type' in cfg):
        raise TypeError(f'{name} must be a type name or a config dict with "type", got {cfg!r}')
    return cfg


@MODELS.register_module()
class AttentionResNet(BaseModule):
    """A ResNet whose block, block attention and stage fusion are configurable.

    The ``out_indices``/``frozen_stages``/``norm_eval``/``with_cp``/``style``/``init_cfg`` options
    behave as in mmdet's and mmpretrain's ``ResNet``; freezing a stage also freezes its fusion.

    Args:
        stage_blocks (Sequence[int]): number of blocks per stage, e.g. ``(5, 6, 12, 5)``.
        block (str | dict): block type or config (any block of :mod:`mmsda.models.blocks`), extra keys
            are passed to every block (e.g. ``dict(type='Bottleneck', groups=8)``).
        stage_block_cfgs (Sequence[dict], optional): per-stage overrides merged into ``block``
            (e.g. the per-stage kernels of PyConv).
        attention (dict, optional): block attention config (e.g. ``dict(type='SELayer')``), passed to
            every block as ``attention``. An attention class with ``uses_context = True`` (DCANet) is
            also given ``context_channels``: the previous block's output channels, None for the first
            block (the stem hands no context).
        fusion (dict, optional): stage fusion config, e.g. ``dict(type='DepthAttentionFusion',
            reduction=16, min_channels=64)``; built per stage with ``channels`` and ``num_blocks``.
            None: the stage returns its last block's activation (plain ResNet).
        in_channels (int): input image channels. Default: 3.
        stem_channels (int): channels of the 7×7 stem conv. Default: 64.
        base_channels (int): ``planes`` of the first stage (doubled per stage). Default: 64.
        stem_pool (bool): 3×3/2 max-pool after the stem. Default: True.
        strides (Sequence[int]): stride of each stage's first block. Default: ``(1, 2, 2, 2)``.
        dilations (Sequence[int]): dilation of each stage. Default: ``(1, 1, 1, 1)``. With strides
            ``(1, 2, 1, 1)`` and dilations ``(1, 1, 2, 4)`` the output stride is 8 (the ``-d8``
            backbones of semantic segmentation); a depth-attention fusion then mixes the blocks of a
            dilated stage as it does any other (they all keep the stage's resolution).
        contract_dilation (bool): the first block of a stage with dilation d > 1 uses d // 2, as
            mmseg's ``ResNetV1c(contract_dilation=True)`` of its ``-d8`` configs. Default: False.
        shortcut (str): projection shortcut kind, ``'conv'``, ``'avgpool'`` or ``'maxpool'``.
        out_indices (Sequence[int]): stages whose outputs are returned. Default: ``(3,)``.
        style (str): ``'pytorch'`` (stride on the 3×3) or ``'caffe'`` (stride on the first 1×1).
        frozen_stages (int): freeze the stem (≥ 0) and stages 1..frozen_stages; -1 freezes nothing.
        conv_cfg (dict, optional): conv layer config.
        norm_cfg (dict): norm layer config. Default: ``dict(type='BN', requires_grad=True)``.
        norm_eval (bool): keep BatchNorm layers in eval mode while training. Default: False.
        with_cp (bool): gradient checkpointing per block. Default: False.
        zero_init_residual (bool): zero the last norm of every block at init. Default: False.
        init_cfg (dict | list[dict], optional): initialization config (e.g. ``Pretrained``). None:
            Kaiming-normal (fan_out) convs and unit norms, as the SDA-xNet reference code.
    """

    def __init__(self, stage_blocks=(3, 4, 6, 3), block='Bottleneck', stage_block_cfgs=None,
                 attention=None, fusion=None, in_channels=3, stem_channels=64, base_channels=64,
                 stem_pool=True, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), contract_dilation=False,
                 shortcut='conv', out_indices=(3,), style='pytorch', frozen_stages=-1, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, with_cp=False,
                 zero_init_residual=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        owner = type(self).__name__  # the class the user's config names, in every message
        stage_blocks = tuple(stage_blocks)
        num_stages = len(stage_blocks)
        if num_stages < 1 or any(not isinstance(n, int) or n < 1 for n in stage_blocks):
            raise ValueError(f'{owner}: stage_blocks must be positive ints, got {stage_blocks}')
        for name, value in (('strides', strides), ('dilations', dilations)):
            if len(value) != num_stages:
                raise ValueError(f'{owner}: {name} must have one entry per stage ({num_stages}), '
                                 f'got {tuple(value)}')
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
                raise ValueError(f'{owner}: {name} must be positive ints, got {tuple(value)}')
        out_indices = tuple(out_indices)
        if not out_indices or any(not isinstance(i, int) or not 0 <= i < num_stages for i in out_indices):
            raise ValueError(f'{owner}: out_indices must be a non-empty tuple of stage indices in '
                             f'0..{num_stages - 1}, got {out_indices}')
        if not isinstance(frozen_stages, int) or not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'{owner}: frozen_stages must be an int in -1..{num_stages}, got {frozen_stages!r}')
        check_choice(owner, 'style', style, STYLES)  # (the shortcut kind is checked where it is built)
        if isinstance(norm_cfg, dict) and norm_cfg.get('type') == 'GN' and 'num_groups' not in norm_cfg:
            raise ValueError(f'{owner}: norm_cfg of type GN needs num_groups, got {norm_cfg}')
        block = _as_cfg(block, 'block')
        attention = _as_cfg(attention, 'attention')
        fusion = _as_cfg(fusion, 'fusion')
        if stage_block_cfgs is not None and len(stage_block_cfgs) != num_stages:
            raise ValueError(f'{owner}: stage_block_cfgs must have one dict per stage ({num_stages}), '
                             f'got {len(stage_block_cfgs)}')

        self.stage_blocks = stage_blocks
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.zero_init_residual = zero_init_residual

        self.conv1 = build_conv_layer(conv_cfg, in_channels, stem_channels, 7, stride=2, padding=3, bias=False)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = MaxPool2d(3, stride=2, padding=1) if stem_pool else None

        self.res_layers = []
        channels = stem_channels
        context_channels = None  # the stem hands no attention context to the first block
        attention_cls = None if attention is None else module_class(attention['type'])
        if attention_cls is not None:  # looked up once; the blocks build the class (unknown names: by name)
            attention = dict(attention, type=attention_cls)
        uses_context = getattr(attention_cls, 'uses_context', False)  # told the width of its context
        for i, num_blocks in enumerate(stage_blocks):
            block_cfg = dict(block, **(stage_block_cfgs[i] if stage_block_cfgs else {}))
            block_cls = self._block_class(block_cfg)
            block_cfg = dict(block_cfg, type=block_cls)  # built from the class looked up
            out_channels = base_channels * 2**i * block_cls.expansion
            blocks = []
            for j in range(num_blocks):
                stride = strides[i] if j == 0 else 1
                dilation = dilations[i] // 2 if j == 0 and contract_dilation and dilations[i] > 1 \
                    else dilations[i]
                downsample = None
                if j == 0 and (stride != 1 or channels != out_channels):
                    downsample = build_shortcut(shortcut, channels, out_channels, stride, conv_cfg, norm_cfg)
                blocks.append(build_module(
                    block_cfg, in_channels=channels if j == 0 else out_channels, out_channels=out_channels,
                    stride=stride, dilation=dilation, downsample=downsample, style=style,
                    attention=dict(attention, context_channels=context_channels) if uses_context else attention,
                    conv_cfg=conv_cfg, norm_cfg=norm_cfg))
                context_channels = out_channels
            stage_fusion = None
            if fusion is not None:
                stage_fusion = build_module(dict(dict(norm_cfg=norm_cfg), **fusion),
                                            channels=out_channels, num_blocks=num_blocks)
            layer_name = f'layer{i + 1}'
            self.add_module(layer_name, ResStage(blocks, stage_fusion, with_cp=with_cp))
            self.res_layers.append(layer_name)
            channels = out_channels
        self.feat_dim = channels
        self._freeze_stages()

    @staticmethod
    def _block_class(block_cfg):
        block_cls = module_class(block_cfg['type'])
        if block_cls is None or not hasattr(block_cls, 'expansion'):
            raise ValueError(f'block type {block_cfg["type"]!r} is not a registered mmsda block '
                             '(a block class needs an "expansion" attribute)')
        return block_cls

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _freeze_stages(self):
        frozen = []
        if self.frozen_stages >= 0:
            frozen += [self.conv1, self.norm1]
        frozen += [getattr(self, f'layer{i}') for i in range(1, self.frozen_stages + 1)]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def init_weights(self):
        if self.init_cfg is None:
            # The SDA-xNet reference init: Kaiming-normal (fan_out) convs, biases left at PyTorch's
            # default, norms at weight 1 / bias 0. Modules with their own init_weights run after this.
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                elif isinstance(m, (_BatchNorm, nn.GroupNorm)) and m.affine:
                    constant_init(m, 1)
        super().init_weights()
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if self.zero_init_residual and not pretrained:
            for m in self.modules():
                last_norm = getattr(m, 'last_norm', None)
                if isinstance(last_norm, nn.Module):
                    constant_init(last_norm, 0)

    def forward(self, x):
        """B×3×H×W → tuple of the stage outputs in ``out_indices`` (B×C_k×H/2^(k+2)×W/2^(k+2))."""
        x = self.relu(self.norm1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        outs = []
        context = None  # threaded through blocks that use it (deep-connected attention)
        for i, layer_name in enumerate(self.res_layers):
            layer = getattr(self, layer_name)
            if layer.uses_context:
                x, context = layer(x, context)
            else:
                x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


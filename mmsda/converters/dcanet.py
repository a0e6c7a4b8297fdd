"""Convert official DCANet checkpoints (13952522076/DCANet, mirrored as ma-xu/DCANet) to mmsda's layout.

The official ImageNet classifiers ``dca_se_resnet*``, ``dca_cbam_resnet50`` and ``dca_gc_resnet*`` are
torchvision-style ResNets (``conv1, bn1, layer{k}.{i}.<block>, fc``; training checkpoints hold
``{'state_dict': ...}`` of an apex/DDP model, ``module.`` prefix) with the attention of each block
under ``se``, ``cbam`` or ``rgc``. mmsda puts it under ``attention`` (see the tables below).

The official code also builds the connection layers (matcher, mix) in the network's first block
(``layer1.0``), which never receives a context (the stem hands None), so they are never used; mmsda
does not build them and the converter drops them (returned separately).
"""
import collections
import re
from typing import List, Mapping, Tuple

import torch

from .keys import StateDict, strip_prefix

_BLOCK_KEY = re.compile(r'^(layer\d+\.\d+)\.(se|cbam|rgc)\.(.+)$')


def _flat(value):
    # a 1×1 conv weight (C_out×C_in×1×1) → linear weight; LayerNorm([C, 1, 1]) weight/bias → (C,)
    return value.flatten(1) if value.dim() == 4 else value.flatten()


# (official tail pattern, mmsda tail under ``attention.``, tensor transform) per attention kind
_RULES = {
    'se': [(r'fc\.0\.(.+)', r'fc1.\1', None), (r'fc\.2\.(.+)', r'fc2.\1', None),
           (r'conv\.0\.(.+)', r'mix.conv.\1', None), (r'conv\.1\.(.+)', r'mix.norm.\1', None),
           (r'att_fc\.([01])\.(.+)', r'matcher.\1.\2', None)],
    'cbam': [(r'ChannelGate\.mlp\.1\.(.+)', r'channel_attention.fc1.\1', None),
             (r'ChannelGate\.mlp\.3\.(.+)', r'channel_attention.fc2.\1', None),
             (r'ChannelGate\.att_fc\.([01])\.(.+)', r'channel_attention.matcher.\1.\2', None),
             (r'ChannelGate\.alpha\.0\.(.+)', r'channel_attention.mix.conv.\1', None),
             (r'ChannelGate\.alpha\.1\.(.+)', r'channel_attention.mix.norm.\1', None),
             (r'SpatialGate\.spatial\.conv\.(.+)', r'spatial_attention.conv.\1', None),
             (r'SpatialGate\.spatial\.bn\.(.+)', r'spatial_attention.norm.\1', None),
             (r'SpatialGate\.p1', r'spatial_attention.current_weight', None),
             (r'SpatialGate\.p2', r'spatial_attention.context_weight', None),
             (r'SpatialGate\.bnrelu\.0\.(.+)', r'spatial_attention.mix_norm.\1', None)],
    'gc': [(r'(conv_mask\..+)', r'\1', None), (r'(channel_add_conv\..+)', r'\1', None),
           (r'att_fc\.([013])\.(.+)', r'matcher.\1.\2', _flat),  # 1×1 convs / LN on C×1×1 → linear / LN
           (r'weight', r'context_weight', None)],
}
_KIND = {'se': 'se', 'cbam': 'cbam', 'rgc': 'gc'}
_CONNECTION = re.compile(r'(^|\.)(matcher\.|mix\.|mix_norm\.|current_weight$|context_weight$)')


def detect_attention_type(state_dict: Mapping[str, torch.Tensor]) -> str:
    """``'se'``, ``'cbam'`` or ``'gc'``: the attention of an official DCANet state dict."""
    kinds = {_KIND[m.group(2)] for m in map(_BLOCK_KEY.match, state_dict) if m}
    if len(kinds) != 1:
        raise ValueError(f'not an official DCA-ResNet state dict: attention kinds found {sorted(kinds)}')
    return kinds.pop()


def _rename_attention(kind, tail, value):
    for pattern, repl, transform in _RULES[kind]:
        match = re.fullmatch(pattern, tail)
        if match:
            return match.expand(repl), value if transform is None else transform(value)
    raise KeyError(f'unexpected official DCA-{kind.upper()} parameter {tail!r}')


def convert_dcanet_classifier(state_dict: Mapping[str, torch.Tensor]) -> Tuple[StateDict, str, List[str]]:
    """Official DCA-ResNet ImageNet classifier → mmpretrain ``ImageClassifier`` with ``mmsda.DCAResNet``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix.

    Returns:
        tuple[OrderedDict, str, list[str]]: keys ``backbone.*``/``head.fc.*``, the attention type
        (the ``attention_type`` of :class:`DCAResNet`), and the dropped official keys (the unused
        connection layers of ``layer1.0``).
    """
    state_dict = strip_prefix(state_dict)
    kind = detect_attention_type(state_dict)
    out, dropped = collections.OrderedDict(), []
    for key, value in state_dict.items():
        match = _BLOCK_KEY.match(key)
        if match:
            block, _, tail = match.groups()
            tail, value = _rename_attention(kind, tail, value)
            if block == 'layer1.0' and _CONNECTION.search(tail):
                dropped.append(key)
                continue
            out[f'backbone.{block}.attention.{tail}'] = value
        elif key.split('.')[0] in ('conv1', 'bn1') or key.startswith('layer'):
            out['backbone.' + key] = value
        elif key.startswith('fc.'):
            out['head.' + key] = value
        else:
            raise KeyError(f'unexpected key {key!r} in an official DCANet classifier checkpoint')
    return out, kind, dropped

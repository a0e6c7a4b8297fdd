"""Convert official SA-Net checkpoints (wofmanaf/SA-Net) to mmsda's parameter layout.

The official ImageNet classifiers (``sa_resnet50/101``) are torchvision-style ResNets: ``conv1, bn1,
layer{k}.{i}.{conv1..3, bn1..3, downsample.0/1}, fc``, with the shuffle attention of each bottleneck
under ``layer{k}.{i}.sa``: ``cweight, cbias, sweight, sbias`` and ``gn``. Training checkpoints are
``{'state_dict': ...}`` of a ``DataParallel`` model (``module.`` prefix). mmsda names the backbone
``backbone.*`` (same block names, the attention under ``attention`` with descriptive parameter names)
and the classifier ``head.fc``.
"""
import collections
import re
from typing import Mapping, Tuple

import torch

from .keys import StateDict, strip_prefix

_SA_PARAM = {'cweight': 'channel_weight', 'cbias': 'channel_bias', 'sweight': 'spatial_weight',
             'sbias': 'spatial_bias'}
_SA_KEY = re.compile(r'^(layer\d+\.\d+)\.sa\.(.+)$')


def _rename_sa(key):
    match = _SA_KEY.match(key)
    if match is None:
        return key
    block, tail = match.groups()
    if tail.startswith('gn.'):
        return f'{block}.attention.norm.{tail[len("gn."):]}'
    if tail in _SA_PARAM:
        return f'{block}.attention.{_SA_PARAM[tail]}'
    raise KeyError(f'unexpected official SA-Net attention parameter {key!r}')


def convert_sanet_backbone(state_dict: Mapping[str, torch.Tensor]) -> Tuple[StateDict, StateDict]:
    """Official SA-ResNet backbone keys (no prefix) → :class:`mmsda.SANet` keys.

    Args:
        state_dict (dict): keys such as ``layer1.0.sa.cweight``.

    Returns:
        tuple[OrderedDict, OrderedDict]: converted backbone weights, and the other keys (e.g. ``fc.*``).
    """
    backbone, rest = collections.OrderedDict(), collections.OrderedDict()
    for key, value in state_dict.items():
        if key.split('.')[0] in ('conv1', 'bn1') or key.startswith('layer'):
            backbone[_rename_sa(key)] = value
        else:
            rest[key] = value
    return backbone, rest


def convert_sanet_classifier(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official SA-Net ImageNet classifier → mmpretrain ``ImageClassifier`` with ``mmsda.SANet``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix of ``DataParallel``.

    Returns:
        OrderedDict: keys ``backbone.*`` and ``head.fc.*``.
    """
    state_dict = strip_prefix(state_dict)
    backbone, rest = convert_sanet_backbone(state_dict)
    out = collections.OrderedDict(('backbone.' + k, v) for k, v in backbone.items())
    for key, value in rest.items():
        if not key.startswith('fc.'):
            raise KeyError(f'unexpected key {key!r} in an official SA-Net classifier checkpoint')
        out['head.' + key] = value
    return out

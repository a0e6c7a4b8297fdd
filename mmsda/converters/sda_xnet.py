"""Convert official SDA-xNet checkpoints to mmsda's parameter layout.

Official classification checkpoints (SDA-ResNet, from the SDA-xNet repository) name parameters
``conv1, bn1, stage{k}.layers.{i}.<block>, stage{k}.fc.0`` (squeeze conv), ``stage{k}.fc.1`` (its
BN), ``stage{k}.fcs.{i}`` (one d→C conv per block), ``bn2`` (head BN) and ``fc``; the official
mmdet 2.x detector (``SdaNet``) uses the same names under ``backbone.``. mmsda names them
``backbone.layer{k}.{i}.<block>``, ``backbone.layer{k}.fusion.{squeeze,bn,excite}`` (the per-block
convs stacked into one), ``neck.bn`` and ``head.fc``; detector necks and heads keep their names
(mmdet 2.x and 3.x agree on FPN, RPN and RoI head parameters).
"""
import collections
import re
from typing import Mapping, Tuple

import torch

from .keys import StateDict, strip_prefix

_STAGE = re.compile(r'^stage(\d+)\.(.*)$')


def convert_sda_backbone(state_dict: Mapping[str, torch.Tensor]) -> Tuple[StateDict, StateDict]:
    """Map the official backbone keys (no ``module.``/``backbone.`` prefix) to mmsda backbone keys.

    Args:
        state_dict (dict): official keys such as ``stage1.layers.0.conv1.weight``.

    Returns:
        tuple[OrderedDict, OrderedDict]: converted backbone weights, and the keys that are not part of
        the official backbone (left for the caller).
    """
    backbone, rest = collections.OrderedDict(), collections.OrderedDict()
    excite = collections.defaultdict(dict)  # (stage, 'weight'|'bias') -> {block index: tensor}
    for key, value in state_dict.items():
        match = _STAGE.match(key)
        if match is None:
            if key.split('.')[0] in ('conv1', 'bn1'):
                backbone[key] = value
            else:
                rest[key] = value
            continue
        stage, tail = match.groups()
        layer = f'layer{stage}'
        if tail.startswith('layers.'):
            backbone[f'{layer}.{tail[len("layers."):]}'] = value
        elif tail.startswith('fc.0.'):
            backbone[f'{layer}.fusion.squeeze.{tail[len("fc.0."):]}'] = value
        elif tail.startswith('fc.1.'):
            backbone[f'{layer}.fusion.bn.{tail[len("fc.1."):]}'] = value
        elif tail.startswith('fcs.'):
            index, param = tail[len('fcs.'):].split('.', 1)
            excite[(layer, param)][int(index)] = value
        else:
            raise KeyError(f'unexpected official SDA parameter {key!r}')
    for (layer, param), per_block in sorted(excite.items()):
        blocks = [per_block[i] for i in range(len(per_block))]
        backbone[f'{layer}.fusion.excite.{param}'] = torch.cat(blocks, dim=0)
    return backbone, rest


def convert_sda_classifier(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official SDA-xNet ImageNet classifier → mmpretrain ``ImageClassifier`` with ``PoolNormNeck``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix of ``DataParallel``.

    Returns:
        OrderedDict: keys ``backbone.*``, ``neck.bn.*``, ``head.fc.*``.
    """
    backbone, rest = convert_sda_backbone(strip_prefix(state_dict))
    out = collections.OrderedDict(('backbone.' + k, v) for k, v in backbone.items())
    for key, value in rest.items():
        if key.startswith('bn2.'):
            out['neck.bn.' + key[len('bn2.'):]] = value
        elif key.startswith('fc.'):
            out['head.' + key] = value
        else:
            raise KeyError(f'unexpected key {key!r} in an official SDA-xNet classifier checkpoint')
    return out


def convert_sda_detector(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official mmdet 2.x ``SdaNet`` detector → mmdet 3.x detector with ``mmsda.SDAResNet``.

    Args:
        state_dict (dict): the checkpoint's ``state_dict`` (keys ``backbone.*``, ``neck.*`` ...).

    Returns:
        OrderedDict: converted weights; non-backbone keys are kept as they are.
    """
    state_dict = strip_prefix(state_dict)
    backbone_in = collections.OrderedDict(
        (k[len('backbone.'):], v) for k, v in state_dict.items() if k.startswith('backbone.'))
    backbone, rest = convert_sda_backbone(backbone_in)
    if rest:
        raise KeyError(f'unexpected backbone keys in an official SdaNet checkpoint: {sorted(rest)[:5]}')
    out = collections.OrderedDict(('backbone.' + k, v) for k, v in backbone.items())
    out.update((k, v) for k, v in state_dict.items() if not k.startswith('backbone.'))
    return out

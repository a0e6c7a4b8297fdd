"""Convert official SDA-SENet checkpoints to mmsda's parameter layout (``mmsda.SEResNet``, SDA).

The official SDA-SENet code (``SDA-SENet/models/senet/se_resnet_at.py`` and the mmdet 2.x
``Sda_SENet``) names everything as SDA-ResNet does (see :mod:`mmsda.converters.sda_xnet`) plus the
SE layer of each bottleneck: ``stage{k}.layers.{i}.fc1`` / ``fc2`` (``nn.Linear`` with bias, C → C/16
→ C). mmsda puts the SE layer at the block's plug-in point: ``layer{k}.{i}.attention.fc1`` / ``fc2``
(also ``nn.Linear``, so the tensors are used as they are).
"""
import collections
import re
from typing import Mapping

import torch

from .keys import StateDict
from .sda_xnet import convert_sda_classifier, convert_sda_detector

# backbone.layer{k}.{i}.fc{1,2}.{weight,bias} after the SDA-ResNet mapping
_SE_KEY = re.compile(r'^(backbone\.layer\d+\.\d+\.)(fc[12]\.(?:weight|bias))$')


def _move_se_into_attention(state_dict):
    out = collections.OrderedDict()
    for key, value in state_dict.items():
        match = _SE_KEY.match(key)
        out[f'{match.group(1)}attention.{match.group(2)}' if match else key] = value
    return out


def convert_sda_senet_classifier(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official SDA-SENet ImageNet classifier → mmpretrain ``ImageClassifier`` with ``mmsda.SEResNet``
    (``with_sda=True``) and the ``PoolNormNeck`` head of ``configs/senet/sda-seresnet86_8xb32_in1k.py``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix of ``DataParallel``.

    Returns:
        OrderedDict: keys ``backbone.*``, ``neck.bn.*``, ``head.fc.*``.
    """
    return _move_se_into_attention(convert_sda_classifier(state_dict))


def convert_sda_senet_detector(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official mmdet 2.x ``Sda_SENet`` detector → mmdet 3.x detector with ``mmsda.SEResNet``.

    Args:
        state_dict (dict): the checkpoint's ``state_dict`` (keys ``backbone.*``, ``neck.*`` ...).

    Returns:
        OrderedDict: converted weights; non-backbone keys are kept as they are.
    """
    return _move_se_into_attention(convert_sda_detector(state_dict))

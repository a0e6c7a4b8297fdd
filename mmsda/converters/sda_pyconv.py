"""Convert official SDA-PyConv checkpoints to mmsda's parameter layout (``mmsda.PyConvResNet``, SDA).

The official SDA-PyConv classifier (``SDA-PyConv/models/resnet_pyconv/resnet_pyconv_at.py``) names
the network as SDA-ResNet does (see :mod:`mmsda.converters.sda_xnet`); its shortcuts are
``downsample.{0: max-pool, 1: conv, 2: BN}``, as mmsda's ``shortcut='maxpool'``. Only the pyramidal
conv differs: the official block holds ``conv2.conv2_{l}`` (l = 1..4) in stages with several levels
and a plain ``conv2`` in stage 4; mmsda's :class:`~mmsda.models.layers.PyConv` names its levels
``conv2.levels.{l-1}`` in every stage.
"""
import collections
import re
from typing import Mapping

import torch

from .keys import StateDict
from .sda_xnet import convert_sda_classifier

_LEVEL_KEY = re.compile(r'^(backbone\.layer\d+\.\d+\.conv2\.)(?:conv2_(\d+)\.)?weight$')


def _pyconv_levels(state_dict):
    out = collections.OrderedDict()
    for key, value in state_dict.items():
        match = _LEVEL_KEY.match(key)
        if match:
            level = int(match.group(2) or 1) - 1  # a plain conv2 is the one level of stage 4
            key = f'{match.group(1)}levels.{level}.weight'
        out[key] = value
    return out


def convert_sda_pyconv_classifier(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official SDA-PyConv ImageNet classifier → mmpretrain ``ImageClassifier`` with
    ``mmsda.PyConvResNet`` (``with_sda=True``) and the ``PoolNormNeck`` head of
    ``configs/pyconv/sda-pyconvresnet86_8xb32_in1k.py``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix of ``DataParallel``.

    Returns:
        OrderedDict: keys ``backbone.*``, ``neck.bn.*``, ``head.fc.*``.
    """
    return _pyconv_levels(convert_sda_classifier(state_dict))

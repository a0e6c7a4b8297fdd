"""Convert official SDA-Res2Net checkpoints to mmsda's parameter layout (``mmsda.Res2Net``, SDA).

The official SDA-Res2Net classifier (``SDA-Res2Net/models/res2net/res2net_at.py``) and the mmdet 2.x
backbone ``Sda_Res2Net`` (``mmdetection/mmdet/models/backbones/sda_res2net.py``) name everything as
SDA-ResNet does (``conv1, bn1, stage{k}.layers.{i}.<block>, stage{k}.fc.{0,1}, stage{k}.fcs.{i}``,
``bn2``, ``fc``; see :mod:`mmsda.converters.sda_xnet`), and their Bottle2neck blocks use the names of
:class:`~mmsda.models.blocks.Bottle2neck` (``conv1, bn1, convs.j, bns.j, conv3, bn3, downsample.{0,1}``;
the ``'stage'`` average pool has no parameters). So the SDA-ResNet mapping converts them as they are;
these functions name that fact and check that the result is a Res2Net layout.
"""
import re
from typing import Mapping

import torch

from .keys import StateDict
from .sda_xnet import convert_sda_classifier, convert_sda_detector

_BLOCK_KEY = re.compile(r'^backbone\.layer\d+\.\d+\.(\w+)\.')
_RES2NET_PARTS = {'conv1', 'bn1', 'convs', 'bns', 'conv3', 'bn3', 'downsample'}


def _check_res2net(state_dict):
    parts = {m.group(1) for m in map(_BLOCK_KEY.match, state_dict) if m}
    if 'convs' not in parts or not parts <= _RES2NET_PARTS:
        raise KeyError(f'not an SDA-Res2Net checkpoint: its blocks hold {sorted(parts)}, expected '
                       f'{sorted(_RES2NET_PARTS)}')
    return state_dict


def convert_sda_res2net_classifier(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official SDA-Res2Net ImageNet classifier → mmpretrain ``ImageClassifier`` with ``mmsda.Res2Net``
    (``with_sda=True``) and the ``PoolNormNeck`` head of ``configs/res2net/sda-res2net86_8xb32_in1k.py``.

    Args:
        state_dict (dict): official weights, with or without the ``module.`` prefix of ``DataParallel``.

    Returns:
        OrderedDict: keys ``backbone.*``, ``neck.bn.*``, ``head.fc.*``.
    """
    return _check_res2net(convert_sda_classifier(state_dict))


def convert_sda_res2net_detector(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Official mmdet 2.x ``Sda_Res2Net`` detector → mmdet 3.x detector with ``mmsda.Res2Net``.

    Args:
        state_dict (dict): the checkpoint's ``state_dict`` (keys ``backbone.*``, ``neck.*`` ...).

    Returns:
        OrderedDict: converted weights; non-backbone keys are kept as they are.
    """
    return _check_res2net(convert_sda_detector(state_dict))

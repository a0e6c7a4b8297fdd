"""Key handling and the weight-dict type shared by the checkpoint converters."""
import collections
from typing import Dict, Mapping, TypeVar

import torch

#: Weights by parameter/buffer name, as ``Module.state_dict()`` returns them.
StateDict = Dict[str, torch.Tensor]

V = TypeVar('V')


def strip_prefix(state_dict: Mapping[str, V], prefix: str = 'module.') -> Dict[str, V]:
    """Drop ``prefix`` from the keys that start with it (e.g. ``module.`` of ``nn.DataParallel``).

    Args:
        state_dict (Mapping[str, V]): weights.
        prefix (str): the prefix to remove. Default: ``'module.'``.

    Returns:
        OrderedDict[str, V]: the same values in the same order; other keys are kept as they are.
    """
    return collections.OrderedDict(
        (k[len(prefix):] if k.startswith(prefix) else k, v) for k, v in state_dict.items())

"""Small rules the layers share: hidden widths, argument checks and the multi-kernel conv branches.

As timm's ``make_divisible`` / ``rd_*`` helpers: one place for the width rules, so that every layer
states which rule it follows instead of writing it out again.

* :func:`reduced_channels`: ``round(C / r)`` (≥ 1), the SE / CBAM / DCA convention;
* :func:`floor_reduced_channels`: ``max(int(C / r), L)``, the SK / depth-attention / PSA convention.
"""
from typing import Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import build_conv_layer


def _owner(owner: Optional[str]) -> str:
    return f'{owner}: ' if owner else ''


def check_reduction(reduction, owner: Optional[str] = None, integer: bool = False) -> None:
    """Raise ``ValueError`` unless ``reduction`` is a number > 0 (a positive int if ``integer``).

    Args:
        reduction: the value to check.
        owner (str, optional): the class whose argument it is, named in the message.
        integer (bool): only positive ints are allowed (a floor division follows). Default: False.
    """
    if integer:
        if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
            raise ValueError(f'{_owner(owner)}reduction must be a positive int, got {reduction!r}')
    elif isinstance(reduction, bool) or not isinstance(reduction, (int, float)) or reduction <= 0:
        raise ValueError(f'{_owner(owner)}reduction must be a number > 0, got {reduction!r}')


def check_positive_int(value, name: str, owner: Optional[str] = None) -> None:
    """Raise ``ValueError`` unless ``value`` is an int ≥ 1 (``name`` is the argument's name)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{_owner(owner)}{name} must be an int ≥ 1, got {value!r}')


def check_choice(owner: str, name: str, value, allowed: Sequence) -> None:
    """Raise ``ValueError`` naming ``owner``'s argument ``name`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f'{owner}: {name} must be one of {list(allowed)}, got {value!r}')


def reduced_channels(in_channels: int, reduction: float, hidden_channels: Optional[int] = None) -> int:
    """Width of an attention bottleneck: ``hidden_channels`` if given, else ``round(C / r)`` (≥ 1).

    Args:
        in_channels (int): C.
        reduction (float): r.
        hidden_channels (int, optional): an explicit width.

    Returns:
        int: the bottleneck width.
    """
    if not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f'in_channels must be a positive int, got {in_channels!r}')
    if hidden_channels is not None:
        if not isinstance(hidden_channels, int) or hidden_channels < 1:
            raise ValueError(f'hidden_channels must be a positive int or None, got {hidden_channels!r}')
        return hidden_channels
    check_reduction(reduction)
    return max(1, round(in_channels / reduction))


def floor_reduced_channels(channels: int, reduction: float, min_channels: int = 1,
                           owner: Optional[str] = None) -> int:
    """Width ``max(int(C / r), L)``: the hidden width of SK's fuse layer, SDA's depth attention
    (L = 32 and 64) and, for an int r, PSA's SE modules (``max(C // r, 1)``).

    Args:
        channels (int): C.
        reduction (float): r (> 0).
        min_channels (int): L (≥ 1). Default: 1.
        owner (str, optional): the class whose arguments these are, named in error messages.

    Returns:
        int: the hidden width.
    """
    check_reduction(reduction, owner)
    check_positive_int(min_channels, 'min_channels', owner)
    return max(int(channels / reduction), min_channels)


def int_sequence(owner: str, name: str, value, length: Optional[int] = None) -> Tuple[int, ...]:
    """Check a per-branch argument: a non-empty sequence of positive ints (of ``length``); a tuple."""
    value = tuple(value) if isinstance(value, (list, tuple)) else value
    if not isinstance(value, tuple) or not value or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise ValueError(f'{owner}: {name} must be a non-empty sequence of positive ints, got {value!r}')
    if length is not None and len(value) != length:
        raise ValueError(f'{owner}: {name} must have one entry per branch ({length}), got {value!r}')
    return value


def multi_kernel_convs(owner: str, in_channels: int, widths: Sequence[int], kernels: Sequence[int],
                       groups: Sequence[int], groups_name: str, stride: int = 1, dilation: int = 1,
                       conv_cfg: Optional[dict] = None) -> nn.ModuleList:
    """Parallel convs of one input with their own odd kernel, groups and width (PSA's branches,
    PyConv's levels); each keeps the input size (padding ``dilation * (k // 2)``), no bias.

    Args:
        owner (str): the class building them, named in error messages.
        in_channels (int): input channels of every conv.
        widths (Sequence[int]): output channels of each conv.
        kernels (Sequence[int]): odd kernel size of each conv.
        groups (Sequence[int]): groups of each conv; each must divide ``in_channels`` and its width.
        groups_name (str): the argument that set ``groups`` (named in the error message).
        stride (int): stride of every conv. Default: 1.
        dilation (int): dilation of every conv. Default: 1.
        conv_cfg (dict, optional): conv layer config.

    Returns:
        nn.ModuleList: the convs, in the order given.
    """
    if any(k % 2 == 0 for k in kernels):
        raise ValueError(f'{owner}: kernels must be odd, got {tuple(kernels)}')
    for g, c in zip(groups, widths):
        if in_channels % g or c % g:
            raise ValueError(f'{owner}: {groups_name} {tuple(groups)} must divide in_channels ({in_channels}) '
                             f'and the widths {tuple(widths)}')
    return nn.ModuleList(
        build_conv_layer(conv_cfg, in_channels, c, k, stride=stride, padding=dilation * (k // 2),
                         dilation=dilation, groups=g, bias=False)
        for k, g, c in zip(kernels, groups, widths))
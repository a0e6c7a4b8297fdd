"""Load a checkpoint into a model only if it fits, naming the first keys that do not."""
import os.path as osp
import re
from collections import OrderedDict

import torch.nn as nn


class CheckpointMismatchError(ValueError):
    """The checkpoint's weights do not fit the model built from the config."""


def _first(keys, limit):
    keys = list(keys)
    shown = ', '.join(keys[:limit])
    return f'{shown}, ... ({len(keys)} in all)' if len(keys) > limit else shown


def mismatched_keys(expected: dict, state_dict: dict):
    """The keys in which two state dicts differ.

    Args:
        expected (dict): the model's state dict.
        state_dict (dict): the weights to load into it.

    Returns:
        tuple[list, list, list]: keys of ``expected`` missing from ``state_dict`` (model order), keys of
        ``state_dict`` the model does not have, and keys of both whose shapes differ (model order).
    """
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    reshaped = [k for k, v in expected.items()
                if k in state_dict and hasattr(state_dict[k], 'shape') and state_dict[k].shape != v.shape]
    return missing, unexpected, reshaped


def checkpoint_mismatch(model: nn.Module, state_dict: dict, limit: int = 5) -> str:
    """Describe how ``state_dict`` differs from ``model.state_dict()`` (empty string: it fits).

    Missing ``num_batches_tracked`` buffers are tolerated (checkpoints converted from other code bases
    often lack them; they are not used in evaluation).

    Args:
        model (nn.Module): the model the weights are for.
        state_dict (dict): parameter name → tensor.
        limit (int): at most this many keys are named per kind of mismatch. Default: 5.

    Returns:
        str: one clause per kind of mismatch (missing keys, unexpected keys, shape mismatches), in
        the model's parameter order; empty if the weights fit exactly.
    """
    expected = model.state_dict()
    missing, unexpected, reshaped = mismatched_keys(expected, state_dict)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    shapes = [f'{k} (checkpoint {tuple(state_dict[k].shape)}, model {tuple(expected[k].shape)})'
              for k in reshaped]
    problems = []
    if missing:
        problems.append(f'missing keys: {_first(missing, limit)}')
    if unexpected:
        problems.append(f'unexpected keys: {_first(unexpected, limit)}')
    if shapes:
        problems.append(f'shape mismatches: {_first(shapes, limit)}')
    return '; '.join(problems)


def read_checkpoint(filename: str, map_location: str = 'cpu'):
    """Read an mmengine (or plain ``state_dict``) checkpoint.

    Returns:
        tuple: (the whole checkpoint dict, its state dict with a ``module.`` prefix removed).

    Raises:
        FileNotFoundError: no such local file.
        CheckpointMismatchError: the file holds no dict of weights.
    """
    from mmengine.runner import CheckpointLoader  # (mmsda.compat lets it read mmengine checkpoints)

    if '://' not in filename and not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(f'{filename}: expected a dict of weights (or a checkpoint with a '
                                      f'"state_dict"), got {type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    return checkpoint, OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())


def check_checkpoint_fits(model: nn.Module, filename: str) -> dict:
    """Raise :class:`CheckpointMismatchError` naming the first mismatching keys unless the weights fit.

    For code that loads weights its own (non-strict) way, e.g. mmdet's ``DetInferencer``.

    Returns:
        dict: the whole checkpoint.
    """
    return _read_fitting(model, filename)[0]


def _read_fitting(model, filename, map_location='cpu'):
    checkpoint, state_dict = read_checkpoint(filename, map_location)
    problems = checkpoint_mismatch(model, state_dict)
    if problems:
        raise CheckpointMismatchError(
            f'{filename} does not fit the model ({type(model).__name__}): {problems}')
    return checkpoint, state_dict


def load_checkpoint_strict(model: nn.Module, filename: str, map_location: str = 'cpu') -> dict:
    """Load an mmengine (or plain ``state_dict``) checkpoint into ``model``, refusing one that does not fit.

    mmengine's ``load_checkpoint`` loads non-strictly and only logs what it skipped, so a checkpoint of
    another model gives a silently wrong network; here it raises instead, naming the first
    mismatching keys. A ``module.`` prefix (DataParallel) is removed, as mmengine does.

    Args:
        model (nn.Module): the model built from the config.
        filename (str): checkpoint path (or any URI mmengine's ``CheckpointLoader`` reads).
        map_location (str): where tensors are loaded. Default: ``'cpu'``.

    Returns:
        dict: the whole checkpoint (its ``meta`` holds e.g. ``dataset_meta``).

    Raises:
        FileNotFoundError: no such local file.
        CheckpointMismatchError: the weights do not fit ``model``.
    """
    checkpoint, state_dict = _read_fitting(model, filename, map_location)
    model.load_state_dict(state_dict, strict=False)  # strict in all but num_batches_tracked (checked above)
    return checkpoint

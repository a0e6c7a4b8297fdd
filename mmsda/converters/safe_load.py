"""Read foreign PyTorch checkpoints (whole pickled models included) without running their code.

Official SDA-xNet classification checkpoints are ``torch.save(nn.DataParallel(model))``: the pickle
names the authors' classes (``models.resnet.resnet_at.ResNet`` ...). Plain ``torch.load`` would need
that code importable and would run whatever the pickle asks for. Here the file is read with torch's
``weights_only`` unpickler, and every global it names that torch does not already consider safe is
bound to :class:`PickledObject`, an inert record: constructing it stores the arguments, setting its
state stores the state. Nothing named in the file is imported or called; tensors are rebuilt by torch's
own safe tensor code. The recorded objects are then walked like ``nn.Module`` objects
(``_parameters``, ``_buffers``, ``_modules``) to recover the state dict.

Limits: this recovers parameters and persistent buffers of ``nn.Module`` trees (and plain dicts of
tensors); custom classes that keep tensors elsewhere are not understood. Globals of the modules torch
refuses outright (``os``, ``sys``, ``posix``, ``nt``) are not stubbed: such a file raises
``mmsda.engine.UnsafeCheckpointError`` naming the file and the global; a truncated or unreadable file
raises ``mmsda.engine.CheckpointError`` naming the file.
"""
import collections
import os
import pickle
from typing import Any

import torch

from mmsda.engine.checkpoint_reading import BLOCKED_MODULES, load_checkpoint_file, unsafe_checkpoint_error
from .keys import StateDict


class PickledObject:
    """An inert stand-in for any class or function named in a checkpoint."""

    qualified_name = '?'

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state)
            state = {**(state[0] or {}), **(state[1] or {})}
        self.state = state

    def __repr__(self):
        return f'<pickled {self.qualified_name}>'


def _stub_for(qualified_name):
    return type('PickledObject', (PickledObject,), {'qualified_name': qualified_name})


def load_untrusted(path: str) -> Any:
    """Load a checkpoint file, binding every non-safe global it names to an inert record.

    Args:
        path (str): checkpoint file.

    Returns:
        object: the unpickled object; tensors are real tensors, everything else that torch would not
        load with ``weights_only=True`` is a :class:`PickledObject`.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # noqa: BLE001 - legacy (non-zip) format, pickle opcodes torch cannot list, damage
        # torch cannot list the globals up front: a plain weights_only load, with errors naming the file
        return load_checkpoint_file(path, map_location='cpu')
    stubs = [(_stub_for(name), name) for name in names]
    try:
        with torch.serialization.safe_globals(stubs):
            return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:  # globals of modules torch refuses outright (os, sys ...)
        refused = [name for name in names if name.split('.')[0] in BLOCKED_MODULES]
        raise unsafe_checkpoint_error(path, err, refused or None) from err


def _module_state(obj, prefix, out):
    state = obj.state if isinstance(obj, PickledObject) else None
    if not isinstance(state, dict) or '_modules' not in state:
        return False
    skip = state.get('_non_persistent_buffers_set') or set()
    if isinstance(skip, PickledObject):  # a pickled set
        skip = set(*skip.args) if skip.args else set()
    for name, value in (state.get('_parameters') or {}).items():
        if value is not None:
            out[prefix + name] = value.detach() if isinstance(value, torch.Tensor) else value
    for name, value in (state.get('_buffers') or {}).items():
        if value is not None and name not in skip:
            out[prefix + name] = value
    for name, child in (state.get('_modules') or {}).items():
        if child is not None:
            _module_state(child, f'{prefix}{name}.', out)
    return True


def extract_state_dict(obj: Any) -> StateDict:
    """Find the model weights in an unpickled checkpoint.

    Accepts a pickled ``nn.Module`` (e.g. ``nn.DataParallel``), a state dict, or a dict holding one
    under ``state_dict``/``model``/``net`` (possibly itself a pickled module).

    Returns:
        OrderedDict[str, Tensor]: the weights, keys as in the pickled model (``module.`` kept).
    """
    out = collections.OrderedDict()
    if _module_state(obj, '', out):
        return out
    if isinstance(obj, dict):
        for key in ('state_dict', 'model', 'net'):
            if key in obj:
                return extract_state_dict(obj[key])
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            return collections.OrderedDict(obj)
    raise ValueError('no model weights found: expected a pickled nn.Module, a state dict, or a dict with '
                     f'"state_dict"/"model"/"net"; got {type(obj).__name__}')

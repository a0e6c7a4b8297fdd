"""Shims that make the released OpenMMLab stack (mmengine 0.10.7, mmcv 2.1, mmdet 3.3, mmpretrain 1.2)
work on torch >= 2.6 and on machines without CUDA.

:func:`apply` is idempotent and is called by ``import mmsda`` (every mmsda config imports mmsda through
``custom_imports``), so the stock ``tools/train.py`` of mmdet/mmpretrain benefit as well. Each shim is a
no-op where the released code already works:

* **Checkpoints with ``weights_only=True``.** torch >= 2.6 loads with ``weights_only=True`` by default,
  and mmengine's checkpoints (``meta.message_hub`` holds ``HistoryBuffer`` objects and numpy arrays and
  scalars) fail to unpickle. Instead of switching the safety off (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``),
  the handful of data-only classes mmengine stores are added to torch's allow-list. Arbitrary code in a
  checkpoint is still refused.
* **CPU distributed training.** mmengine's ``_init_dist_pytorch`` always calls
  ``torch.cuda.set_device`` and mmdet/mmpretrain configs ask for the ``nccl`` backend; without CUDA the
  process group is created with ``gloo`` and no device is set. ``MMDistributedDataParallel`` is given
  ``device_ids=None`` for a CPU module (DDP rejects device ids for CPU modules). With CUDA nothing changes.
"""
import functools
import pickle

import numpy as np
import torch

_APPLIED = False


def _numpy_safe_globals():
    """The numpy objects pickled into mmengine checkpoints (arrays, dtypes, scalars)."""
    try:  # numpy >= 2 moved the pickling helpers to numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
        np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128)]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def _history_buffer_getattr(obj, name):
    """Stand-in for ``builtins.getattr`` while unpickling: only ``HistoryBuffer`` statistics methods.

    A ``HistoryBuffer`` pickles its ``statistics_methods`` (``min``, ``max``, ``mean`` ...) as
    ``getattr(HistoryBuffer, 'min')``; nothing else may be looked up.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    # The built-in methods, plus any registered with HistoryBuffer.register_statistics (that registry
    # is filled lazily, so it may still be empty in a process that only loads a checkpoint).
    allowed = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics methods are allowed')


def checkpoint_safe_globals():
    """Globals allowed when unpickling mmengine checkpoints with ``weights_only=True``.

    Returns:
        list: data-only classes (``HistoryBuffer`` of the message hub, numpy arrays, dtypes and
        scalars of the logs) and a ``getattr`` restricted to ``HistoryBuffer``'s statistics methods,
        bound to the name ``builtins.getattr`` that mmengine's pickles use.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'), *_numpy_safe_globals()]


def allow_mmengine_checkpoints():
    """Let ``torch.load(..., weights_only=True)`` read mmengine checkpoints."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 has no allow-list (and no weights_only default)
        add_safe_globals(checkpoint_safe_globals())


def _init_dist_pytorch_cpu(backend='nccl', init_backend='torch', **kwargs):
    """``mmengine.dist.utils._init_dist_pytorch`` for a machine without CUDA: gloo, no set_device."""
    if backend == 'nccl':
        from mmengine.logging import print_log
        print_log('mmsda.compat: CUDA is not available, using the gloo backend instead of nccl',
                  logger='current')
        backend = 'gloo'
    if init_backend != 'torch':
        raise ValueError(f'init_backend={init_backend!r} needs CUDA; without CUDA only "torch" is supported')
    torch.distributed.init_process_group(backend=backend, **kwargs)


def patch_cpu_distributed():
    """Make mmengine's ``pytorch`` launcher and DDP wrapper work when CUDA is not available."""
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import distributed as mm_ddp

    original_init_dist = dist_utils._init_dist_pytorch
    if getattr(original_init_dist, '_mmsda_patched', False):
        return

    @functools.wraps(original_init_dist)
    def init_dist_pytorch(backend, *args, **kwargs):
        if torch.cuda.is_available():
            return original_init_dist(backend, *args, **kwargs)
        return _init_dist_pytorch_cpu(backend, *args, **kwargs)

    init_dist_pytorch._mmsda_patched = True
    dist_utils._init_dist_pytorch = init_dist_pytorch

    ddp_cls = mm_ddp.MMDistributedDataParallel
    original_ddp_init = ddp_cls.__init__

    @functools.wraps(original_ddp_init)
    def ddp_init(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu and kwargs.get('device_ids') is not None:
            kwargs['device_ids'] = None  # DDP refuses device ids for a CPU module
        original_ddp_init(self, module, detect_anomalous_params=detect_anomalous_params, **kwargs)

    ddp_cls.__init__ = ddp_init


def apply():
    """Apply every shim once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    allow_mmengine_checkpoints()
    patch_cpu_distributed()
    _APPLIED = True


__all__ = ['apply', 'allow_mmengine_checkpoints', 'checkpoint_safe_globals', 'patch_cpu_distributed']

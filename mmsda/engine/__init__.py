"""Training-time reliability: hooks (registered in ``mmsda.registry.HOOKS``), data checks at the start
of training and checkpoint I/O."""
from .checkpoint_reading import (CheckpointError, IncompleteCheckpointError, UnsafeCheckpointError,
                                 checkpoint_is_complete, load_checkpoint_file, unsafe_globals)
from .checkpoint_writing import find_latest_checkpoint, save_atomically
from .hooks import (CheckDataHook, DataCheckError, FiniteLossHook, KillOrphanedWorkersHook,
                    MemoryMonitorHook, ResumableRandomnessHook)


def install():
    """Make mmengine write checkpoints atomically, rotate them after the write, auto-resume only a
    complete one, and read them with errors that name the file (idempotent; run by ``import mmsda``)."""
    from . import checkpoint_reading, checkpoint_writing
    checkpoint_reading.install()
    checkpoint_writing.install()


__all__ = ['CheckpointError', 'IncompleteCheckpointError', 'UnsafeCheckpointError', 'checkpoint_is_complete',
           'load_checkpoint_file', 'unsafe_globals', 'find_latest_checkpoint', 'save_atomically',
           'CheckDataHook', 'DataCheckError', 'FiniteLossHook', 'KillOrphanedWorkersHook',
           'MemoryMonitorHook', 'ResumableRandomnessHook', 'install']

"""Training-loop additions of the ``mmsda`` scope (hooks), for mmdet and mmpretrain runners."""
from .hooks import CheckDataHook, DataCheckError, KillOrphanedWorkersHook, MemoryMonitorHook

__all__ = ['CheckDataHook', 'DataCheckError', 'KillOrphanedWorkersHook', 'MemoryMonitorHook']

"""Training-loop additions of the ``mmsda`` scope (hooks), for mmdet and mmpretrain runners."""
from .hooks import CheckDataHook, DataCheckError, MemoryMonitorHook

__all__ = ['CheckDataHook', 'DataCheckError', 'MemoryMonitorHook']

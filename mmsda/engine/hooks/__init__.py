from .check_data import CheckDataHook, DataCheckError
from .memory_monitor import MemoryMonitorHook, memory_sample

__all__ = ['CheckDataHook', 'DataCheckError', 'MemoryMonitorHook', 'memory_sample']

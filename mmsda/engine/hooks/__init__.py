from .check_data import CheckDataHook, DataCheckError
from .memory_monitor import MemoryMonitorHook, memory_sample
from .orphaned_workers import KillOrphanedWorkersHook, exit_with_parent, guard_workers

__all__ = [
    'CheckDataHook', 'DataCheckError', 'KillOrphanedWorkersHook', 'MemoryMonitorHook', 'exit_with_parent',
    'guard_workers', 'memory_sample'
]

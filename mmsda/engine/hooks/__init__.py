from .check_data import CheckDataHook, DataCheckError
from .finite_loss_hook import FiniteLossHook
from .memory_monitor import MemoryMonitorHook, memory_sample
from .orphaned_workers import KillOrphanedWorkersHook, exit_with_parent, guard_workers
from .resumable_randomness_hook import ResumableRandomnessHook

__all__ = [
    'CheckDataHook', 'DataCheckError', 'FiniteLossHook', 'KillOrphanedWorkersHook', 'MemoryMonitorHook',
    'ResumableRandomnessHook', 'exit_with_parent', 'guard_workers', 'memory_sample'
]

from .finite_loss_hook import FiniteLossHook
from .resumable_randomness_hook import ResumableRandomnessHook

__all__ = ['FiniteLossHook', 'ResumableRandomnessHook']

"""Inference helpers: strict checkpoint loading and mmsda models in mmpretrain's model hub."""
from .checkpoint import (CheckpointMismatchError, check_checkpoint_fits, checkpoint_mismatch,
                         load_checkpoint_strict, read_checkpoint)
from .model_hub import register_models

__all__ = ['CheckpointMismatchError', 'check_checkpoint_fits', 'checkpoint_mismatch', 'load_checkpoint_strict',
           'read_checkpoint', 'register_models']

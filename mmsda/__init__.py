"""mmsda: Selective Depth Attention networks (SDA-xNet) and attention backbones for OpenMMLab.

Importing the package applies :mod:`mmsda.compat` (checkpoint loading with ``weights_only=True`` and
CPU distributed training on the released mmengine) and :func:`mmsda.engine.install` (atomic checkpoint
writes, auto-resume of the last complete checkpoint, checkpoint errors that name the file). Models,
datasets and hooks live in the ``mmsda`` registry scope and are imported lazily: name them
``type='mmsda.<Name>'`` in any mmdet or mmpretrain config.
"""
from . import compat, engine

__version__ = '0.1.0'

compat.apply()
engine.install()

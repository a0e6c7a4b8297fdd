"""Hooks that need a library mmsda does not import by itself; each is registered (in the ``mmsda``
scope, see :mod:`mmsda.registry`) when its library is installed. ``import mmsda`` does not import this
module, so it stays free of those libraries; the hook registry imports it on its first lookup.

* :class:`~.seg_visualization.SegVisualizationHook` (mmsegmentation).
"""
from importlib.util import find_spec

__all__ = []

if find_spec('mmseg') is not None:
    from .seg_visualization import SegVisualizationHook
    __all__.append('SegVisualizationHook')

from .bottleneck import Bottleneck
from .res2net import Bottle2neck

__all__ = ['Bottleneck', 'Bottle2neck']

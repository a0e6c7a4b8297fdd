from .pool_norm import PoolNormNeck

__all__ = ['PoolNormNeck']

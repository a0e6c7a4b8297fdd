from .complexity import complexity, conv_linear_macs, count_params

__all__ = ['complexity', 'conv_linear_macs', 'count_params']

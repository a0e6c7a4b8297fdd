from .cbam import CBAM, ChannelAttention, SpatialAttention
from .dca import ContextMix, context_matcher
from .dca_cbam import DCACBAM, DCAChannelAttention, DCASpatialAttention
from .dca_gc import DCAContextBlock
from .dca_se import DCASELayer
from .depth_attention import DepthAttentionFusion, depth_attention_reference
from .fallback_batch_norm import FallbackBatchNorm1d, FallbackBatchNorm2d, pooled_norm_cfg
from .psa import PSAModule
from .pyconv import PyConv
from .selective_kernel import SKConv
from .shuffle_attention import ShuffleAttention, channel_shuffle
from .eca import ECALayer, eca_kernel_size
from .gc import GlobalContextBlock
from .max_pool import MaxPool2d
from .se import SELayer

__all__ = ['DepthAttentionFusion', 'depth_attention_reference', 'SELayer', 'CBAM', 'ChannelAttention',
           'SpatialAttention', 'ECALayer', 'eca_kernel_size', 'GlobalContextBlock',
           'SKConv', 'ShuffleAttention', 'channel_shuffle', 'ContextMix', 'context_matcher', 'DCASELayer',
           'DCACBAM', 'DCAChannelAttention', 'DCASpatialAttention', 'DCAContextBlock',
           'PSAModule', 'PyConv', 'MaxPool2d', 'FallbackBatchNorm1d', 'FallbackBatchNorm2d', 'pooled_norm_cfg']

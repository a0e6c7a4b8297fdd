from .depth_attention import DepthAttentionFusion, depth_attention_reference

__all__ = ['DepthAttentionFusion', 'depth_attention_reference']

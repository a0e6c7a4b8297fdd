# ResNeSt-101 on ImageNet-1k: mmpretrain's own ResNeSt-101 model and recipe.
_base_ = 'mmpretrain::resnest/resnest101_32xb64_in1k.py'

# BN that also trains at batch size 1 (the split attention normalises a pooled vector; same weights
# and results as BN otherwise)
model = dict(backbone=dict(
    type='mmpretrain.ResNeSt', norm_cfg=dict(type='mmsda.FallbackBN2d', requires_grad=True)))

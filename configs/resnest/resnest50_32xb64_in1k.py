# ResNeSt-50 on ImageNet-1k: mmpretrain's own ResNeSt model and recipe (batch 2048 = 32 GPUs x 64,
# 270 epochs, cosine lr with warm-up, RandAugment, mixup, label smoothing), only naming the backbone
# by its cross-scope name. mmpretrain's ResNeSt is the radix-major split-attention network of the
# paper (radix 2, deep stem, avg-down); its weights load as they are, no converter is needed.
_base_ = 'mmpretrain::resnest/resnest50_32xb64_in1k.py'

# BN that also trains at batch size 1 (the split attention normalises a pooled vector; same weights
# and results as BN otherwise)
model = dict(backbone=dict(
    type='mmpretrain.ResNeSt', norm_cfg=dict(type='mmsda.FallbackBN2d', requires_grad=True)))

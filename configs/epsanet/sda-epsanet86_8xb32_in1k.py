# SDA-EPSANet-86: stages [5, 6, 12, 5] with selective depth attention in every stage.
# PSA bottleneck: the 3x3 conv is a pyramid split attention module (kernels 3/5/7/9,
# groups 1/4/8/16, an SE weight module per branch with r=16, softmax across the branches).
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.EPSANet', depth=86, with_sda=True, out_indices=(3,)))

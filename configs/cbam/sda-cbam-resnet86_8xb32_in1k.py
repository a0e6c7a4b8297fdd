# SDA-CBAM-86: stages [5, 6, 12, 5] of standard bottlenecks, with selective
# depth attention in every stage.
# CBAM after bn3, before the add: shared channel MLP (r=16) on avg+max pool, then 7x7 spatial conv.
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.CBAMResNet', depth=86, with_sda=True, out_indices=(3,)))

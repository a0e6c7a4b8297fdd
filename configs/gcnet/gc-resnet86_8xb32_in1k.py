# GC-ResNet-86: stages [5, 6, 12, 5] of standard bottlenecks, without depth
# attention (the baseline of the SDA-xNet ablation).
# GC block (mmcv ContextBlock, ratio 1/16, channel add) after bn3, before the add, all stages.
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.GCResNet', depth=86, with_sda=False, out_indices=(3,)))

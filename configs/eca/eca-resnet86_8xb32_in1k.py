# ECA-ResNet-86: stages [5, 6, 12, 5] of standard bottlenecks, without depth
# attention (the baseline of the SDA-xNet ablation).
# ECA layer after bn3, before the add: GAP -> 1-D conv over channels (adaptive k) -> sigmoid.
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.ECAResNet', depth=86, with_sda=False, out_indices=(3,)))

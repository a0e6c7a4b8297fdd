# PyConvResNet-86: stages [5, 6, 12, 5] without depth attention (the baseline of the SDA-xNet table).
# PyConv bottleneck: the 3x3 conv is a pyramidal conv (stage 1 kernels 3/5/7/9 ... stage 4
# one 3x3); no stem max-pool, stage 1 strided, shortcuts max-pool(3, s2) -> 1x1 -> BN.
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.PyConvResNet', depth=86, with_sda=False, out_indices=(3,)))

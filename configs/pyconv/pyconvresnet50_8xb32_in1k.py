# PyConvResNet-50, the PyConv (Duta et al., 2020) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# PyConv bottleneck: the 3x3 conv is a pyramidal conv (stage 1 kernels 3/5/7/9 ... stage 4
# one 3x3); no stem max-pool, stage 1 strided, shortcuts max-pool(3, s2) -> 1x1 -> BN.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.PyConvResNet', depth=50, out_indices=(3,)))

# EPSANet-50, the EPSANet (Zhang et al., 2021) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# PSA bottleneck: the 3x3 conv is a pyramid split attention module (kernels 3/5/7/9,
# groups 1/4/8/16, an SE weight module per branch with r=16, softmax across the branches).
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.EPSANet', depth=50, out_indices=(3,)))

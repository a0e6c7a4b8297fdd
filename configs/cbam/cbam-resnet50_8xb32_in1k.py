# CBAM-ResNet-50, the CBAM (Woo et al., ECCV 2018) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# CBAM after bn3, before the add: shared channel MLP (r=16) on avg+max pool, then 7x7 spatial conv.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.CBAMResNet', depth=50, out_indices=(3,)))

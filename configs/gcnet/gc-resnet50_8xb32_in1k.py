# GC-ResNet-50, the GCNet (Cao et al., ICCVW 2019) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# GC block (mmcv ContextBlock, ratio 1/16, channel add) after bn3, before the add, all stages.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.GCResNet', depth=50, out_indices=(3,)))

# ECA-ResNet-50, the ECA-Net (Wang et al., CVPR 2020) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# ECA layer after bn3, before the add: GAP -> 1-D conv over channels (adaptive k) -> sigmoid.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.ECAResNet', depth=50, out_indices=(3,)))

# SE-ResNet-50, the SENet (Hu et al., CVPR 2018) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# SE layer after bn3, before the add: GAP -> FC(C->C/16) -> ReLU -> FC -> sigmoid (biased FCs).
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.SEResNet', depth=50, out_indices=(3,)))

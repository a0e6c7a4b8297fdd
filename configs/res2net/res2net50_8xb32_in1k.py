# Res2Net-50, the Res2Net (Gao et al., TPAMI 2021) ImageNet baseline of the SDA-xNet tables:
# the stock mmpretrain ResNet-50 recipe (GAP -> FC head) with the backbone swapped.
# Bottle2neck 26w x 4s (first block of every stage of type "stage"), 7x7 stem + max-pool,
# 1x1-conv shortcuts, as the official Res2Net / SDA-Res2Net code.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.Res2Net', depth=50, out_indices=(3,)))

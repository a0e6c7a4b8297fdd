# UPerNet with a ResNeSt-50 backbone on Cityscapes.
# mmseg's UPerNet R-50 recipe (SyncBN, ImageNet-pretrained backbone) with mmseg's own ResNeSt
# in place of its ResNetV1c, as mmseg's resnest/resnest_s101-d8_*.py configs do (radix 2, reduction
# factor 4, deep stem, average-pool down-sampling; ResNeSt-50's 64-wide stem). The backbone keeps the
# base's out_indices, strides, dilations and contract_dilation and is named by its cross-scope type;
# its weights (open-mmlab://resnest50, the file mmdet's ResNeSt configs load) need no converter.
_base_ = 'mmseg::upernet/upernet_r50_4xb2-80k_cityscapes-512x1024.py'

model = dict(
    pretrained='open-mmlab://resnest50',
    backbone=dict(
        type='mmseg.ResNeSt', stem_channels=64, radix=2, reduction_factor=4, avg_down_stride=True))

# Semantic FPN with a ResNeSt-50 backbone on ADE20K.
# mmseg's Semantic FPN R-50 ADE20K config (sem_fpn/fpn_r50_4xb4-160k_ade20k-512x512.py: SyncBN,
# ImageNet-pretrained backbone), made from the same mmseg _base_ files but with mmseg's 80k-iteration
# schedule, as ../sda/fpn_sda-r86_4xb4-80k_ade20k-512x512.py, and mmseg's own ResNeSt in place of its
# ResNetV1c, as mmseg's resnest/resnest_s101-d8_*.py configs do (radix 2, reduction factor 4, deep stem,
# average-pool down-sampling; ResNeSt-50's 64-wide stem). The backbone keeps the base's out_indices,
# strides and dilations and is named by its cross-scope type; its weights (open-mmlab://resnest50, the
# file mmdet's ResNeSt configs load) need no converter.
_base_ = [
    'mmseg::_base_/models/fpn_r50.py', 'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py'
]

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnest50',
    backbone=dict(
        type='mmseg.ResNeSt', stem_channels=64, radix=2, reduction_factor=4, avg_down_stride=True),
    decode_head=dict(num_classes=150))

# Mask R-CNN with an SDA-ResNet-86 backbone: the official SDA-xNet COCO settings (stock R-50-FPN 1x
# schedule, stem + stage 1 frozen with its depth attention, BN in eval mode, ImageNet-pretrained).
# The pretrained file is made from the official ImageNet checkpoint with
#   python tools/model_converters/sda_xnet_to_mmsda.py sdanet86.pth checkpoints/sda-resnet86_in1k.pth
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=86,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sda-resnet86_in1k.pth', prefix='backbone.')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))

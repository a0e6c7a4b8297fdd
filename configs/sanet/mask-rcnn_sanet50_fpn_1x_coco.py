# Mask R-CNN with an SA-Net-50 backbone: the stock R-50-FPN 1x COCO settings (stem + stage 1 frozen,
# BN in eval mode), ImageNet-pretrained. Make the pretrained file from the official checkpoint with
#   python tools/model_converters/sanet_to_mmsda.py sa_resnet50.pth.tar checkpoints/sanet50_in1k.pth
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmsda.SANet',
        depth=50,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sanet50_in1k.pth', prefix='backbone.')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))

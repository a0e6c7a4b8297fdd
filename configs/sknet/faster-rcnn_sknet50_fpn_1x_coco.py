# Faster R-CNN with an SKNet-50 backbone: the stock R-50-FPN 1x COCO settings (stem + stage 1 frozen,
# BN in eval mode), ImageNet-pretrained. The official SKNet weights are Caffe models; the pretrained
# file comes from training configs/sknet/sknet50_8xb32_in1k.py (mmpretrain checkpoint).
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmsda.SKNet',
        depth=50,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sknet50_in1k.pth', prefix='backbone.')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))

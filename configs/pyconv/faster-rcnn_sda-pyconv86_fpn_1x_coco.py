# Faster R-CNN with an SDA-PyConv-86 backbone: the SDA-xNet COCO settings of configs/sda (R-50-FPN 1x,
# stem + stage 1 frozen, BN in eval mode, ImageNet-pretrained init); only the backbone differs.
_base_ = '../sda/faster-rcnn_sda-r86_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        type='mmsda.PyConvResNet',
        depth=86,
        with_sda=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/sda-pyconvresnet86_in1k.pth', prefix='backbone.')))

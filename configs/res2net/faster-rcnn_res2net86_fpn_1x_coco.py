# Faster R-CNN with a Res2Net-86 backbone: the SDA-xNet COCO settings of configs/sda (R-50-FPN 1x,
# stem + stage 1 frozen, BN in eval mode, ImageNet-pretrained init); only the backbone differs.
_base_ = '../sda/faster-rcnn_sda-r86_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        type='mmsda.Res2Net',
        depth=86,
        with_sda=False,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/res2net86_in1k.pth', prefix='backbone.')))

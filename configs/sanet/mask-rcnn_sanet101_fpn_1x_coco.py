# Mask R-CNN with an SA-Net-101 backbone, same settings as the SA-Net-50 config.
_base_ = './mask-rcnn_sanet50_fpn_1x_coco.py'
model = dict(backbone=dict(depth=101, init_cfg=dict(checkpoint='checkpoints/sanet101_in1k.pth')))

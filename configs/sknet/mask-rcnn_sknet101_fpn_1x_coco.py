# Mask R-CNN with an SKNet-101 backbone, same settings as the SKNet-50 config.
_base_ = './mask-rcnn_sknet50_fpn_1x_coco.py'
model = dict(backbone=dict(depth=101, init_cfg=dict(checkpoint='checkpoints/sknet101_in1k.pth')))

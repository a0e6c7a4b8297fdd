# Mask R-CNN with an SDA-ResNet-50 backbone, same settings as the SDA-ResNet-86 config.
_base_ = './mask-rcnn_sda-r86_fpn_1x_coco.py'
model = dict(backbone=dict(depth=50, init_cfg=dict(checkpoint='checkpoints/sda-resnet50_in1k.pth')))

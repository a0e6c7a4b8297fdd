# Mask R-CNN with a ResNeSt-101 backbone: mmdet's own ResNeSt-101 config.
_base_ = 'mmdet::resnest/mask-rcnn_s101_fpn_syncbn-backbone+head_ms-1x_coco.py'

model = dict(backbone=dict(type='mmdet.ResNeSt'))

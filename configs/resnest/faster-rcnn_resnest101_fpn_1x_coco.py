# Faster R-CNN with a ResNeSt-101 backbone: mmdet's own ResNeSt-101 config.
_base_ = 'mmdet::resnest/faster-rcnn_s101_fpn_syncbn-backbone+head_ms-range-1x_coco.py'

model = dict(backbone=dict(type='mmdet.ResNeSt'))

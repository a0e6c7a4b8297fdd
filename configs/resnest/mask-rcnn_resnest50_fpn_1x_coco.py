# Mask R-CNN with a ResNeSt-50 backbone: mmdet's own ResNeSt config (SyncBN in backbone and heads,
# 4conv1fc box head, multi-scale training 640-800, 1x schedule, ImageNet-pretrained ResNeSt-50),
# naming the backbone by its cross-scope name.
_base_ = 'mmdet::resnest/mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco.py'

model = dict(backbone=dict(type='mmdet.ResNeSt'))

# Mask R-CNN with a DCA-SE-ResNet-50 backbone: the stock R-50-FPN 1x COCO settings with the backbone of
# _base_/dca-se-r50_det-backbone.py (frozen stem + stage 1, BN in eval mode, ImageNet-pretrained).
_base_ = ['mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py', './_base_/dca-se-r50_det-backbone.py']

model = dict(backbone={{_base_.dca_se_r50_backbone}}, neck=dict(in_channels=[256, 512, 1024, 2048]))

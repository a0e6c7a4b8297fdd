# Mask R-CNN with a DCA-CBAM-ResNet-50 backbone, same settings as the DCA-SE-ResNet-50 config.
_base_ = './mask-rcnn_dca-se-r50_fpn_1x_coco.py'
model = dict(backbone=dict(attention_type='cbam', init_cfg=dict(checkpoint='checkpoints/dca-cbam-resnet50_in1k.pth')))

# RetinaNet with a DCA-GC-ResNet-50 backbone, same settings as the DCA-SE-ResNet-50 config.
_base_ = './retinanet_dca-se-r50_fpn_1x_coco.py'
model = dict(backbone=dict(attention_type='gc', init_cfg=dict(checkpoint='checkpoints/dca-gc-resnet50_in1k.pth')))

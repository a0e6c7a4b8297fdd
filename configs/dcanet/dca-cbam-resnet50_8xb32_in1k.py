# DCA-CBAM-ResNet-50 with the DCANet ImageNet recipe.
_base_ = './dca-se-resnet50_8xb32_in1k.py'
model = dict(backbone=dict(attention_type='cbam'))

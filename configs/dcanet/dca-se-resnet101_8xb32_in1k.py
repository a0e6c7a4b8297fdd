# DCA-SE-ResNet-101 with the DCA-SE-ResNet-50 ImageNet recipe (no published result for this depth).
_base_ = './dca-se-resnet50_8xb32_in1k.py'
model = dict(backbone=dict(depth=101))

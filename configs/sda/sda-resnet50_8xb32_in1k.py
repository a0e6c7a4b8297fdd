# SDA-ResNet-50 with the SDA-ResNet-86 ImageNet recipe (no published result for this depth).
_base_ = './sda-resnet86_8xb32_in1k.py'
model = dict(backbone=dict(depth=50))

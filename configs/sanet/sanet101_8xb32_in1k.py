# SA-Net-101 with the SA-Net-50 ImageNet recipe.
_base_ = './sanet50_8xb32_in1k.py'
model = dict(backbone=dict(depth=101))

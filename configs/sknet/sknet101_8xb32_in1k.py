# SKNet-101 with the SKNet-50 ImageNet recipe.
_base_ = './sknet50_8xb32_in1k.py'
model = dict(backbone=dict(depth=101))

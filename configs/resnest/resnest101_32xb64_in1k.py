# ResNeSt-101 on ImageNet-1k: mmpretrain's own ResNeSt-101 model and recipe.
_base_ = 'mmpretrain::resnest/resnest101_32xb64_in1k.py'

model = dict(backbone=dict(type='mmpretrain.ResNeSt'))

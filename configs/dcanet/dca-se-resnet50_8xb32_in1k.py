# DCA-SE-ResNet-50 on ImageNet-1k with the DCANet recipe (its main.py): SGD lr 0.1 for batch 256
# (8 GPUs x 32), momentum 0.9, weight decay 1e-4, 100 epochs, lr x0.1 every 30 epochs, cross-entropy
# - which is mmpretrain's ResNet-50 recipe. The released code trains in fp16 (apex); add
# `optim_wrapper = dict(type='AmpOptimWrapper')` on GPUs to match.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.DCAResNet', depth=50, attention_type='se', out_indices=(3, )))

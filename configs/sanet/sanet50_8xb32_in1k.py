# SA-Net-50 on ImageNet-1k with the recipe of the released training script (wofmanaf/SA-Net main.py,
# the PyTorch ImageNet example): SGD lr 0.1 for batch 256 (8 GPUs x 32), momentum 0.9, weight decay
# 1e-4, 90 epochs, lr x0.1 every 30 epochs, cross-entropy; RandomResizedCrop 224 + flip.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(backbone=dict(_delete_=True, type='mmsda.SANet', depth=50, out_indices=(3, )))

param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=1)

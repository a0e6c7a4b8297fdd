# SDA-ResNet-86 on ImageNet-1k with the SDA-xNet recipe: SGD lr 0.1 (batch 256 = 8 GPUs x 32),
# momentum 0.9, weight decay 1e-4, 120 epochs, lr x0.1 at epochs 30/60/90, label smoothing 0.1,
# RandomResizedCrop 224 + flip; evaluation resize 256 -> center crop 224. Head: GAP -> BN -> FC.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmsda.SDAResNet', depth=86, out_indices=(3,)),
    neck=dict(type='mmsda.PoolNormNeck', in_channels=2048),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0),
        topk=(1, 5)))

param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=120, val_interval=1)

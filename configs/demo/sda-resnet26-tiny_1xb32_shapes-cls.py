# SDA classifier demo on the shapes classification view (one object per 64x64 image, 5 classes,
# generated into data/shapes_cls/ on first use): a narrow SDA-ResNet-26 with the SDA-xNet head
# (GAP -> BN -> FC), trained from scratch on the CPU. It is also the main demo's pretraining step: its
# last checkpoint initialises the backbone of configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py.
#   python tools/train.py configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py
# Plain 3x3 convs (groups=1): with 16-channel stages, SDA-ResNet's default 8 groups leave 2 channels per
# group, and the network learned shapes much more slowly (72.6 % vs 82.0 % top-1 after 6 epochs, same
# recipe; docs/demo.md). 1000 images per class: 100 were too few to learn from scratch.
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

backbone = dict(
    type='mmsda.SDAResNet', depth=26, groups=1, stem_channels=16, base_channels=16, min_channels=16)
model = dict(
    type='ImageClassifier',
    backbone=dict(**backbone, out_indices=(3,)),
    neck=dict(type='mmsda.PoolNormNeck', in_channels=512),
    head=dict(
        type='LinearClsHead',
        num_classes=5,
        in_channels=512,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0),
        topk=(1,)))

data_preprocessor = dict(
    num_classes=5, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
dataset_type = 'mmsda.ShapesClsDataset'
data_root = 'data/shapes_cls'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
# Images are decoded in the main process: on a 2-core CPU a loader worker competes with PyTorch's two
# compute threads, and this small network trains faster without it (0.090 vs 0.11 s per iteration, one epoch each).
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/train.txt', data_prefix='train',
                 generate=dict(num_per_class=1000, img_size=64, seed=0), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=100,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/val.txt', data_prefix='val',
                 generate=dict(num_per_class=100, img_size=64, seed=0), pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1,))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# 14 epochs: with 10, three seeds gave 87.8 / 91.4 / 91.2 % top-1; with 14, 97.2 / 94.4 / 94.4 % (one
# thread each; docs/demo.md)
max_epochs = 14
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=max_epochs, eta_min=1e-5, begin=0, end=max_epochs)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
# augmentation and sampling RNGs keyed by (seed, epoch, sample, iteration): --resume repeats the run exactly,
# and with a fixed seed a re-run repeats it too (up to floating-point differences between CPUs)
custom_hooks = [dict(type='mmsda.ResumableRandomnessHook')]
randomness = dict(seed=0)

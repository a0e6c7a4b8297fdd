# Semantic segmentation CPU demo: mmseg's FPN (Kirillov et al., "Panoptic Feature Pyramid Networks",
# CVPR 2019) with a small SDA-ResNet-26 backbone, trained from scratch on the shapes segmentation view
# (96x96 scenes, background + 5 shape kinds, generated into data/shapes_seg/ on first use), evaluated
# with mIoU on its val split.
#   python tools/train.py configs/demo/fpn_sda-r26-tiny_1xb8-2k_shapes-seg-96x96.py
#   python tools/test.py configs/demo/fpn_sda-r26-tiny_1xb8-2k_shapes-seg-96x96.py \
#       work_dirs/fpn_sda-r26-tiny_1xb8-2k_shapes-seg-96x96/iter_2000.pth --show-dir vis
# Only the backbone and the widths differ from mmseg's fpn_r50.py: the classification demo's narrow
# SDA-ResNet-26 (16-channel stem and base width, plain 3x3 convs), BN instead of SyncBN, a 64-channel
# FPN and head, class-weighted cross-entropy. 2000 iterations of 8 images, AdamW with warm-up and
# cosine decay.
# Recipe and measurements: docs/semantic_segmentation.md.
_base_ = [
    'mmseg::_base_/models/fpn_r50.py',
    '../_base_/datasets/shapes_seg.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

num_classes = 6  # background + 5 shapes
crop_size = (96, 96)
width = 64  # FPN and head channels
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=26,
        groups=1,
        stem_channels=16,
        base_channels=16,
        min_channels=16,
        out_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg,
        norm_eval=False,
        zero_init_residual=True),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=width),
    decode_head=dict(
        in_channels=[width] * 4,
        channels=width,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        # square root of median-frequency balancing (Eigen & Fergus, ICCV 2015) over the training
        # pixels: background 48.9 %, circle 21.2 %, square 10.7 %, triangle 5.0 %, star 8.7 %, cross 5.6 %
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         class_weight=[0.43, 0.68, 0.94, 1.36, 1.07, 1.2])))

max_iters = 2000
val_interval = 250
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=max_iters - 100, eta_min=1e-5, by_epoch=False, begin=100,
         end=max_iters)
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=val_interval, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False)
# augmentation and sampling RNGs keyed by (seed, epoch, sample, iteration): --resume repeats the run exactly
custom_hooks = [dict(type='mmsda.ResumableRandomnessHook')]

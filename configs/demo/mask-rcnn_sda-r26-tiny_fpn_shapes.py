# The main CPU demo: Mask R-CNN (FPN) with a small SDA-ResNet-26 backbone, trained from scratch on the
# synthetic shapes data (generated into data/shapes/ on first use), evaluated with COCO bbox + segm mAP.
#   python tools/train.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py
#   python tools/test.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes.py work_dirs/mask-rcnn_sda-r26-tiny_fpn_shapes/epoch_5.pth
# Sized for 2 CPU cores (< 10 min): narrow backbone (base width 16), 64-channel FPN and heads, fewer
# proposals and RoIs than the COCO config. No pretrained weights exist for it, hence from scratch, with
# the from-scratch choices of mmdet's scratch/GN configs: GroupNorm in the FPN and in the RoI heads
# (batch-size independent; the backbone keeps BN over its 4-image batches) and zero-initialised
# residual branches. RoIs are pooled one FPN level coarser than mmdet's default (finest_scale 28
# instead of 56) so they see the deeper, more semantic features of the small backbone, and RoIAlign
# uses 2x2 samples per bin (the adaptive default is 3-4x slower on the CPU).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/shapes_instance.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

num_classes = 5
width = 64  # FPN and head channels
gn = dict(type='GN', num_groups=16, requires_grad=True)
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=26,
        stem_channels=16,
        base_channels=16,
        groups=8,
        min_channels=16,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        zero_init_residual=True,
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=width, norm_cfg=gn),
    rpn_head=dict(
        in_channels=width,
        feat_channels=width,
        anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=width, finest_scale=28),
        # two GN convs then one FC shared by classification and regression
        bbox_head=dict(
            type='ConvFCBBoxHead', num_shared_convs=2, num_shared_fcs=1, num_cls_convs=0, num_cls_fcs=0,
            num_reg_convs=0, num_reg_fcs=0, in_channels=width, conv_out_channels=width,
            fc_out_channels=256, norm_cfg=gn, num_classes=num_classes),
        mask_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=width, finest_scale=28),
        mask_head=dict(num_convs=2, in_channels=width, conv_out_channels=width, norm_cfg=gn,
                       num_classes=num_classes)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=400, max_per_img=200),
        rcnn=dict(sampler=dict(num=64), mask_size=28)),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(max_per_img=30)))

max_epochs = 5
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0, end=max_epochs)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
# CPU-only friendly runtime: the compat shim in mmsda switches nccl to gloo when CUDA is missing.
env_cfg = dict(cudnn_benchmark=False)
auto_scale_lr = dict(enable=False, base_batch_size=4)
# augmentation and sampling RNGs keyed by (seed, epoch, sample, iteration): --resume repeats the run exactly
custom_hooks = [dict(type='mmsda.ResumableRandomnessHook')]

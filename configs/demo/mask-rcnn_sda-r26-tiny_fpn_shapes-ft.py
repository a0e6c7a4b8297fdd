# The main demo's detector: Mask R-CNN (FPN) fine-tuned from the SDA classifier that
# configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py pretrains on the shapes classification view, the
# way SDA-xNet and every ImageNet backbone are used for detection (pretrain, then fine-tune).
#   python tools/train.py configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py   # writes the checkpoint below
#   python tools/train.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py
#   python tools/test.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py \
#       work_dirs/mask-rcnn_sda-r26-tiny_fpn_shapes-ft/epoch_5.pth --show-dir vis
# or all of it: python tools/run_demo.py
# Same model, data and evaluation as the from-scratch demo config it inherits; only what fine-tuning
# changes: the backbone starts from the classifier's `backbone.*` weights (with the classifier's plain
# 3x3 convs), its stem and first stage stay frozen (mmdet's usual fine-tuning setting; it also saves
# their backward pass), and the schedule is shorter. The other BN layers keep training: the
# classifier's statistics come from single-object 64x64 images, not from detection scenes.
_base_ = './mask-rcnn_sda-r26-tiny_fpn_shapes.py'

pretrained = 'work_dirs/sda-resnet26-tiny_1xb32_shapes-cls/epoch_14.pth'
model = dict(
    backbone=dict(
        groups=1,  # the classifier's architecture
        frozen_stages=1,
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=pretrained, prefix='backbone.')))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0, end=max_epochs)
]

# loading in the main process (a worker competes with the two compute threads of a 2-core CPU) and a
# fixed seed, so that a re-run of the demo repeats its numbers
train_dataloader = dict(num_workers=0, persistent_workers=False)
randomness = dict(seed=0)

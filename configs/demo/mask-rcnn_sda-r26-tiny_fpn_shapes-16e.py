# The demo model with a 16-epoch schedule (~30 min on 2 CPU cores), validated every 2 epochs: the
# learning curve behind the README's note on what the 10-minute demo budget reaches.
#   python tools/train.py configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-16e.py
_base_ = './mask-rcnn_sda-r26-tiny_fpn_shapes.py'

max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0, end=max_epochs)
]
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1))

# UPerNet with an SDA-CBAM-ResNet-86 backbone on ADE20K.
# The settings of ../sda/upernet_sda-r86_4xb4-160k_ade20k-512x512.py
# (mmseg's R-50 recipe, SyncBN, ImageNet-pretrained backbone); only the backbone differs.
_base_ = '../sda/upernet_sda-r86_4xb4-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        type='mmsda.CBAMResNet',
        depth=86,
        with_sda=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/sda-cbam-resnet86_in1k.pth', prefix='backbone.')))

# UPerNet with a DCA-SE-ResNet-50 backbone on Cityscapes.
# The settings of ../sda/upernet_sda-r86_4xb2-80k_cityscapes-512x1024.py
# (mmseg's R-50 recipe, SyncBN, ImageNet-pretrained backbone); only the backbone differs.
_base_ = '../sda/upernet_sda-r86_4xb2-80k_cityscapes-512x1024.py'

model = dict(
    backbone=dict(
        type='mmsda.DCAResNet',
        depth=50,
        attention_type='se',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dca-se-resnet50_in1k.pth', prefix='backbone.')))

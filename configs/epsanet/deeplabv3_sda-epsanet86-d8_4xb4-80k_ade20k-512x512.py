# DeepLabV3 with an SDA-EPSANet-86 backbone (dilated: output stride 8) on ADE20K.
# The settings of ../sda/deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py
# (mmseg's R-50 recipe, SyncBN, ImageNet-pretrained backbone); only the backbone differs.
_base_ = '../sda/deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        type='mmsda.EPSANet',
        depth=86,
        with_sda=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/sda-epsanet86_in1k.pth', prefix='backbone.')))

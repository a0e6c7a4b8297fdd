# DeepLabV3 with an SDA-PyConvResNet-86 backbone (dilated: output stride 8) on ADE20K.
# The settings of ../sda/deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py
# (mmseg's R-50 recipe, SyncBN, ImageNet-pretrained backbone); only the backbone differs.
# PyConvResNet down-samples in stage 1 (its stem has no max-pool): its output-stride-8 layout
# is strides (2, 2, 1, 1) with the same dilations (1, 1, 2, 4).
_base_ = '../sda/deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        type='mmsda.PyConvResNet',
        depth=86,
        with_sda=True,
        strides=(2, 2, 1, 1),
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/sda-pyconvresnet86_in1k.pth', prefix='backbone.')))

# UPerNet with an SDA-ResNet-86 backbone on ADE20K: mmseg's UPerNet R-50 recipe (4 GPUs x 4 images,
# 512x512 crops, 160k iterations, SyncBN, auxiliary FCN head on stage 3), only the backbone swapped for
# an ImageNet-pretrained SDA-ResNet-86 (stage widths 256/512/1024/2048: the heads are unchanged).
# The pretrained file is made from the official ImageNet checkpoint with
#   python tools/model_converters/sda_xnet_to_mmsda.py sdanet86.pth checkpoints/sda-resnet86_in1k.pth
_base_ = 'mmseg::upernet/upernet_r50_4xb4-160k_ade20k-512x512.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=86,
        out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sda-resnet86_in1k.pth', prefix='backbone.')))

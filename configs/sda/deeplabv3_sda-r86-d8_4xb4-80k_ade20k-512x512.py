# DeepLabV3 with a dilated SDA-ResNet-86 backbone on ADE20K: mmseg's DeepLabV3 R-50-D8 recipe (4 GPUs x 4
# images, 512x512 crops, 80k iterations, SyncBN, ASPP head, auxiliary FCN head on stage 3), only the
# backbone swapped for an ImageNet-pretrained SDA-ResNet-86 dilated as mmseg's ResNetV1c-D8: stages 3-4
# keep stride 8 with dilations 2 and 4 (the first block of each at half the dilation, contract_dilation);
# the depth attention of those stages mixes their blocks at that resolution.
# The pretrained file is made from the official ImageNet checkpoint with
#   python tools/model_converters/sda_xnet_to_mmsda.py sdanet86.pth checkpoints/sda-resnet86_in1k.pth
_base_ = 'mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-80k_ade20k-512x512.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=86,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=True,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sda-resnet86_in1k.pth', prefix='backbone.')))

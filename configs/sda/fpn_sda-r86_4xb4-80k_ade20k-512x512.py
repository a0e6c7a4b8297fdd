# Semantic FPN with an SDA-ResNet-86 backbone on ADE20K: mmseg's Semantic FPN R-50 ADE20K config
# (sem_fpn/fpn_r50_4xb4-160k_ade20k-512x512.py: 4 GPUs x 4 images, 512x512 crops, SyncBN, no frozen
# stages), made from the same mmseg _base_ files but with mmseg's 80k-iteration schedule, and the backbone
# swapped for an ImageNet-pretrained SDA-ResNet-86 (stage widths 256/512/1024/2048, as ResNet-50: the
# neck is unchanged). The pretrained file is made from the official ImageNet checkpoint with
#   python tools/model_converters/sda_xnet_to_mmsda.py sdanet86.pth checkpoints/sda-resnet86_in1k.pth
_base_ = [
    'mmseg::_base_/models/fpn_r50.py', 'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py'
]
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmsda.SDAResNet',
        depth=86,
        out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sda-resnet86_in1k.pth', prefix='backbone.')),
    decode_head=dict(num_classes=150))

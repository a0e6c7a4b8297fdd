# The DCA-SE-ResNet-50 backbone of the DCANet detector configs: stem + stage 1 frozen with their
# attentions, BN in eval mode, ImageNet-pretrained (the stock R-50-FPN 1x COCO settings). Make the
# pretrained file from the official checkpoint with
#   python tools/model_converters/dcanet_to_mmsda.py dca_se_resnet50.pth.tar checkpoints/dca-se-resnet50_in1k.pth
# A detector config lists this file in its `_base_` and sets
#   model = dict(backbone={{_base_.dca_se_r50_backbone}}, neck=dict(in_channels=[256, 512, 1024, 2048]))
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

dca_se_r50_backbone = dict(
    _delete_=True,
    type='mmsda.DCAResNet',
    depth=50,
    attention_type='se',
    out_indices=(0, 1, 2, 3),
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=True,
    style='pytorch',
    init_cfg=dict(type='Pretrained', checkpoint='checkpoints/dca-se-resnet50_in1k.pth', prefix='backbone.'))

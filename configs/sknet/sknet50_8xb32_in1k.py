# SKNet-50 on ImageNet-1k. The SKNet paper trains as SENet does: SGD, batch 256 (8 GPUs x 32),
# lr 0.1 divided by 10 every 30 epochs, weight decay 1e-4, label-smoothing regularization, 224 crops.
# That is mmpretrain's ResNet-50 recipe (100 epochs) with a label-smoothing loss.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
custom_imports = dict(imports=['mmsda'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='mmsda.SKNet', depth=50, out_indices=(3, )),
    head=dict(loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0)))

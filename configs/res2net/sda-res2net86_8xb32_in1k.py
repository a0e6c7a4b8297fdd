# SDA-Res2Net-86: stages [5, 6, 12, 5] with selective depth attention in every stage.
# Bottle2neck 26w x 4s (first block of every stage of type "stage"), 7x7 stem + max-pool,
# 1x1-conv shortcuts, as the official Res2Net / SDA-Res2Net code.
# The SDA-xNet ImageNet recipe and GAP -> BN -> FC head of configs/sda; only the backbone differs.
_base_ = '../sda/sda-resnet86_8xb32_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='mmsda.Res2Net', depth=86, with_sda=True, out_indices=(3,)))

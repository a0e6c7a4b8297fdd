"""The detector forward pass that OpenMMLab's detector FLOP tables count (mmdet only).

Kept apart from :mod:`mmsda.utils.complexity`, which counts any ``nn.Module`` and does not import
mmdet; ``tools/analysis_tools/get_flops.py`` and ``tools/misc/check_config.py`` use this one.
"""
from typing import Any

import torch
import torch.nn as nn


def detector_dummy_forward(model: nn.Module, images: torch.Tensor, num_proposals: int = 1000) -> Any:
    """The forward pass the OpenMMLab detector FLOP tables count (mmdet 2.x ``forward_dummy``).

    Backbone + neck + dense head on the image; for two-stage detectors the RoI head on
    ``num_proposals`` fixed boxes (the mask head on the first 100, as mmdet does).

    Args:
        model (nn.Module): an mmdet detector in eval mode.
        images (Tensor): 1×3×H×W.
        num_proposals (int): proposals fed to the RoI head. Default: 1000.

    Returns:
        The raw outputs of the dense head (one-stage) or of the RoI head (two-stage).
    """
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    h, w = images.shape[-2:]
    sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.),
                                         pad_shape=(h, w), batch_input_shape=(h, w)))
    feats = model.extract_feat(images)
    if not hasattr(model, 'roi_head'):
        return model.bbox_head.forward(feats)
    model.rpn_head.forward(feats)
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(num_proposals, 2, generator=g) * torch.tensor([w * 0.8, h * 0.8])
    wh = torch.rand(num_proposals, 2, generator=g) * torch.tensor([w * 0.2, h * 0.2]) + 8
    proposals = InstanceData(bboxes=torch.cat([xy, xy + wh], dim=1).to(images.device))
    return model.roi_head.forward(feats, [proposals], [sample])

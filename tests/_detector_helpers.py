"""One training step and one prediction of a detector config on a synthetic image (CPU, seconds)."""
import os

import numpy as np
import torch

from _config_helpers import build_from_config


def detection_sample(path, size=128, labels=(1, 5)):
    """A ``DetDataSample`` of one ``size``x``size`` image with two boxes (and masks for Mask R-CNN)."""
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData

    sample = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size), scale_factor=(1., 1.),
                                         pad_shape=(size, size), batch_input_shape=(size, size)))
    boxes = torch.tensor([[8., 12., 70., 90.], [40., 30., 120., 110.]])
    gt = InstanceData(bboxes=boxes, labels=torch.tensor(labels))
    if 'mask' in os.path.basename(path):
        masks = np.zeros((2, size, size), dtype=np.uint8)
        for mask, (x1, y1, x2, y2) in zip(masks, boxes.int().tolist()):
            mask[y1:y2, x1:x2] = 1
        gt.masks = BitmapMasks(masks, size, size)
    sample.gt_instances = gt
    return sample


def detector_loss_and_predict(path, size=128, **backbone):
    """One training loss (with backward, 2 images) and one prediction (1 image) of a detector config.

    Returns:
        tuple[dict, list, nn.Module]: the losses, the predicted data samples and the model (with the
        gradients of the training step).
    """
    torch.manual_seed(0)
    model, _ = build_from_config(path, small_detector=True, **backbone)  # PyTorch's default init
    sample = detection_sample(path, size)
    image = torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
    model.train()
    # two images: mmdet's ResNeSt with plain BN normalises pooled vectors, which needs > 1 sample
    batch = dict(inputs=[image, image.flip(-1)], data_samples=[sample, sample.clone()])
    data = model.data_preprocessor(batch, training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for v in losses.values())
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=[image], data_samples=[sample]), training=False)
        predictions = model.predict(data['inputs'], data['data_samples'])
    return losses, predictions, model


def assert_losses_finite(losses):
    """Every loss (a tensor or a list of tensors) of a detector is finite."""
    assert all(torch.isfinite(torch.as_tensor(sum(v) if isinstance(v, list) else v)).all() for v in losses.values())

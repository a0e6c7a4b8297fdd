"""Parameter and conv + linear MAC counts of config models, in the convention of the paper tables."""
import torch

from _config_helpers import build_from_config
from mmsda.utils import conv_linear_macs, count_params


class TensorMode(torch.nn.Module):
    """A classifier as a tensor function, ``model(x, mode='tensor')``, for the counters."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, mode='tensor')


def classifier_counts(path, device='cpu'):
    """Parameters and conv + linear MACs at 224² (the tables' FLOPs) of a classifier config.

    With ``device='meta'`` the model is built and run on the meta device: MACs depend on shapes only,
    so the count equals that of a real forward (and of ``tools/analysis_tools/get_flops.py``) without
    computing anything.
    """
    with torch.device(device):
        model, _ = build_from_config(path)
        image = torch.zeros(1, 3, 224, 224)
    return count_params(model), conv_linear_macs(TensorMode(model.eval()), (image,))


def meta_detector_params(path):
    """All and trainable parameters of a detector config (built on the ``meta`` device).

    The SDA-xNet detection tables count trainable parameters only (mmcv's counter skips the frozen
    stem and stage 1), so both numbers are returned.
    """
    with torch.device('meta'):
        model, _ = build_from_config(path)
    return count_params(model), sum(p.numel() for p in model.parameters() if p.requires_grad)

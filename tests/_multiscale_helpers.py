"""What the EPSANet / Res2Net / PyConv tests share beyond ``_model_zoo_helpers``."""
import torch

from _model_zoo_helpers import build_from_config, n_params
from mmsda.utils.complexity import conv_linear_macs


class _TensorMode(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, mode='tensor')


def meta_classifier_counts(path):
    """Parameters and conv + linear MACs at 224² (the tables' FLOPs) of a classifier config.

    The model is built and run on the ``meta`` device: MACs depend on shapes only, so the count equals
    that of a real forward (and of ``tools/analysis_tools/get_flops.py``) without computing anything.
    """
    with torch.device('meta'):
        model, _ = build_from_config(path)
        image = torch.empty(1, 3, 224, 224)
    return n_params(model), conv_linear_macs(_TensorMode(model.eval()), (image,))


def meta_detector_params(path):
    """All and trainable parameters of a detector config (built on the ``meta`` device).

    The SDA-xNet detection tables count trainable parameters only (mmcv's counter skips the frozen
    stem and stage 1), so both numbers are returned.
    """
    with torch.device('meta'):
        model, _ = build_from_config(path)
    return n_params(model), sum(p.numel() for p in model.parameters() if p.requires_grad)

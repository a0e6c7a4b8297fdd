"""The part of a config's model that is exported: a whole classifier, or a detector's backbone + neck."""
import importlib
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsda.apis.checkpoint import load_checkpoint_strict
from .locate import ExportError


class ClassifierForExport(nn.Module):
    """An mmpretrain classifier as a tensor function: B×3×H×W (normalised) → B×num_classes.

    Args:
        model (nn.Module): an mmpretrain ``ImageClassifier`` (backbone, neck, head).
        softmax (bool): return class probabilities instead of logits (what mmpretrain's
            ``predict`` reports as ``pred_score``). Default: False.
    """

    name_prefix = 'model.'  # (error messages name modules as in the config's model)

    def __init__(self, model: nn.Module, softmax: bool = False):
        super().__init__()
        self.model = model
        self.softmax = softmax
        self.output_names = ['scores' if softmax else 'logits']

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.model(x, mode='tensor')
        return F.softmax(logits, dim=1) if self.softmax else logits


class DetectorFeaturesForExport(nn.Module):
    """An mmdet detector's backbone + neck: B×3×H×W (normalised) → the feature maps (FPN levels).

    Args:
        model (nn.Module): an mmdet detector with ``extract_feat`` (backbone, and neck if any).
        num_outputs (int): number of feature maps ``extract_feat`` returns (names ``feat0``, ...).
    """

    name_prefix = 'model.'

    def __init__(self, model: nn.Module, num_outputs: int):
        super().__init__()
        self.model = model
        self.output_names = [f'feat{i}' for i in range(num_outputs)]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(self.model.extract_feat(x))


def build_config_model(cfg) -> nn.Module:
    """Build ``cfg.model`` in the config's scope (mmdet or mmpretrain), in eval mode, weights as built."""
    from mmengine.registry import init_default_scope

    scope = cfg.get('default_scope')
    if scope not in ('mmdet', 'mmpretrain'):
        raise ExportError(f'default_scope is {scope!r}: export supports mmpretrain classifiers and mmdet '
                          'detectors (inherit an mmdet:: or mmpretrain:: base config)')
    init_default_scope(scope)
    model = importlib.import_module(f'{scope}.registry').MODELS.build(cfg.model)
    model.eval()  # (not chained: some OpenMMLab train() overrides return None)
    return model


def build_export_model(cfg, checkpoint: Optional[str] = None, softmax: bool = False,
                       probe_shape: Sequence[int] = (64, 64)) -> nn.Module:
    """The exportable module of a config: :class:`ClassifierForExport` or :class:`DetectorFeaturesForExport`.

    Args:
        cfg (mmengine.Config): an mmpretrain classifier or mmdet detector config.
        checkpoint (str, optional): weights, loaded strictly (see
            :func:`~mmsda.apis.load_checkpoint_strict`). None: the weights as built (no
            ``init_weights``, so no pretrained backbone is fetched): for checking the export only.
        softmax (bool): classifiers: output probabilities. Default: False.
        probe_shape (Sequence[int]): H, W of the dummy input that counts a detector's feature maps.

    Returns:
        nn.Module: in eval mode, with ``output_names`` and ``task`` (``'classification'`` or
        ``'detection'``) attributes.
    """
    model = build_config_model(cfg)
    if checkpoint is not None:
        load_checkpoint_strict(model, checkpoint)
    if cfg.default_scope == 'mmpretrain':
        if not (hasattr(model, 'extract_feat') and hasattr(model, 'head')):
            raise ExportError(f'{type(model).__name__} is not an image classifier with a head: '
                              'export supports mmpretrain ImageClassifier models')
        wrapper, task = ClassifierForExport(model, softmax), 'classification'
    else:
        if not hasattr(model, 'extract_feat'):
            raise ExportError(f'{type(model).__name__} has no extract_feat: export supports mmdet '
                              "detectors' backbone + neck")
        with torch.no_grad():
            feats = model.extract_feat(torch.zeros(1, 3, *probe_shape))
        wrapper, task = DetectorFeaturesForExport(model, len(feats)), 'detection'
    wrapper.task = task
    wrapper.eval()
    return wrapper

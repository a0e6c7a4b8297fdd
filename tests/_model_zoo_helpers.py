"""What the SKNet / SA-Net / DCANet / ResNeSt tests share: building configs, counting, detector runs."""
import glob
import importlib.util
import os
import sys
import types

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_files(family):
    """Every config file of ``configs/<family>/``."""
    return sorted(glob.glob(os.path.join(REPO, 'configs', family, '*.py')))


def _fewer_proposals(cfg):
    """Fewer proposals and sampled RoIs: the same code paths at a fraction of the CPU time."""
    train, test = cfg.model.get('train_cfg') or {}, cfg.model.get('test_cfg') or {}
    if 'rpn_proposal' in train:
        train['rpn_proposal'].update(nms_pre=200, max_per_img=64)
    rcnn = train.get('rcnn')
    for stage in (rcnn if isinstance(rcnn, list) else [rcnn] if rcnn else []):
        stage['sampler']['num'] = 32
    if 'rpn' in test:
        test['rpn'].update(nms_pre=200, max_per_img=32)
    elif 'nms_pre' in test:
        test['nms_pre'] = 200


def build_from_config(path, small_detector=False, **backbone):
    """Build ``cfg.model`` from its default scope, without any pretrained weights.

    Args:
        path (str): config file (absolute, or relative to the repository).
        small_detector (bool): cut the proposals and sampled RoIs of a detector (for fast tests).
        **backbone: overrides of ``cfg.model.backbone``.

    Returns:
        tuple[nn.Module, Config]: the model (not initialised) and the config.
    """
    cfg = Config.fromfile(os.path.join(REPO, path))
    cfg.model.backbone.update(backbone)
    cfg.model.backbone.pop('init_cfg', None)
    if small_detector:
        _fewer_proposals(cfg)
    init_default_scope(cfg.default_scope)
    registry = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    return registry.build(cfg.model), cfg


#: Output shapes of a ResNet-50-like backbone with out_indices (0, 1, 2, 3) on a 64x64 image.
RESNET_SHAPES_64 = [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]


def build_in_scope(scope, **cfg):
    """Build a model config through the ``MODELS`` registry of ``scope`` ('mmdet' or 'mmpretrain')."""
    from mmengine.registry import DefaultScope
    registry = importlib.import_module(f'{scope}.registry').MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(cfg)


def output_shapes(backbone, size=64):
    """Shapes of the feature maps of ``backbone`` (in eval mode) on one ``size``x``size`` image."""
    return [tuple(o.shape) for o in backbone.eval()(torch.randn(1, 3, size, size))]


def assert_stem_and_stage1_frozen_with_bn_in_eval(model):
    """``frozen_stages=1, norm_eval=True`` in train mode: stem + stage 1 frozen, stage 2 trains, BN in eval."""
    from torch.nn.modules.batchnorm import _BatchNorm
    assert not any(p.requires_grad for m in (model.conv1, model.layer1) for p in m.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, _BatchNorm))


def assert_config_builds_with_its_sda_flag(path, backbone_class):
    """A config builds (on the meta device) with ``backbone_class``, with SDA iff its name says 'sda-'."""
    with torch.device('meta'):  # building is what is tested; no weights are needed
        model, _ = build_from_config(path)
    assert isinstance(model.backbone, backbone_class)
    assert model.backbone.with_sda == ('sda-' in path.split('/')[-1])


def assert_losses_finite(losses):
    """Every loss (a tensor or a list of tensors) of a detector is finite."""
    assert all(torch.isfinite(torch.as_tensor(sum(v) if isinstance(v, list) else v)).all() for v in losses.values())


def n_params(module):
    return sum(p.numel() for p in module.parameters())


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
        tuple[dict, list]: the losses and the predicted data samples.
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
    return losses, predictions


def load_tool(relative_path):
    """Import a script under ``tools/`` as a module (to call its ``main(argv)`` in-process)."""
    path = os.path.join(REPO, relative_path)
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def save_as_official(obj, path, module_name, classes):
    """``torch.save`` with ``classes`` pretending to live in the authors' module ``module_name``,
    which does not exist at load time (as in a real official checkpoint)."""
    module = types.ModuleType(module_name)
    saved = [(cls, cls.__module__) for cls in classes]
    for cls in classes:
        cls.__module__ = module_name
        setattr(module, cls.__name__, cls)
    sys.modules[module_name] = module
    try:
        torch.save(obj, path)
    finally:
        del sys.modules[module_name]
        for cls, name in saved:
            cls.__module__ = name


def randomize(model):
    """Random weights and BN statistics (so that a wrong key mapping shows in the outputs)."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype.is_floating_point:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5 if 'running_var' in name
                        else torch.randn(t.shape, generator=g) * 0.1)
    return model.eval()

"""The semantic-segmentation configs of the model folders (FPN, UPerNet, DeepLabV3-D8 on ADE20K, UPerNet
on Cityscapes): each builds in the mmseg scope with its family's backbone and its metafile records the
built model's parameters; every segmentor type computes its losses, back-propagates into the depth
attention and predicts on the CPU."""
import functools
import glob
import os
import re

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from _config_helpers import REPO, build_from_config
from _tool_helpers import import_tool
from mmsda.utils import count_params


SEG_NAME = re.compile(
    r'(fpn|upernet|deeplabv3)_(.+)_(4xb4-80k|4xb4-160k|4xb2-80k)_(ade20k|cityscapes)-\d+x\d+\.py$')
SEG_CONFIGS = sorted(p for p in glob.glob(os.path.join(REPO, 'configs', '*', '*.py'))
                     if SEG_NAME.match(os.path.basename(p)))
#: folder -> backbone class, and whether its configs use SDA (the -86 families) or not (the baselines)
FAMILIES = {
    'sda': ('SDAResNet', True), 'cbam': ('CBAMResNet', True), 'eca': ('ECAResNet', True),
    'gcnet': ('GCResNet', True), 'senet': ('SEResNet', True), 'epsanet': ('EPSANet', True),
    'pyconv': ('PyConvResNet', True), 'res2net': ('Res2Net', True), 'sknet': ('SKNet', False),
    'sanet': ('SANet', False), 'dcanet': ('DCAResNet', False), 'resnest': ('ResNeSt', False)}
HEADS = {'fpn': 'FPNHead', 'upernet': 'UPerHead', 'deeplabv3': 'ASPPHead'}
SETS = {  # the four configs of every family: (segmentor, schedule, dataset)
    ('fpn', '4xb4-80k', 'ade20k'), ('upernet', '4xb4-160k', 'ade20k'), ('upernet', '4xb2-80k', 'cityscapes'),
    ('deeplabv3', '4xb4-80k', 'ade20k')}


def relative(path):
    return os.path.relpath(path, REPO)


@functools.lru_cache(maxsize=None)
def metafile_models():
    """Config path (relative to the repository) -> metafile entry, over every configs/*/metafile.yml."""
    models = {}
    for path in glob.glob(os.path.join(REPO, 'configs', '*', 'metafile.yml')):
        with open(path) as f:
            for model in yaml.safe_load(f).get('Models') or []:
                models[model['Config']] = model
    return models


def test_every_family_has_the_four_configs():
    found = {}
    for path in SEG_CONFIGS:
        algo, _, schedule, dataset = SEG_NAME.match(os.path.basename(path)).groups()
        found.setdefault(path.split(os.sep)[-2], set()).add((algo, schedule, dataset))
    assert found == {folder: SETS for folder in FAMILIES}


@pytest.mark.parametrize('path', SEG_CONFIGS, ids=relative)
def test_config_builds_in_mmseg_scope_and_metafile_has_its_params(path):
    folder, name = path.split(os.sep)[-2:]
    algo, backbone_name, _, dataset = SEG_NAME.match(name).groups()
    with torch.device('meta'):  # building and counting is what is tested; no weights are needed
        model, cfg = build_from_config(path)
    assert cfg.default_scope == 'mmseg'
    backbone_class, with_sda = FAMILIES[folder]
    assert type(model.backbone).__name__ == backbone_class
    assert getattr(model.backbone, 'with_sda', False) == with_sda == backbone_name.startswith('sda-')
    assert type(model.decode_head).__name__ == HEADS[algo]
    assert model.decode_head.num_classes == {'ade20k': 150, 'cityscapes': 19}[dataset]
    d8 = backbone_name.endswith('-d8')
    assert d8 == (algo == 'deeplabv3')
    # the stock heads read stage widths 256/512/1024/2048: every family has them
    widths = [getattr(model.backbone, f'layer{i}')[-1].conv3.out_channels for i in range(1, 5)]
    assert widths == [256, 512, 1024, 2048]

    entry = metafile_models().get(relative(path))
    assert entry is not None, f'{relative(path)} has no entry in configs/{folder}/metafile.yml'
    meta = entry['Metadata']
    assert entry['Name'] == name[:-3] and entry['In Collection']
    assert meta['Parameters'] == count_params(model), 'metafile parameters differ from the built model'
    assert meta['Training Data'] == {'ade20k': 'ADE20K', 'cityscapes': 'Cityscapes'}[dataset]
    assert isinstance(meta['FLOPs'], int) and meta['FLOPs'] > 0


def seg_batch(num_classes, size=64, n=2):
    """``n`` random uint8 images with SegDataSample labels (classes 0..num_classes-1 and ignored 255)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g))
        label = torch.randint(0, num_classes, (1, size, size), generator=g)
        label[:, :4] = 255  # an ignored border, as padding gives
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name', ['fpn_sda-r86_4xb4-80k_ade20k-512x512.py',
                                  'upernet_sda-r86_4xb4-160k_ade20k-512x512.py',
                                  'deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py'])
def test_segmentor_loss_backward_and_predict_on_cpu(name):
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'sda', name))
    cfg.model.backbone.pop('init_cfg')  # pretrained files are not part of the repository
    cfg.model.data_preprocessor.size = (64, 64)  # pad to the test images, not to the 512x512 crops
    init_default_scope('mmseg')
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # as MMEngine does without distribution
    model.init_weights()
    model.train()
    data = model.data_preprocessor(seg_batch(150), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    heads = {'decode'} if name.startswith('fpn') else {'decode', 'aux'}
    assert {k.split('.')[0] for k in losses} == heads and 'decode.loss_ce' in losses
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    for i in range(1, 5):  # every stage's depth attention learns (dilated stages 3-4 of the D8 model too)
        grad = getattr(model.backbone, f'layer{i}').fusion.excite.weight.grad
        assert grad is not None and grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(seg_batch(150, n=1), False)
        results = model.predict(data['inputs'], data['data_samples'])
    assert results[0].seg_logits.data.shape == (150, 64, 64)
    assert results[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_get_flops_counts_a_segmentor_at_its_crop_without_the_auxiliary_head():
    get_flops = import_tool('analysis_tools/get_flops.py')
    city = Config.fromfile(os.path.join(REPO, 'configs/sda/upernet_sda-r86_4xb2-80k_cityscapes-512x1024.py'))
    assert get_flops.default_shape(city) == (512, 1024)
    cfg = Config.fromfile(os.path.join(REPO, 'configs/sda/deeplabv3_sda-r86-d8_4xb4-80k_ade20k-512x512.py'))
    assert get_flops.default_shape(cfg) == (512, 512)
    cfg.model.backbone.update(depth=26, init_cfg=None)  # a small backbone: the counting is what is tested
    full = get_flops.measure(cfg, (64, 64))
    cfg.model.auxiliary_head = None
    no_aux = get_flops.measure(cfg, (64, 64))
    # the auxiliary head's parameters are counted, its (training-only) FLOPs are not
    assert no_aux['macs'] == full['macs'] > 0 and no_aux['params'] < full['params']
    assert full['shape'] == (64, 64) and full['mmengine_flops'] > full['macs']

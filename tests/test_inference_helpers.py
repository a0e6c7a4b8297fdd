"""Strict checkpoint loading (the first mismatching keys are named) and mmsda names in mmpretrain's hub."""
import os.path as osp
import warnings

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmsda.apis import (CheckpointMismatchError, check_checkpoint_fits, checkpoint_mismatch,
                        load_checkpoint_strict, register_models)
from mmsda.deployment import build_export_model

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_DEMO = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')


def _net(width=4):
    return nn.Sequential(nn.Conv2d(3, width, 3), nn.BatchNorm2d(width), nn.Linear(width, 2))


def test_mismatch_names_missing_unexpected_and_reshaped_keys_in_order():
    state = _net(8).state_dict()
    del state['0.weight']
    state['extra.weight'] = torch.zeros(1)
    text = checkpoint_mismatch(_net(4), state)
    assert text.startswith('missing keys: 0.weight; unexpected keys: extra.weight; shape mismatches: 0.bias '
                           '(checkpoint (8,), model (4,))'), text


def test_mismatch_lists_at_most_five_keys_and_the_count():
    text = checkpoint_mismatch(nn.Sequential(*[nn.Linear(2, 2) for _ in range(4)]), {})
    assert text == 'missing keys: 0.weight, 0.bias, 1.weight, 1.bias, 2.weight, ... (8 in all)'


def test_a_fitting_checkpoint_loads_with_its_meta_and_without_module_prefix(tmp_path):
    source, target = _net(), _net()
    source[1].running_mean.fill_(3)
    state = {f'module.{k}': v for k, v in source.state_dict().items() if 'num_batches_tracked' not in k}
    path = str(tmp_path / 'ok.pth')
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=dict(classes=('a', 'b')))), path)
    checkpoint = load_checkpoint_strict(target, path)
    assert checkpoint['meta']['dataset_meta']['classes'] == ('a', 'b')
    assert torch.equal(target[1].running_mean, torch.full((4, ), 3.))
    assert check_checkpoint_fits(target, path)['meta'] == checkpoint['meta']


def test_a_checkpoint_of_another_model_is_refused_naming_keys(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=_net(8).state_dict()), path)
    target = _net(4)
    before = target[0].weight.clone()
    with pytest.raises(CheckpointMismatchError, match=r'other\.pth does not fit the model \(Sequential\): '
                                                       r'shape mismatches: 0\.weight \(checkpoint \(8, 3, 3, 3\)'):
        load_checkpoint_strict(target, path)
    assert torch.equal(target[0].weight, before)  # nothing half-loaded
    with pytest.raises(FileNotFoundError, match='checkpoint file not found: .*missing.pth'):
        load_checkpoint_strict(target, str(tmp_path / 'missing.pth'))


def test_export_of_a_config_with_a_checkpoint_of_another_model_names_the_first_keys(tmp_path):
    path = str(tmp_path / 'det.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(16, 3, 7, 7),
                                'roi_head.bbox_head.fc_cls.weight': torch.zeros(6, 256)}), path)
    with pytest.raises(CheckpointMismatchError) as error:
        build_export_model(Config.fromfile(CLS_DEMO), path)
    message = str(error.value)
    assert 'missing keys: backbone.bn1.weight, backbone.bn1.bias, backbone.bn1.running_mean' in message
    assert 'unexpected keys: roi_head.bbox_head.fc_cls.weight' in message


def test_register_models_makes_mmsda_classifiers_usable_by_name():
    from mmpretrain import get_model, list_models
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        register_models()
    names = list_models()
    assert 'sda-resnet26-tiny_1xb32_shapes-cls' in names and 'sda-resnet86_8xb32_in1k' in names
    assert not any(n.startswith(('faster-rcnn', 'mask-rcnn')) for n in names if 'sda' in n)  # classifiers only
    assert register_models() == []  # idempotent
    # mmpretrain's own SE-ResNet-50 keeps its name
    assert any('skipped: seresnet50_8xb32_in1k' in str(w.message) for w in caught)
    model = get_model('sda-resnet26-tiny_1xb32_shapes-cls')
    assert type(model.backbone).__name__ == 'SDAResNet'
    assert model._dataset_meta['classes'] == ('circle', 'square', 'triangle', 'star', 'cross')
    assert model._metainfo.results[0].task == 'Image Classification'  # what inference_model needs


def test_register_models_without_an_index_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match='mmsda model index not found: .*nowhere.yml'):
        register_models(str(tmp_path / 'nowhere.yml'))

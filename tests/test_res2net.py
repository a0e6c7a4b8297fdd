"""Res2Net and SDA-Res2Net: the Bottle2neck block, the backbone, configs, numbers and converters."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from _metafiles import metadata
from _config_helpers import REPO, build_from_config
from _weight_helpers import randomize, save_as_official
from _sda_official_layouts import OFFICIAL_CLASSES, OfficialSDANet
from _tool_helpers import import_tool
from mmsda.converters import convert_sda_res2net_classifier, extract_state_dict, load_untrusted
from mmsda.models.backbones import Res2Net
from mmsda.models.blocks import Bottle2neck

CONVERTER = import_tool('model_converters/sda_xnet_to_mmsda.py')


def _split_outputs(block, x):
    """The hierarchical part of a block on x, split back into its ``scales`` parts."""
    with torch.no_grad():
        return torch.split(block.multi_scale(x), block.width, dim=1)


def test_normal_block_adds_each_split_to_the_previous_output():
    block = Bottle2neck(256, 256, stage_type='normal').eval()
    x = torch.randn(1, 4 * 26, 8, 8)
    y = x.clone()
    y[:, :26] += 1  # change split 1 only
    changed = [not torch.equal(a, b) for a, b in zip(_split_outputs(block, x), _split_outputs(block, y))]
    assert changed == [True, True, True, False], 'splits 2..3 see split 1 through the adds; split 4 passes'


def test_stage_block_has_no_adds_and_average_pools_the_last_split():
    block = Bottle2neck(64, 256, stride=2, stage_type='stage').eval()
    x = torch.randn(1, 4 * 26, 8, 8)
    y = x.clone()
    y[:, :26] += 1
    outs, outs_y = _split_outputs(block, x), _split_outputs(block, y)
    assert [not torch.equal(a, b) for a, b in zip(outs, outs_y)] == [True, False, False, False]
    torch.testing.assert_close(outs[3], F.avg_pool2d(x[:, 78:], 3, 2, 1, count_include_pad=True))


def test_auto_stage_type_is_stage_exactly_for_the_first_block_of_every_stage():
    model = Res2Net(depth=50)
    types = [[b.stage_type for b in getattr(model, f'layer{i}').blocks] for i in range(1, 5)]
    assert types == [['stage'] + ['normal'] * (n - 1) for n in (3, 4, 6, 3)]
    assert model.layer1[0].pool.stride == 1, 'official: stage 1 pools its last split with stride 1 too'


def test_block_returns_the_pre_activation_output():
    block = Bottle2neck(256, 256).eval()
    with torch.no_grad():
        z = block(torch.randn(2, 256, 8, 8))
    assert (z < 0).any(), 'the stage, not the block, applies the ReLU'


def test_same_network_and_outputs_as_mmpretrain_res2net_v1():
    from mmpretrain.models.backbones import Res2Net as MMPretrainRes2Net
    ref = MMPretrainRes2Net(depth=50, deep_stem=False, avg_down=False, out_indices=(0, 1, 2, 3))
    ours = Res2Net(depth=50, out_indices=(0, 1, 2, 3))
    randomize(ref)
    ref.eval()  # mmpretrain's train() returns None
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(ours.eval()(x), ref(x)):
            torch.testing.assert_close(a, b)


@pytest.mark.parametrize('name,paper_params,paper_gflops', [
    ('res2net50', 25.70e6, 4.26),
    ('res2net86', 42.47e6, 6.94),
    ('sda-res2net86', 45.26e6, 6.95),
])
def test_classifier_params_and_flops_match_the_sda_table(name, paper_params, paper_gflops):
    # the metafile's exact counts (test_model_zoo.py checks them against the model) vs the paper
    meta = metadata(f'res2net/{name}_8xb32_in1k.py')
    params, macs = meta['Parameters'], meta['FLOPs']
    assert abs(params / paper_params - 1) < 0.005, f'{name}: SDA-xNet table {paper_params / 1e6} M'
    assert abs(macs / 1e9 / paper_gflops - 1) < 0.005, f'{name}: SDA-xNet table {paper_gflops} GFLOPs'


@pytest.mark.parametrize('name,paper_params', [
    ('faster-rcnn_sda-res2net86', 60.98e6),
    ('mask-rcnn_sda-res2net86', 63.62e6),
])
def test_sda_res2net86_detectors_match_the_sda_table_in_trainable_parameters(name, paper_params):
    trainable = metadata(f'res2net/{name}_fpn_1x_coco.py')['Trainable Parameters']
    assert abs(trainable / paper_params - 1) < 0.001, f'{name}: SDA-xNet table {paper_params / 1e6} M (trainable)'


def test_bad_stage_type_raises():
    with pytest.raises(ValueError, match='stage_type'):
        Bottle2neck(256, 256, stage_type='first')


def _classifier(num_classes):
    cfg = Config.fromfile(f'{REPO}/configs/res2net/sda-res2net86_8xb32_in1k.py')
    cfg.model.backbone.depth = 50
    cfg.model.head.num_classes = num_classes
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    return MODELS.build(cfg.model).eval()


@pytest.fixture(scope='module')
def official_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('official') / 'sda_res2net50.pth'
    model = randomize(OfficialSDANet('res2net'))
    save_as_official(nn.DataParallel(model), path, 'res2net_at', OFFICIAL_CLASSES)
    return model, path


def test_official_classifier_converts_loads_strict_and_gives_the_same_logits(official_file, tmp_path):
    official, path = official_file
    out = tmp_path / 'converted.pth'
    CONVERTER.main(['--arch', 'sda-res2net', str(path), str(out)])
    classifier = _classifier(num_classes=10)
    classifier.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(classifier(x, mode='tensor'), official(x), rtol=1e-5, atol=1e-5)


def test_whole_pickled_official_model_is_read_without_its_code(official_file):
    official, path = official_file
    with pytest.raises(ModuleNotFoundError):
        torch.load(path, weights_only=False)  # plain torch needs the authors' module
    state = extract_state_dict(load_untrusted(str(path)))
    assert set(state) == {'module.' + k for k in official.state_dict()}


def test_converter_rejects_a_checkpoint_of_another_family():
    with pytest.raises(KeyError, match='not an SDA-Res2Net checkpoint'):
        convert_sda_res2net_classifier(OfficialSDANet('pyconv').state_dict())


def test_official_mmdet2_detector_converts_and_its_backbone_matches(tmp_path):
    detector, _ = build_from_config('configs/res2net/faster-rcnn_sda-res2net86_fpn_1x_coco.py', depth=50)
    official = randomize(OfficialSDANet('res2net', head=False))
    state = {f'backbone.{k}': v for k, v in official.state_dict().items()}
    state.update({k: v for k, v in detector.state_dict().items() if not k.startswith('backbone.')})
    src, dst = tmp_path / 'faster_rcnn_sda_res2net.pth', tmp_path / 'converted.pth'
    torch.save({'meta': {'epoch': 12}, 'state_dict': state}, src)
    CONVERTER.main(['--arch', 'sda-res2net', str(src), str(dst)])
    detector.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for ours, ref in zip(detector.eval().backbone(x), official.features(x)):
            torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)

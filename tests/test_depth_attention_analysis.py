"""Depth-attention analysis: the hook recorder, size bins, the report files, checkpoint checks."""
import csv
import json
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from _tool_helpers import import_tool
from mmsda.analysis import (DepthAttentionRecorder, bin_counts, binned_means, coco_size_bin,
                            find_depth_attention, scale_bin_edges, scale_size_bin)
from mmsda.analysis.builders import load_matching_checkpoint
from mmsda.analysis.depth_attention import DepthAttentionStage
from mmsda.analysis.depth_attention_report import summarise, write_report
from mmsda.datasets.shapes import size_range_counts
from mmsda.models.backbones import SDAResNet

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_DEMO = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')


def _narrow_sda(depth=50, with_sda=True, base=8):
    """A narrow SDA-ResNet (stages of 3, 4, 6, 3 blocks at depth 50) with non-trivial attention."""
    torch.manual_seed(0)
    model = SDAResNet(depth=depth, stem_channels=base, base_channels=base, min_channels=8,
                      out_indices=(0, 1, 2, 3), with_sda=with_sda)
    for _, fusion in find_depth_attention(model):
        for p in fusion.excite.parameters():  # logits far from equal, so the softmax is not uniform
            torch.nn.init.normal_(p, std=1.0)
    return model.eval()


def test_recorder_captures_a_softmax_over_the_blocks_of_every_stage():
    model = _narrow_sda()
    x = torch.randn(2, 3, 64, 64)
    expected = {}

    def reference(stage_name):
        def hook(fusion, args):  # the weights from the fusion's own method, on its inputs
            zs, pooled = args[0], args[1]
            mean = pooled / (zs[0].size(2) * zs[0].size(3))
            expected[stage_name] = fusion.depth_weights(mean)[..., 0, 0]
        return hook

    handles = [fusion.register_forward_pre_hook(reference(stage.name))
               for stage, fusion in find_depth_attention(model)]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    with DepthAttentionRecorder(model) as recorder, torch.no_grad():
        model(x)
        weights = recorder.pop()
    assert [s.name for s in recorder.stages] == ['layer1', 'layer2', 'layer3', 'layer4']
    assert [(s.num_blocks, s.channels) for s in recorder.stages] == [(3, 32), (4, 64), (6, 128), (3, 256)]
    for stage in recorder.stages:
        w = weights[stage.name]
        assert w.shape == (2, stage.num_blocks, stage.channels)
        torch.testing.assert_close(w.sum(dim=1), torch.ones(2, stage.channels))  # per channel
        assert torch.equal(w, expected[stage.name])
        assert w.std() > 0.05, 'test needs non-uniform weights'
    assert all(v.shape[0] == 0 for v in recorder.pop().values()), 'pop empties the records'


@pytest.mark.parametrize('grad', [False, True])
def test_recording_leaves_the_outputs_bit_equal(grad):
    model = _narrow_sda()
    x = torch.randn(2, 3, 64, 64)
    with torch.set_grad_enabled(grad):
        plain = model(x)
        with DepthAttentionRecorder(model) as recorder:
            hooked = model(x)
        after = model(x)
    assert len(recorder.pop()['layer3']) == 2
    for a, b, c in zip(plain, hooked, after):
        assert torch.equal(a, b) and torch.equal(a, c)
    assert all(not fusion.excite._forward_hooks for _, fusion in find_depth_attention(model))


@pytest.mark.parametrize('family', ['Res2Net', 'DCAResNet', 'EPSANet', 'SKNet'])
def test_recorder_works_for_every_sda_family(family):
    from mmsda.registry import MODELS
    model = MODELS.build(dict(type=f'mmsda.{family}', depth=50, with_sda=True, out_indices=(3,))).eval()
    with DepthAttentionRecorder(model) as recorder, torch.no_grad():
        out = model(torch.randn(1, 3, 32, 32))
        weights = recorder.pop()
    assert [weights[s.name].shape[1] for s in recorder.stages] == [3, 4, 6, 3]
    for w in weights.values():
        torch.testing.assert_close(w.sum(dim=1), torch.ones(w.shape[0], w.shape[2]))
    assert out[0].shape[1] == 2048


def test_recorder_refuses_a_model_without_depth_attention():
    with pytest.raises(ValueError, match='SDAResNet has no depth attention'):
        DepthAttentionRecorder(_narrow_sda(with_sda=False))


def test_coco_bins_follow_pycocotools_thresholds():
    areas = [1, 32 ** 2 - 0.5, 32 ** 2, 96 ** 2 - 0.5, 96 ** 2, 200 ** 2]
    bins = [coco_size_bin(a) for a in areas]
    assert bins == ['small', 'small', 'medium', 'medium', 'large', 'large']
    assert bin_counts(bins) == size_range_counts(areas)


def test_scale_bins_are_terciles_of_the_range():
    assert scale_bin_edges((0.1, 0.4)) == pytest.approx((0.2, 0.3))
    assert [scale_size_bin(s, (0.1, 0.4)) for s in (0.1, 0.19, 0.21, 0.29, 0.31, 0.4)] == \
        ['small', 'small', 'medium', 'medium', 'large', 'large']
    with pytest.raises(ValueError, match='scale_range'):
        scale_bin_edges((0.5, 0.5))
    with pytest.raises(ValueError, match="unknown size bin 'huge'"):
        bin_counts(['huge'])


def test_binned_means_weight_images_by_their_object_shares():
    values = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    counts = [dict(small=1, medium=0, large=0), dict(small=0, medium=0, large=2),
              dict(small=1, medium=0, large=1)]
    bins = binned_means(values, counts)
    # small: shares 1, 0, 1/2 -> (1*[1, 0] + 0.5*[0.5, 0.5]) / 1.5
    assert bins['small']['mean'] == pytest.approx([1.25 / 1.5, 0.25 / 1.5])
    assert bins['small']['weight'] == 1.5 and bins['small']['images'] == 2
    assert bins['small']['effective_images'] == pytest.approx(1.5 ** 2 / 1.25)
    assert bins['small']['pure_images'] == 1 and bins['small']['pure_mean'] == [1.0, 0.0]
    assert bins['large']['mean'] == pytest.approx([0.25 / 1.5, 1.25 / 1.5])
    assert bins['medium']['mean'] is None and bins['medium']['images'] == 0
    with pytest.raises(ValueError, match='M×K'):
        binned_means([1.0, 2.0], counts[:2])


def test_report_writes_heatmap_by_size_plot_json_and_csv(tmp_path):
    stages = [DepthAttentionStage('backbone.layer1', 2, 8), DepthAttentionStage('backbone.layer2', 3, 16)]
    records = [dict(image=f'img{i}.png', weights={'backbone.layer1': [0.3 + 0.1 * i, 0.7 - 0.1 * i],
                                                  'backbone.layer2': [0.2, 0.3, 0.5]}) for i in range(3)]
    size_info = [dict(sizes=[s], bins=bin_counts([scale_size_bin(s, (0.1, 0.4))])) for s in (0.15, 0.25, 0.35)]
    summary = summarise(stages, records, 'scale', size_info, (0.1, 0.4))
    assert summary['mean']['backbone.layer1'] == pytest.approx([0.4, 0.6])
    assert summary['by_size']['bins']['large']['mean']['backbone.layer1'] == pytest.approx([0.5, 0.5])
    files = write_report(str(tmp_path), summary, records, size_info, dict(config='x.py'))
    assert sorted(files) == ['by_size', 'csv', 'heatmap', 'json']
    for kind in ('heatmap', 'by_size'):
        assert Image.open(files[kind]).format == 'PNG'
    with open(files['json']) as f:
        report = json.load(f)
    assert report['config'] == 'x.py' and report['num_images'] == 3
    assert [s['label'] for s in report['stages']] == ['layer1', 'layer2']
    assert report['images'][2]['bins'] == dict(small=0, medium=0, large=1)
    with open(files['csv']) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * (2 + 3)
    assert rows[0] == dict(image='img0.png', stage='layer1', block='1', mean_weight='0.300000',
                           size_kind='scale', sizes='0.15', small='1', medium='0', large='0')


def test_report_without_sizes_has_no_by_size_plot(tmp_path):
    stages = [DepthAttentionStage('layer1', 2, 4)]
    records = [dict(image='a.png', weights={'layer1': [0.5, 0.5]})]
    info = [dict(sizes=None, bins=None)]
    files = write_report(str(tmp_path), summarise(stages, records), records, info, {})
    assert 'by_size' not in files and osp.isfile(files['heatmap'])


def test_checkpoint_mismatch_names_the_first_keys(tmp_path):
    model = _narrow_sda(depth=26)
    path = str(tmp_path / 'plain.pth')
    torch.save(dict(state_dict=_narrow_sda(depth=26, with_sda=False).state_dict()), path)
    with pytest.raises(ValueError, match=r'keys of the model are missing: layer1\.fusion\.') as info:
        load_matching_checkpoint(model, path, 'cfg.py')
    assert 'with_sda=False' in str(info.value) and path in str(info.value)
    torch.save(dict(state_dict=_narrow_sda(depth=26, base=16).state_dict()), path)
    with pytest.raises(ValueError, match=r'165 tensors have other shapes: bn1\.bias \(16,\) vs \(8,\) in '
                                         r'the model, .*conv1\.weight \(16, 3, 7, 7\) vs \(8, 3, 7, 7\)'):
        load_matching_checkpoint(model, path)
    torch.save({'module.' + k: v for k, v in model.state_dict().items()}, path)  # DataParallel layout
    load_matching_checkpoint(_narrow_sda(depth=26, base=8), path)


def _vis_tool():
    return import_tool('analysis_tools/vis_depth_attention.py')


def test_vis_tool_names_a_backbone_without_depth_attention(tmp_path):
    ckpt = tmp_path / 'any.pth'
    ckpt.write_bytes(b'')
    with pytest.raises(SystemExit, match='the backbone mmsda.SDAResNet has no depth attention'):
        _vis_tool().main([CLS_DEMO, str(ckpt), '--cfg-options', 'model.backbone.with_sda=False'])


def test_vis_tool_rejects_a_checkpoint_of_another_model(tmp_path):
    ckpt = str(tmp_path / 'wide.pth')
    torch.save(dict(state_dict=_narrow_sda(depth=26, base=32).state_dict()), ckpt)
    with pytest.raises(SystemExit, match=rf'checkpoint {ckpt} does not match the model of {CLS_DEMO}: '
                                         r'213 keys of the model are missing: backbone\.bn1\.bias, .*; '
                                         r'206 keys are not in the model: bn1\.bias'):
        _vis_tool().main([CLS_DEMO, ckpt, '--out-dir', str(tmp_path / 'out')])
    assert not (tmp_path / 'out').exists()


def test_spread_indices_cover_the_split():
    spread = _vis_tool().spread_indices
    assert spread(100, 5) == [0, 25, 50, 74, 99]
    assert spread(3, 10) == [0, 1, 2] and spread(4, 0) == [0, 1, 2, 3]
    assert np.all(np.diff(spread(1000, 37)) > 0)


@pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')  # pycocotools, numpy 2
def test_coco_images_are_binned_by_their_annotation_areas(tmp_path):
    from mmengine.registry import DATASETS, DefaultScope
    from pycocotools.coco import COCO

    from mmsda.analysis.depth_attention_report import object_sizes
    cfg = dict(type='mmsda.ShapesCocoDataset', data_root=str(tmp_path),
               ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'),
               generate=dict(num_images=4, img_size=256, seed=0), pipeline=[])
    with DefaultScope.overwrite_default_scope('mmdet'):
        dataset = DATASETS.build(cfg)
    kind, sizes = object_sizes(dataset, [3, 1])
    coco = COCO(str(tmp_path / 'annotations' / 'instances_val.json'))
    assert kind == 'coco_area'
    for index, info in zip([3, 1], sizes):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=dataset.get_data_info(index)['img_id']))
        assert info['sizes'] == [ann['area'] for ann in anns]
        assert info['bins'] == size_range_counts(ann['area'] for ann in anns)

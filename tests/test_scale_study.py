"""Scale study: per-size accuracy, mean ± std, the table, and the tool's run configs and checks."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from _tool_helpers import import_tool
from mmsda.analysis.scale_study import accuracy_by_size, aggregate, markdown_table, mean_std

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_DEMO = osp.join(REPO, 'configs', 'demo', 'sda-resnet26-tiny_1xb32_shapes-cls.py')
DET_DEMO = osp.join(REPO, 'configs', 'demo', 'mask-rcnn_sda-r26-tiny_fpn_shapes.py')


def _study_tool():
    return import_tool('analysis_tools/scale_study.py')


def test_accuracy_by_size_counts_hits_per_scale_tercile():
    # range (0.1, 0.4): small < 0.2 <= medium < 0.3 <= large
    infos = [dict(object_scale=s) for s in (0.1, 0.15, 0.25, 0.35, 0.39)]
    predictions = [dict(sample_idx=i, gt_label=torch.tensor([label]), pred_label=torch.tensor([pred]))
                   for i, (label, pred) in enumerate([(0, 0), (1, 2), (2, 2), (3, 3), (4, 0)])]
    result = accuracy_by_size(predictions, infos, (0.1, 0.4))
    assert result == dict(accuracy=60.0, num_images=5, accuracy_small=50.0, num_small=2,
                          accuracy_medium=100.0, num_medium=1, accuracy_large=50.0, num_large=2)
    assert accuracy_by_size(predictions[:1], infos, (0.1, 0.4))['accuracy_large'] is None
    with pytest.raises(ValueError, match='img.png has no recorded object_scale'):
        accuracy_by_size(predictions[:1], [dict(img_path='img.png')], (0.1, 0.4))


def test_mean_and_sample_std_over_seeds():
    assert mean_std([70.0, 80.0, None, 90.0]) == (80.0, pytest.approx(10.0))  # ddof 1
    assert mean_std([5.0]) == (5.0, None) and mean_std([None]) == (None, None)
    runs = [dict(variant='sda', acc=a) for a in (70.0, 80.0, 90.0)] + [dict(variant='no_sda', acc=60.0)]
    summary = aggregate(runs, ['acc'], ['sda', 'no_sda'])
    assert summary['sda']['seeds'] == 3 and summary['sda']['acc'] == (80.0, pytest.approx(10.0))
    table = markdown_table(summary, [('acc', 'acc (%)', 1)])
    assert table.splitlines() == ['| variant | seeds | acc (%) |', '|---|---:|---:|',
                                  '| sda | 3 | 80.0 ± 10.0 |', '| no_sda | 1 | 60.0 |']


def test_run_configs_change_only_seed_sda_and_data(tmp_path):
    tool = _study_tool()
    args = tool.parse_args(['--data-root', str(tmp_path / 'data'), '--num-val', '3',
                            '--work-dir', str(tmp_path / 'study')])
    assert args.seeds == [0, 1, 2] and args.config == tool.DEFAULT_CLS_CONFIG
    base = Config.fromfile(CLS_DEMO)
    path = str(tmp_path / 'run.py')
    tool.write_run_config(path, CLS_DEMO, 7, False, tool._data_overrides(base, args))
    cfg = Config.fromfile(path)
    assert cfg.randomness.seed == 7 and cfg.model.backbone.with_sda is False
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.data_root == str(tmp_path / 'data') + '/'
        assert dataset.generate.scale_range == [0.1, 0.95]
        assert dataset.generate.img_size == base[loader].dataset.generate.img_size
    assert cfg.val_dataloader.dataset.generate.num_per_class == 3
    assert cfg.train_dataloader.dataset.generate.num_per_class == \
        base.train_dataloader.dataset.generate.num_per_class
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'train_pipeline'):
        assert cfg[key] == base[key], f'the recipe ({key}) must not change'
    del cfg.model.backbone['with_sda']  # the demo's SDAResNet default is with_sda=True
    assert cfg.model == base.model


def test_detection_run_configs_keep_the_data_unless_asked(tmp_path):
    tool = _study_tool()
    base = Config.fromfile(DET_DEMO)
    args = tool.parse_args(['--det'])
    assert args.seeds == [0, 1] and tool._data_overrides(base, args) == {}
    args = tool.parse_args(['--det', '--data-root', str(tmp_path), '--num-train', '8'])
    overrides = tool._data_overrides(base, args)
    assert overrides['train_dataloader']['dataset']['generate'] == dict(num_images=8)
    assert overrides['val_evaluator']['ann_file'] == osp.join(str(tmp_path) + '/',
                                                              'annotations/instances_val.json')
    with pytest.raises(SystemExit):  # argparse error: --num-* would clash with the config's data
        tool.parse_args(['--det', '--num-val', '3'])


def test_study_refuses_a_pretrained_base_without_no_sda_weights(tmp_path):
    with pytest.raises(SystemExit, match=r'initialises from a checkpoint \(load_from=sda\.pth\).*'
                                         '--nosda-cfg-options'):
        _study_tool().main(['--cfg-options', 'load_from=sda.pth', '--work-dir', str(tmp_path)])


def test_study_refuses_results_of_another_config(tmp_path):
    tool = _study_tool()
    args = tool.parse_args(['--work-dir', str(tmp_path)])
    (tmp_path / 'result.json').write_text(json.dumps(dict(config_sha256='old')))
    with pytest.raises(SystemExit, match='holds a run of another config'):
        tool._run_one(args, 'cfg.py', str(tmp_path), [], 'new')
    assert (tmp_path / 'result.json').is_file()


def test_smoke_trains_one_iteration():
    tool = _study_tool()
    assert tool._smoke_overrides(Config(dict(train_cfg=dict(by_epoch=True, max_epochs=10)))) == \
        dict(train_cfg=dict(max_epochs=1))
    assert tool._smoke_overrides(Config(dict(train_cfg=dict(type='IterBasedTrainLoop', max_iters=99)))) == \
        dict(train_cfg=dict(max_iters=1))

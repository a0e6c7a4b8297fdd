"""The metafiles are the model zoo's one source of numbers.

Every config is in a metafile and every metafile entry builds with the parameter counts it records
(all and trainable, exact) and, for classifiers, the conv + linear MACs at 224² it records (exact;
counted on the ``meta`` device, so nothing is computed). Detector FLOPs at 800×1280 and MMEngine's
counts need real forward passes: one classifier is checked in the fast suite, all of them by the
audit (`pytest -m audit`, about an hour on 2 cores; not part of the default `pytest` run). The README tables are what ``tools/misc/gen_model_zoo.py`` writes from the metafiles.
"""
import glob
import os

import pytest
import torch

from _metafiles import GENERATOR, REPO, ZOO
from mmsda.utils import conv_linear_macs
from _config_helpers import build_from_config
from _tool_helpers import import_tool

CONFIGS = sorted(os.path.relpath(p, REPO) for p in glob.glob(f'{REPO}/configs/**/*.py', recursive=True)
                 if '_base_' not in p.split(os.sep))
CLASSIFIERS = [m for m in ZOO if m['Results'][0]['Task'] == 'Image Classification']
#: checked with real forward passes in the fast suite (the rest: slow)
FAST_FLOPS_SAMPLE = 'sda-resnet86_8xb32_in1k'


def same_flops(measured, recorded):
    """Exact, or as recorded to 0.01 G (10 M multiply-adds)."""
    return recorded in (measured, round(measured, -7))


def test_model_index_imports_every_metafile():
    paths = GENERATOR.metafile_paths(REPO)
    assert sorted(paths) == sorted(os.path.relpath(p, REPO) for p in glob.glob(f'{REPO}/configs/*/metafile.yml'))


def test_every_config_is_in_a_metafile():
    listed = [m['Config'] for m in ZOO]
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    assert sorted(set(CONFIGS) - set(listed)) == [], 'configs missing from the metafiles'


def test_every_metafile_config_exists():
    assert all(os.path.isfile(os.path.join(REPO, m['Config'])) for m in ZOO)


def test_readme_tables_are_what_the_generator_writes():
    stale = [readme for readme, text in GENERATOR.expected_files(REPO).items()
             if open(os.path.join(REPO, readme), encoding='utf-8').read() != text]
    assert not stale, f'stale model tables in {stale}: run python tools/misc/gen_model_zoo.py'


def build_for_counting(config):
    """Build a config's model on the ``meta`` device (shapes only: a real build's counts, without
    allocating or computing anything); on the CPU if its constructor reads a tensor's value (mmpretrain's
    ResNet variants call ``.item()``)."""
    try:
        with torch.device('meta'):
            return build_from_config(config)
    except RuntimeError as error:
        if 'meta' not in str(error):
            raise
        return build_from_config(config)


def _counts_params():
    """Every model; in the fast suite every classifier and the first other model of each metafile."""
    sampled = set()
    for model in ZOO:
        fast = model in CLASSIFIERS or model['_metafile'] not in sampled
        if model not in CLASSIFIERS:
            sampled.add(model['_metafile'])
        yield pytest.param(model, marks=() if fast else (pytest.mark.slow, ), id=model['Name'])


@pytest.mark.parametrize('model', list(_counts_params()))
def test_metafile_counts_are_those_of_the_built_model(model):
    meta = model['Metadata']
    built, cfg = build_for_counting(model['Config'])
    with torch.device(next(built.parameters()).device):
        params = sum(p.numel() for p in built.parameters())
        trainable = sum(p.numel() for p in built.parameters() if p.requires_grad)
        assert (params, trainable) == (meta['Parameters'], meta.get('Trainable Parameters', params)), \
            f'{model["_metafile"]}: {model["Name"]} builds with {params} parameters ({trainable} trainable)'
        if cfg.default_scope == 'mmpretrain' and 'FLOPs' in meta:
            macs = conv_linear_macs(built.eval(), (torch.empty(1, 3, 224, 224),))
            assert same_flops(macs, meta['FLOPs']), f'{model["Name"]}: {macs} conv + linear MACs at 224²'


def _flops_params():
    for model in ZOO:
        if 'FLOPs' not in model['Metadata']:
            continue
        marks = () if model['Name'] == FAST_FLOPS_SAMPLE else (pytest.mark.slow, pytest.mark.audit)
        yield pytest.param(model, marks=marks, id=model['Name'])


@pytest.mark.parametrize('model', list(_flops_params()))
def test_metafile_flops_are_those_of_get_flops(model):
    """What ``tools/analysis_tools/get_flops.py`` measures: conv + linear MACs and MMEngine's count."""
    from mmengine.config import Config
    cfg = Config.fromfile(os.path.join(REPO, model['Config']))
    if cfg.default_scope not in ('mmdet', 'mmpretrain'):
        pytest.skip(f'get_flops.py measures mmdet and mmpretrain models, not {cfg.default_scope}')
    cfg.model.backbone.pop('init_cfg', None)
    torch.manual_seed(0)
    measured = import_tool('analysis_tools/get_flops.py').measure(cfg)
    meta = model['Metadata']
    assert same_flops(measured['macs'], meta['FLOPs']), f'{model["Name"]}: GMACs {measured["macs"] / 1e9:.4f}'
    if 'MMEngine FLOPs' in meta:
        assert same_flops(measured['mmengine_flops'], meta['MMEngine FLOPs']), \
            f'{model["Name"]}: MMEngine GFLOPs {measured["mmengine_flops"] / 1e9:.4f}'


def test_fast_flops_sample_is_a_model_of_the_zoo():
    assert FAST_FLOPS_SAMPLE in {m['Name'] for m in CLASSIFIERS}


# --- the generator on a small repository of its own ------------------------------------------------

METAFILE = """Collections:
  - Name: Toy
Models:
  - Name: toy_in1k
    In Collection: Toy
    Config: configs/toy/toy_in1k.py
    Metadata:
      Parameters: 27219880
      FLOPs: 3878000000
      Paper Parameters: {paper}
    Results:
      - Task: Image Classification
        Dataset: ImageNet-1k
        Metrics: {{Top 1 Accuracy: 78.80}}
        Source: paper-reported
"""
README = 'Prose.\n\n<!-- model-zoo:start -->\nold table\n<!-- model-zoo:end -->\n\nMore prose.\n'


@pytest.fixture
def toy_repo(tmp_path, monkeypatch):
    (tmp_path / 'configs' / 'toy').mkdir(parents=True)
    (tmp_path / 'configs' / 'toy' / 'toy_in1k.py').write_text('')
    (tmp_path / 'configs' / 'toy' / 'metafile.yml').write_text(METAFILE.format(paper='27.22M'))
    (tmp_path / 'configs' / 'toy' / 'README.md').write_text(README)
    (tmp_path / 'README.md').write_text(README)
    (tmp_path / 'model-index.yml').write_text('Import:\n  - configs/toy/metafile.yml\n')
    monkeypatch.setattr(GENERATOR, 'REPO', str(tmp_path))
    return tmp_path


def test_generator_check_names_stale_files_and_writing_fixes_them(toy_repo, capsys):
    assert GENERATOR.main(['--check']) == 1
    assert 'configs/toy/README.md' in capsys.readouterr().err
    assert GENERATOR.main([]) == 0
    assert GENERATOR.main(['--check']) == 0
    table = (toy_repo / 'configs' / 'toy' / 'README.md').read_text()
    assert table.startswith('Prose.\n\n<!-- model-zoo:start -->')
    assert table.endswith('<!-- model-zoo:end -->\n\nMore prose.\n')
    row = '| [toy_in1k](toy_in1k.py) | classification | ImageNet-1k | 27.22 | 3.88 | – | 27.22 / – | 78.80 top-1 |'
    assert row in table  # decimals as written in the metafile
    top = (toy_repo / 'README.md').read_text()
    assert '| [toy_in1k](configs/toy/toy_in1k.py) | [Toy](configs/toy/README.md) |' in top


def test_generator_names_a_metafile_the_index_does_not_import(toy_repo, capsys):
    (toy_repo / 'configs' / 'other').mkdir()
    (toy_repo / 'configs' / 'other' / 'metafile.yml').write_text('Models: []\n')
    assert GENERATOR.main(['--check']) == 2
    assert 'model-index.yml does not import configs/other/metafile.yml' in capsys.readouterr().err


def test_generator_names_the_model_and_field_of_a_bad_paper_figure(toy_repo, capsys):
    (toy_repo / 'configs' / 'toy' / 'metafile.yml').write_text(METAFILE.format(paper='27.22'))
    assert GENERATOR.main(['--check']) == 2
    assert "model toy_in1k: Metadata \"Paper Parameters\" must be a string like '27.22M'" in capsys.readouterr().err

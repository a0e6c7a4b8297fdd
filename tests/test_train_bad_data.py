"""``tools/train.py`` on a split with a corrupt image: it stops before the first iteration naming the
file, or trains past it when the pipeline says to skip unreadable images."""
import os
import subprocess
import sys
import time

import pytest
from test_tools_e2e import REPO, run, tiny_det_config

from mmsda.datasets.shapes import ensure_shapes_coco

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')]


def _corrupt_split(tmp_path):
    """The tiny config, with its train split generated and one image overwritten with garbage."""
    cfg = tiny_det_config(tmp_path, max_epochs=1)
    root = tmp_path / 'shapes'
    ensure_shapes_coco(str(root), {'train': 12}, img_size=128)  # the parameters tiny_det_config asks for
    bad = root / 'train' / '000003.png'
    bad.write_bytes(b'garbage' * 100)
    return cfg, bad


def test_training_stops_before_the_first_iteration_naming_the_file(tmp_path):
    cfg, bad = _corrupt_split(tmp_path)
    start = time.time()
    result = subprocess.run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    print(f'train.py exited with {result.returncode} after {time.time() - start:.1f} s')
    assert result.returncode != 0
    assert 'DataCheckError: 1 image files of the train set cannot be used' in out, out[-3000:]
    assert f'{bad}: not an image file' in out
    assert 'Epoch(train)' not in out


def test_training_skips_the_file_when_the_pipeline_says_so(tmp_path):
    cfg, bad = _corrupt_split(tmp_path)
    skipping = tmp_path / 'skipping.py'
    skipping.write_text(f'''
_base_ = {cfg!r}
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='mmsda.LoadImageFromFile', ignore_empty=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs'),
]))
''')
    out = run([sys.executable, 'tools/train.py', str(skipping), '--work-dir', str(tmp_path / 'work'),
               '--no-validate'])
    assert 'cannot be read and will be skipped (ignore_empty=True)' in out, out[-3000:]
    assert f'skipping image {bad}: cannot be decoded' in out
    assert os.path.isfile(tmp_path / 'work' / 'epoch_1.pth')

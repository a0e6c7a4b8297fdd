"""End-to-end (slow): the demo configs trained for a few iterations with tools/train.py, then the
inference APIs users know (mmdet DetInferencer; mmpretrain get_model / inference_model /
ImageClassificationInferencer), demo/image_demo.py and tools/deployment/pytorch2onnx.py on them."""
import json
import os.path as osp
import sys

import pytest

from test_tools_e2e import REPO, run, tiny_cls_config, tiny_det_config

pytestmark = pytest.mark.slow
SHAPES_CLASSES = ('circle', 'square', 'triangle', 'star', 'cross')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Checkpoints of both demo configs after a short training on tiny generated splits."""
    tmp = tmp_path_factory.mktemp('trained')
    det_cfg = tiny_det_config(tmp, max_epochs=1, num_train=8, num_val=2)
    with open(det_cfg, 'a') as f:  # a detector trained for 4 iterations scores low: keep every box
        f.write('model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))\n')
    run([sys.executable, 'tools/train.py', det_cfg, '--work-dir', str(tmp / 'det')])
    cls_cfg = tiny_cls_config(tmp, num_val=1)  # (validated after its epoch: the val split exists)
    run([sys.executable, 'tools/train.py', cls_cfg, '--work-dir', str(tmp / 'cls')])
    return dict(det_cfg=det_cfg, det_ckpt=str(tmp / 'det' / 'epoch_1.pth'),
                det_image=str(tmp / 'shapes' / 'val' / '000000.png'),
                cls_cfg=cls_cfg, cls_ckpt=str(tmp / 'cls' / 'epoch_1.pth'),
                cls_image=_first_image(str(tmp / 'shapes_cls' / 'val')), tmp=tmp)


def _first_image(folder):
    import glob
    return sorted(glob.glob(osp.join(folder, '**', '*.png'), recursive=True))[0]


def test_det_inferencer_reads_mmsda_config_checkpoint_and_shapes_classes(trained):
    import mmsda  # noqa: F401  (mmengine checkpoints with weights_only=True on torch >= 2.6)
    from mmdet.apis import DetInferencer

    inferencer = DetInferencer(model=trained['det_cfg'], weights=trained['det_ckpt'], device='cpu')
    assert tuple(inferencer.model.dataset_meta['classes']) == SHAPES_CLASSES
    assert len(inferencer.model.dataset_meta['palette']) == 5  # the shapes palette, not random
    out_dir = trained['tmp'] / 'det_inferencer'
    result = inferencer(trained['det_image'], pred_score_thr=0.0, out_dir=str(out_dir), no_save_pred=False)
    prediction = result['predictions'][0]
    assert len(prediction['labels']) == len(prediction['scores']) == len(prediction['bboxes']) > 0
    assert set(prediction['labels']) <= set(range(5)) and 'masks' in prediction
    assert (out_dir / 'vis' / '000000.png').is_file() and (out_dir / 'preds' / '000000.json').is_file()


def test_mmpretrain_apis_read_mmsda_config_and_checkpoint(trained):
    import mmsda  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpretrain import ImageClassificationInferencer, get_model, inference_model

    from mmsda.apis import register_models

    # mmdet's DetInferencer (earlier in this process) made 'mmdet' the default scope, and mmpretrain's
    # inferencers build their pipelines in the current one: a process that used mmdet must switch back
    init_default_scope('mmpretrain')
    model = get_model(trained['cls_cfg'], pretrained=trained['cls_ckpt'])
    assert tuple(model._dataset_meta['classes']) == SHAPES_CLASSES  # from the checkpoint's meta
    result = ImageClassificationInferencer(model=trained['cls_cfg'], pretrained=trained['cls_ckpt'])(
        trained['cls_image'])[0]
    assert result['pred_class'] in SHAPES_CLASSES and len(result['pred_scores']) == 5
    # inference_model picks its inferencer from the model hub: by the registered mmsda name
    register_models()
    by_name = inference_model('sda-resnet26-tiny_1xb32_shapes-cls', trained['cls_image'],
                              pretrained=trained['cls_ckpt'])
    assert by_name['pred_class'] == result['pred_class']
    assert abs(by_name['pred_score'] - result['pred_score']) < 1e-5
    named_model = get_model('sda-resnet26-tiny_1xb32_shapes-cls', pretrained=trained['cls_ckpt'])
    assert inference_model(named_model, trained['cls_image'])['pred_class'] == result['pred_class']


def test_image_demo_draws_and_saves_detections(trained):
    out_dir = trained['tmp'] / 'demo_det'
    out = run([sys.executable, 'demo/image_demo.py', trained['det_image'], trained['det_cfg'], '--weights',
               trained['det_ckpt'], '--out-dir', str(out_dir), '--device', 'cpu', '--pred-score-thr', '0'])
    assert 'results written to' in out
    preds = json.loads((out_dir / 'preds' / '000000.json').read_text())
    assert preds['labels'] and set(preds['labels']) <= set(range(5)) and len(preds['masks']) == len(preds['labels'])
    _assert_drawn(out_dir / 'vis' / '000000.png', trained['det_image'])


def test_image_demo_classifies_a_folder(trained):
    out_dir = trained['tmp'] / 'demo_cls'
    folder = osp.dirname(trained['cls_image'])
    run([sys.executable, 'demo/image_demo.py', folder, trained['cls_cfg'], '--weights', trained['cls_ckpt'],
         '--out-dir', str(out_dir), '--device', 'cpu', '--vis-short-edge', '128'])
    stem = osp.splitext(osp.basename(trained['cls_image']))[0]
    pred = json.loads((out_dir / 'preds' / f'{stem}.json').read_text())
    assert pred['pred_class'] == SHAPES_CLASSES[pred['pred_label']] and len(pred['pred_scores']) == 5
    import mmcv
    assert mmcv.imread(str(out_dir / 'vis' / f'{stem}.png')).shape[:2] == (128, 128)  # drawn enlarged


def test_image_demo_refuses_a_checkpoint_of_another_model(trained):
    import subprocess
    result = subprocess.run([sys.executable, 'demo/image_demo.py', trained['cls_image'], trained['cls_cfg'],
                             '--weights', trained['det_ckpt'], '--out-dir', str(trained['tmp'] / 'x'),
                             '--device', 'cpu'], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'does not fit the model (ImageClassifier): missing keys: neck.bn.weight' in result.stderr, \
        result.stderr[-2000:]


@pytest.mark.parametrize('task', ['cls', 'det'])
def test_pytorch2onnx_verifies_a_trained_checkpoint_on_the_first_test_image(trained, task):
    out = run([sys.executable, 'tools/deployment/pytorch2onnx.py', trained[f'{task}_cfg'], trained[f'{task}_ckpt'],
               '--out', str(trained['tmp'] / f'{task}.onnx'), '--shape', '64', '--dynamic-batch', '--verify'])
    assert 'random input, batch 3' in out and 'real image (the first test image of the config' in out, out
    assert 'verification passed' in out


def _assert_drawn(vis_path, image_path):
    """The saved visualisation exists and is not the input image: something was drawn on it."""
    import mmcv
    import numpy as np
    assert vis_path.is_file(), vis_path
    drawn, original = mmcv.imread(str(vis_path)), mmcv.imread(image_path)
    if drawn.shape == original.shape:
        assert not np.array_equal(drawn, original)

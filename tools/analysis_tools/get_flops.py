"""Parameters and multiply-adds of the model in a config, without building any data set.

    python tools/analysis_tools/get_flops.py configs/sda/sda-resnet86_8xb32_in1k.py
    python tools/analysis_tools/get_flops.py configs/sda/mask-rcnn_sda-r86_fpn_1x_coco.py --shape 800 1280
    python tools/analysis_tools/get_flops.py configs/sda/upernet_sda-r86_4xb4-160k_ade20k-512x512.py

Prints ``params`` (all, and trainable: the detector tables of OpenMMLab papers count only trainable
parameters, so frozen stages are left out), ``GMACs`` (conv + linear multiply-adds: the SDA-xNet tables' convention) and
MMEngine's counter (also counts norms and pooling). Classifiers: the whole network on one image
(default 224×224). Detectors: backbone + neck + heads on one image (default 800×1280, H W) with 1000
proposals through the RoI head, the convention of mmdet's FLOP tables. Segmentors: backbone + neck + decode
head on one image of the config's ``crop_size`` (512×512 if it has none), as in inference: the auxiliary
head, which only adds a training loss, is not run (its parameters are counted).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from _runner_utils import load_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Count params and FLOPs of a config\'s model')
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs='+', help='input H W (or one size for both)')
    return parser.parse_args(argv)


def default_shape(cfg):
    """The input H, W counted when ``--shape`` is not given: 800×1280 for a detector, the config's
    ``crop_size`` (else 512×512) for a segmentor, 224×224 for a classifier."""
    if cfg.default_scope == 'mmdet':
        return (800, 1280)
    if cfg.default_scope == 'mmseg':
        return tuple(cfg.get('crop_size') or (512, 512))
    return (224, 224)


def measure(cfg, shape=None):
    """Build ``cfg.model`` (no weights loaded) and count it.

    Returns:
        dict: ``params``, ``macs``, ``mmengine_flops``, ``shape``.
    """
    import importlib

    from mmengine.registry import init_default_scope

    from mmsda.utils.complexity import complexity
    from mmsda.utils.detector_forward import detector_dummy_forward

    init_default_scope(cfg.default_scope)
    models = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    model = models.build(cfg.model).eval()
    shape = shape or default_shape(cfg)
    if cfg.default_scope == 'mmdet':
        forward = lambda x: detector_dummy_forward(model, x)  # noqa: E731
    else:  # a classifier, or a segmentor (mode 'tensor': backbone + neck + decode head, no auxiliary head)
        forward = lambda x: model(x, mode='tensor')  # noqa: E731
    result = complexity(model, (3, *shape), forward=forward)
    result['shape'] = tuple(shape)
    return result


def main(argv=None):
    args = parse_args(argv)
    shape = None
    if args.shape:
        shape = (args.shape[0], args.shape[-1])
    cfg = load_config(args.config)
    r = measure(cfg, shape)
    print(f'{osp.basename(args.config)}: input {r["shape"][0]}x{r["shape"][1]}, '
          f'params {r["params"] / 1e6:.2f} M (trainable {r["trainable_params"] / 1e6:.2f} M), '
          f'GMACs (conv+linear) {r["macs"] / 1e9:.2f}, GFLOPs (mmengine counter) {r["mmengine_flops"] / 1e9:.2f}')


if __name__ == '__main__':
    main()

"""Convert an official SDA-xNet checkpoint (classifier or mmdet 2.x detector) to an mmsda checkpoint.

    python tools/model_converters/sda_xnet_to_mmsda.py sdanet86.pth checkpoints/sda-resnet86_in1k.pth
    python tools/model_converters/sda_xnet_to_mmsda.py mask_rcnn_sdanet86.pth checkpoints/mask-rcnn_sda-r86.pth
    python tools/model_converters/sda_xnet_to_mmsda.py --arch sda-senet \
        sda_senet86.pth checkpoints/sda-seresnet86_in1k.pth
    python tools/model_converters/sda_xnet_to_mmsda.py --arch sda-res2net \
        sda_res2net86.pth checkpoints/sda-res2net86_in1k.pth
    python tools/model_converters/sda_xnet_to_mmsda.py --arch sda-pyconv \
        sda_pyconv86.pth checkpoints/sda-pyconvresnet86_in1k.pth

Input: a whole pickled model (``torch.save(nn.DataParallel(model))``, as the official classification
checkpoints are), a state dict, or a dict with ``state_dict``; ``module.`` prefixes are handled. The file
is read without importing or running anything it names (see ``mmsda.converters.safe_load``).
Output: ``{'state_dict': ..., 'meta': ...}`` that loads with ``strict=True`` into the mmpretrain
classifier of ``configs/sda/sda-resnet86_8xb32_in1k.py`` or the mmdet detectors of ``configs/sda``,
and as ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` of a detector backbone.
"""
import argparse
import os.path as osp
import sys

import torch

from mmsda.converters import (convert_sda_classifier, convert_sda_detector, convert_sda_pyconv_classifier,
                              convert_sda_res2net_classifier, convert_sda_res2net_detector,
                              convert_sda_senet_classifier, convert_sda_senet_detector, extract_state_dict,
                              load_untrusted)

# (arch, task) -> converter; SDA-SENet = SDA-ResNet's keys plus each block's SE fc1/fc2
CONVERTERS = {
    ('sda-resnet', 'cls'): convert_sda_classifier,
    ('sda-resnet', 'det'): convert_sda_detector,
    ('sda-senet', 'cls'): convert_sda_senet_classifier,
    ('sda-senet', 'det'): convert_sda_senet_detector,
    ('sda-res2net', 'cls'): convert_sda_res2net_classifier,
    ('sda-res2net', 'det'): convert_sda_res2net_detector,
    ('sda-pyconv', 'cls'): convert_sda_pyconv_classifier,  # no official SDA-PyConv detector exists
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output mmsda checkpoint')
    parser.add_argument('--task', choices=['auto', 'cls', 'det'], default='auto',
                        help='classifier or detector checkpoint (default: detect from the keys)')
    parser.add_argument('--arch', choices=sorted({arch for arch, _ in CONVERTERS}), default='sda-resnet',
                        help='official model family (default: sda-resnet)')
    parser.add_argument('--force', action='store_true', help='overwrite dst if it exists')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.dst) and not args.force:
        sys.exit(f'{args.dst} exists; pass --force to overwrite it')
    state_dict = extract_state_dict(load_untrusted(args.src))
    task = args.task
    if task == 'auto':
        task = 'det' if any(k.startswith(('backbone.', 'module.backbone.')) for k in state_dict) else 'cls'
    if (args.arch, task) not in CONVERTERS:
        sys.exit(f'no {task} converter for --arch {args.arch}; available: {sorted(CONVERTERS)}')
    converted = CONVERTERS[(args.arch, task)](state_dict)
    converted = {k: v.detach().clone().contiguous() for k, v in converted.items()}
    torch.save({'state_dict': converted, 'meta': dict(converted_from=osp.basename(args.src), task=task)},
               args.dst)
    print(f'{args.src} ({task}, {len(state_dict)} tensors) -> {args.dst} ({len(converted)} tensors)')


if __name__ == '__main__':
    main()

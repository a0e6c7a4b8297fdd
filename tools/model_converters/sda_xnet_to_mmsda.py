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
from typing import List, Optional

from mmsda.converters import (convert_sda_classifier, convert_sda_detector, convert_sda_pyconv_classifier,
                              convert_sda_res2net_classifier, convert_sda_res2net_detector,
                              convert_sda_senet_classifier, convert_sda_senet_detector)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _cli import convert_file, converter_parser  # noqa: E402

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


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = converter_parser(__doc__.split('\n')[0])
    parser.add_argument('--task', choices=['auto', 'cls', 'det'], default='auto',
                        help='classifier or detector checkpoint (default: detect from the keys)')
    parser.add_argument('--arch', choices=sorted({arch for arch, _ in CONVERTERS}), default='sda-resnet',
                        help='official model family (default: sda-resnet)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)

    def convert(state_dict):
        task = args.task
        if task == 'auto':
            task = 'det' if any(k.startswith(('backbone.', 'module.backbone.')) for k in state_dict) else 'cls'
        if (args.arch, task) not in CONVERTERS:
            sys.exit(f'no {task} converter for --arch {args.arch}; available: {sorted(CONVERTERS)}')
        return CONVERTERS[(args.arch, task)](state_dict), dict(task=task), f'{task}, '

    convert_file(args.src, args.dst, convert, force=args.force)


if __name__ == '__main__':
    main()

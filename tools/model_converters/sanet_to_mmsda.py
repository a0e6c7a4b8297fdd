"""Convert an official SA-Net ImageNet checkpoint (wofmanaf/SA-Net) to an mmsda checkpoint.

    python tools/model_converters/sanet_to_mmsda.py sa_resnet50.pth.tar checkpoints/sanet50_in1k.pth

Input: the official training checkpoint (``{'state_dict': ...}`` with ``module.`` prefixes), a state
dict, or a whole pickled model; it is read without importing or running anything it names (see
``mmsda.converters.safe_load``). Output: ``{'state_dict': ..., 'meta': ...}`` that loads with
``strict=True`` into the classifier of ``configs/sanet/sanet50_8xb32_in1k.py`` (or ``sanet101``), and
as ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` of the detectors there.
"""
import argparse
import os.path as osp
import sys

import torch

from mmsda.converters import convert_sanet_classifier, extract_state_dict, load_untrusted


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output mmsda checkpoint')
    parser.add_argument('--force', action='store_true', help='overwrite dst if it exists')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.dst) and not args.force:
        sys.exit(f'{args.dst} exists; pass --force to overwrite it')
    state_dict = extract_state_dict(load_untrusted(args.src))
    converted = convert_sanet_classifier(state_dict)
    converted = {k: v.detach().clone().contiguous() for k, v in converted.items()}
    torch.save({'state_dict': converted, 'meta': dict(converted_from=osp.basename(args.src))}, args.dst)
    print(f'{args.src} ({len(state_dict)} tensors) -> {args.dst} ({len(converted)} tensors)')


if __name__ == '__main__':
    main()

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
from typing import List, Optional

from mmsda.converters import convert_sanet_classifier

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _cli import convert_file, converter_parser  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    return converter_parser(__doc__.split('\n')[0]).parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    convert_file(args.src, args.dst, lambda state_dict: (convert_sanet_classifier(state_dict), {}, ''),
                 force=args.force)


if __name__ == '__main__':
    main()

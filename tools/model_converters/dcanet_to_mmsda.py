"""Convert an official DCANet ImageNet checkpoint (DCA-SE/CBAM/GC-ResNet) to an mmsda checkpoint.

    python tools/model_converters/dcanet_to_mmsda.py dca_se_resnet50.pth.tar checkpoints/dca-se-resnet50_in1k.pth

Input: the official training checkpoint (``{'state_dict': ...}`` with ``module.`` prefixes), a state
dict, or a whole pickled model; it is read without importing or running anything it names (see
``mmsda.converters.safe_load``). The attention type is detected from the keys. The official network
also holds connection layers in its first block that its forward never uses; they are dropped.
Output: ``{'state_dict': ..., 'meta': ...}`` that loads with ``strict=True`` into the classifier of
``configs/dcanet/dca-<type>-resnet50_8xb32_in1k.py``, and as ``init_cfg=dict(type='Pretrained',
checkpoint=..., prefix='backbone.')`` of the detectors there.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmsda.converters import convert_dcanet_classifier

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from _cli import convert_file, converter_parser  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    return converter_parser(__doc__.split('\n')[0]).parse_args(argv)


def _convert(state_dict):
    converted, attention_type, dropped = convert_dcanet_classifier(state_dict)
    note = f'DCA-{attention_type.upper()}, {len(dropped)} unused first-block tensors dropped, '
    return converted, dict(attention_type=attention_type), note


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    convert_file(args.src, args.dst, _convert, force=args.force)


if __name__ == '__main__':
    main()

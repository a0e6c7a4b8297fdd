"""What the checkpoint converter CLIs share: ``src dst [--force]``, refusing to overwrite ``dst``,
reading ``src`` without running its code, and writing ``{'state_dict': ..., 'meta': ...}``."""
import argparse
import os.path as osp
import sys
from typing import Callable, Tuple

import torch

from mmsda.converters import extract_state_dict, load_untrusted
from mmsda.converters.keys import StateDict

#: ``convert(state_dict) -> (converted weights, extra meta, summary note)``
Convert = Callable[[StateDict], Tuple[StateDict, dict, str]]


def converter_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the arguments of every converter: ``src``, ``dst`` and ``--force``.

    Args:
        description (str): the tool's one-line description.

    Returns:
        argparse.ArgumentParser: add the tool's own options to it.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output mmsda checkpoint')
    parser.add_argument('--force', action='store_true', help='overwrite dst if it exists')
    return parser


def convert_file(src: str, dst: str, convert: Convert, force: bool = False) -> str:
    """Convert the weights of the checkpoint ``src`` and save them to ``dst``.

    ``src`` is read with :func:`mmsda.converters.load_untrusted` (nothing it names is imported or
    run); ``dst`` gets ``{'state_dict': converted, 'meta': dict(converted_from=<src name>, **meta)}``
    with contiguous copies of the tensors.

    Args:
        src (str): the official checkpoint.
        dst (str): the mmsda checkpoint to write.
        convert (callable): ``convert(state_dict) -> (converted, meta, note)``; ``note`` is put in
            front of the input's tensor count in the summary (e.g. ``'cls, '``).
        force (bool): overwrite an existing ``dst``. Default: False.

    Returns:
        str: the summary line, also printed.

    Raises:
        SystemExit: ``dst`` exists and ``force`` is not set (``dst`` is left as it is).
    """
    if osp.exists(dst) and not force:
        sys.exit(f'{dst} exists; pass --force to overwrite it')
    state_dict = extract_state_dict(load_untrusted(src))
    converted, meta, note = convert(state_dict)
    converted = {k: v.detach().clone().contiguous() for k, v in converted.items()}
    torch.save({'state_dict': converted, 'meta': dict(converted_from=osp.basename(src), **meta)}, dst)
    summary = f'{src} ({note}{len(state_dict)} tensors) -> {dst} ({len(converted)} tensors)'
    print(summary)
    return summary

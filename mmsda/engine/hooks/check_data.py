"""Fail before the first iteration when an image of the training or validation set cannot be read."""
import logging
import time

from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmsda.datasets.checks import format_problems, image_loader, image_problems, leaf_datasets
from mmsda.datasets.checks.images import check_verify_level
from mmsda.registry import HOOKS


class DataCheckError(RuntimeError):
    """Image files of a data set cannot be read (the message lists them)."""


def skippable_kinds(dataset):
    """Problem kinds the training pipeline of ``dataset`` skips instead of crashing on.

    mmcv's ``LoadImageFromFile(ignore_empty=True)`` skips files that raise (missing or empty);
    ``mmsda.LoadImageFromFile(ignore_empty=True)`` also skips empty and undecodable ones. A size that
    differs from the annotations is never skipped (the sample would load with wrong annotations).
    """
    kinds = set()
    for leaf in leaf_datasets(dataset):
        loader = image_loader(leaf)
        if getattr(loader, 'skip_unreadable', False):
            kinds.update({'missing', 'empty', 'unreadable', 'undecodable'})
        elif getattr(loader, 'ignore_empty', False):
            kinds.update({'missing', 'empty'})  # the backend or the decoder raises: caught
    return kinds


@HOOKS.register_module()
class CheckDataHook(Hook):
    """Check every image file of the training and validation sets before training starts.

    A missing or corrupt image otherwise stops a run when the data loader first reaches it, possibly
    hours in (for the validation set, at the end of the first validation interval). This hook checks
    them all in ``before_train`` and raises :class:`DataCheckError` listing every bad file, before
    the first iteration. Where the training pipeline skips such files (``ignore_empty=True`` in
    ``LoadImageFromFile``; see :func:`skippable_kinds`) the files it will skip are logged as a
    warning instead. Validation never skips (MMEngine refuses a None test sample).

    In distributed training each rank checks a share of the files and all ranks raise together.
    ``tools/train.py`` adds this hook unless ``--no-data-check`` is given. Annotation problems (boxes,
    categories, labels) are reported by ``tools/misc/check_dataset.py``.

    Args:
        verify (str): ``'exists'`` (stat each file), ``'header'`` (also read the image header: catches
            empty, non-image and mis-sized files; default) or ``'decode'`` (also decode every image:
            catches corrupt image data, costs a full read and decode per image).
        splits (Sequence[str]): which data loaders to check, of ``'train'`` and ``'val'``.
            Default: both.
        max_listed (int): bad files listed in the message (the count is always given). Default: 20.
    """

    priority = 'VERY_HIGH'

    def __init__(self, verify='header', splits=('train', 'val'), max_listed=20):
        check_verify_level(verify)
        unknown = set(splits) - {'train', 'val'}
        if unknown:
            raise ValueError(f'CheckDataHook: splits must be among "train", "val", got {sorted(unknown)}')
        self.verify = verify
        self.splits = tuple(splits)
        self.max_listed = max_listed

    @staticmethod
    def _dataloader(runner, split):
        if split == 'train':
            return runner.train_dataloader
        loop = runner.val_loop
        return None if loop is None else loop.dataloader

    def _check(self, dataset):
        rank, world_size = get_dist_info()
        problems, checked = image_problems(dataset, self.verify, shard=(rank, world_size))
        if world_size > 1:
            gathered = all_gather_object((problems, checked))
            problems = [p for ps, _ in gathered for p in ps]
            checked = sum(n for _, n in gathered)
        return problems, checked

    def before_train(self, runner) -> None:
        for split in self.splits:
            dataloader = self._dataloader(runner, split)
            if dataloader is None:
                continue
            start = time.perf_counter()
            problems, checked = self._check(dataloader.dataset)
            elapsed = time.perf_counter() - start
            print_log(f'CheckDataHook: {split} set, {checked} image files checked ({self.verify}) in '
                      f'{elapsed:.1f} s, {len(problems)} unreadable', logger='current')
            if not problems:
                continue
            listing = format_problems(problems, self.max_listed)
            skipped = skippable_kinds(dataloader.dataset) if split == 'train' else set()
            if all(p.kind in skipped for p in problems):
                print_log(f'CheckDataHook: {len(problems)} image files of the {split} set cannot be read '
                          f'and will be skipped (ignore_empty=True):\n{listing}', logger='current',
                          level=logging.WARNING)
                continue
            hint = ('fix or remove them (tools/misc/check_dataset.py lists every data problem), or skip '
                    'unreadable training images with dict(type=\'mmsda.LoadImageFromFile\', '
                    'ignore_empty=True)')
            raise DataCheckError(f'{len(problems)} image files of the {split} set cannot be used '
                                 f'(checked before training: {self.verify}):\n{listing}\n{hint}')

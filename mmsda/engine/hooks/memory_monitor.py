"""Resident memory of a training process and its data-loader workers, sampled every N iterations."""
import json
import os.path as osp
import resource
import sys

import psutil
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmsda.registry import HOOKS

MB = 1024 * 1024


def peak_rss_mb():
    """High-water mark of this process's resident memory (``ru_maxrss``) in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == 'darwin' else peak / 1024  # bytes on macOS, KiB on Linux


def memory_sample():
    """Memory of this process now.

    Returns:
        dict: ``rss_mb`` (resident now), ``peak_rss_mb`` (high-water mark since the start),
        ``workers_rss_mb`` (resident memory of all child processes, e.g. data-loader workers; pages
        shared with this process are counted in both) and ``num_workers`` (number of children).
    """
    process = psutil.Process()
    workers_rss = 0
    children = process.children(recursive=True)
    for child in children:
        try:
            workers_rss += child.memory_info().rss
        except psutil.Error:  # a worker that ended between listing and reading
            pass
    rss = process.memory_info().rss / MB
    # Linux updates the high-water mark lazily (on unmap, exit ...), so it can lag behind the current RSS
    return dict(rss_mb=round(rss, 1), peak_rss_mb=round(max(rss, peak_rss_mb()), 1),
                workers_rss_mb=round(workers_rss / MB, 1), num_workers=len(children))


@HOOKS.register_module()
class MemoryMonitorHook(Hook):
    """Sample the resident memory of training every ``interval`` iterations (leak detection).

    One sample before the first iteration and one every ``interval`` training iterations, each logged
    as a line ``memory: iter 50: rss 812.4 MB, peak 830.1 MB, workers 301.2 MB (1)``; after training
    the samples are written as JSON to the run's log directory (``memory.json``, or
    ``memory_rank<r>.json`` on ranks > 0). ``tools/analysis_tools/soak.py`` runs a training with this
    hook and reports the growth.

    Example::

        custom_hooks = [dict(type='mmsda.MemoryMonitorHook', interval=50)]

    Args:
        interval (int): training iterations between samples. Default: 50.
        out_file (str): file name of the JSON written to the log directory. Default: ``'memory.json'``.
    """

    priority = 'VERY_LOW'  # after the optimizer step and the other hooks of the iteration

    def __init__(self, interval: int = 50, out_file: str = 'memory.json'):
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
            raise ValueError(f'MemoryMonitorHook: interval must be an int >= 1, got {interval!r}')
        self.interval = interval
        self.out_file = out_file
        self.samples = []
        self.out_path = None

    def _record(self, runner, iterations_done):
        sample = dict(iter=iterations_done, **memory_sample())
        self.samples.append(sample)
        runner.logger.info(
            f'memory: iter {sample["iter"]}: rss {sample["rss_mb"]} MB, peak {sample["peak_rss_mb"]} MB, '
            f'workers {sample["workers_rss_mb"]} MB ({sample["num_workers"]})')

    def before_train(self, runner) -> None:
        self.samples = []
        self._record(runner, runner.iter)  # 0, or the resumed iteration

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self._record(runner, runner.iter + 1)  # runner.iter counts up after this hook

    def after_train(self, runner) -> None:
        rank = get_rank()
        name = self.out_file if rank == 0 else osp.splitext(self.out_file)[0] + f'_rank{rank}.json'
        self.out_path = osp.join(runner.log_dir, name)
        with open(self.out_path, 'w', encoding='utf-8') as f:
            json.dump(dict(interval=self.interval, samples=self.samples), f, indent=1)
        runner.logger.info(f'memory samples written to {self.out_path}')

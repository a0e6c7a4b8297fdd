"""MMSegmentation's visualization hook, writing each test image's drawing to a folder of the run."""
import os
import os.path as osp

import mmcv
from mmengine import fileio
from mmseg.engine.hooks import SegVisualizationHook as MMSegVisualizationHook

from mmsda.registry import HOOKS


@HOOKS.register_module()
class SegVisualizationHook(MMSegVisualizationHook):
    """mmseg's ``SegVisualizationHook`` with mmdet's ``test_out_dir``.

    mmseg's hook sends every ``interval``-th drawing to the visualizer's backends; with
    ``test_out_dir`` this one writes *every* test image's drawing (ground truth left, prediction
    right, in the dataset's palette) to ``<work_dir>/<timestamp>/<test_out_dir>/<image file name>``,
    as mmdet's ``DetVisualizationHook`` and mmpretrain's ``VisualizationHook`` do.
    ``tools/test.py --show-dir DIR`` uses it for mmseg configs. Without ``test_out_dir`` it is
    mmseg's hook.

    Args:
        *args: positional arguments of mmseg's ``SegVisualizationHook``.
        test_out_dir (str, optional): folder of the test drawings, relative to the run's
            ``<work_dir>/<timestamp>`` (or absolute). Defaults to None.
        **kwargs: keyword arguments of mmseg's ``SegVisualizationHook`` (``draw``, ``interval``,
            ``show``, ``wait_time``, ``backend_args``).
    """

    def __init__(self, *args, test_out_dir=None, **kwargs):
        super().__init__(*args, **kwargs)
        if test_out_dir is not None and not isinstance(test_out_dir, str):
            raise TypeError(f'SegVisualizationHook: test_out_dir must be a str, got {test_out_dir!r}')
        self.test_out_dir = test_out_dir

    def after_test_iter(self, runner, batch_idx, data_batch, outputs):
        """Draw every output of a test iteration into ``test_out_dir`` (if set, and ``draw``)."""
        if self.test_out_dir is None:
            return super().after_test_iter(runner, batch_idx, data_batch, outputs)
        if not self.draw:
            return None
        out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        for output in outputs:
            img_path = output.img_path
            image = mmcv.imfrombytes(fileio.get(img_path, backend_args=self.backend_args),
                                     channel_order='rgb')
            name = osp.basename(img_path)
            self._visualizer.add_datasample(
                name, image, data_sample=output, show=self.show, wait_time=self.wait_time,
                out_file=osp.join(out_dir, name), step=runner.iter)
        return None

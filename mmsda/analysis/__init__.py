"""Analysis of trained models: what depth attention selects, and per-size accuracy studies.

* :mod:`.depth_attention`: forward-hook recorder of the softmax weights over depth of every SDA stage.
* :mod:`.size_bins`: small / medium / large object bins (COCO areas, scale terciles) and per-bin means.
* :mod:`.depth_attention_report`: weights over a data set, statistics, PNG/JSON/CSV report.
* :mod:`.scale_study`: accuracy per size bin and mean ± std over seeds of SDA vs no-SDA runs.
* :mod:`.builders`: model (with a checked checkpoint) and data set from an mmdet/mmpretrain/mmseg config.
* :mod:`.plots`: the matplotlib figures.

Used by ``tools/analysis_tools/vis_depth_attention.py`` and ``tools/analysis_tools/scale_study.py``.
"""
from .depth_attention import DepthAttentionRecorder, DepthAttentionStage, find_depth_attention
from .size_bins import (SIZE_BINS, bin_counts, bin_shares, binned_means, coco_size_bin, scale_bin_edges,
                        scale_size_bin)

__all__ = [
    'DepthAttentionRecorder', 'DepthAttentionStage', 'find_depth_attention', 'SIZE_BINS', 'bin_counts',
    'bin_shares', 'binned_means', 'coco_size_bin', 'scale_bin_edges', 'scale_size_bin'
]

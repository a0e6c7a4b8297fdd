"""Statistics of the scale study (SDA vs the same network without SDA, several seeds).

Accuracy per object size bin of a classifier's predictions on the shapes classification view, mean ±
standard deviation over seeds of every metric per variant, and the study's table, CSV and chart.
``tools/analysis_tools/scale_study.py`` runs the trainings and calls these.
"""
import csv
import math

import numpy as np

from .plots import plot_grouped_bars
from .size_bins import SIZE_BINS, scale_size_bin


def accuracy_by_size(predictions, infos, scale_range):
    """Top-1 accuracy overall and per size bin (terciles of ``scale_range``).

    Args:
        predictions (Sequence[dict]): mmpretrain test outputs (``tools/test.py --out``): each with
            ``sample_idx``, ``gt_label`` and ``pred_label``.
        infos (Sequence[dict]): the data infos of the evaluated data set, indexed by ``sample_idx``,
            with the recorded ``object_scale``.
        scale_range (Sequence[float]): the scale range the objects were drawn from.

    Returns:
        dict: ``accuracy`` (%, all images) and ``accuracy_<bin>`` (%, None if the bin is empty),
        ``num_images`` and ``num_<bin>``.
    """
    correct = {name: [] for name in ('all', *SIZE_BINS)}
    for prediction in predictions:
        index = int(prediction['sample_idx'])
        info = infos[index]
        if 'object_scale' not in info:
            raise ValueError(f'image {info.get("img_path", index)} has no recorded object_scale; the '
                             'data set must record object sizes (mmsda.ShapesClsDataset)')
        hit = int(np.asarray(prediction['pred_label']).ravel()[0]) == \
            int(np.asarray(prediction['gt_label']).ravel()[0])
        correct['all'].append(hit)
        correct[scale_size_bin(info['object_scale'], scale_range)].append(hit)
    result = dict(accuracy=100.0 * float(np.mean(correct['all'])) if correct['all'] else None,
                  num_images=len(correct['all']))
    for name in SIZE_BINS:
        hits = correct[name]
        result[f'accuracy_{name}'] = 100.0 * float(np.mean(hits)) if hits else None
        result[f'num_{name}'] = len(hits)
    return result


def mean_std(values):
    """Mean and sample standard deviation (ddof 1) of the non-None values; None where undefined."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return None, None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def aggregate(runs, metrics, variants):
    """Mean ± std over the runs (seeds) of each variant.

    Args:
        runs (Sequence[dict]): one dict per run with ``variant`` and the metric keys.
        metrics (Sequence[str]): keys to aggregate.
        variants (Sequence[str]): variant names, in table order.

    Returns:
        dict[str, dict]: variant → ``seeds`` (count) and metric → ``(mean, std)``.
    """
    summary = {}
    for variant in variants:
        rows = [run for run in runs if run['variant'] == variant]
        summary[variant] = dict(seeds=len(rows), **{m: mean_std(run.get(m) for run in rows) for m in metrics})
    return summary


def _cell(value, digits):
    mean, std = value
    if mean is None:
        return '—'
    return f'{mean:.{digits}f}' if std is None else f'{mean:.{digits}f} ± {std:.{digits}f}'


def markdown_table(summary, columns):
    """A markdown table, one row per variant.

    Args:
        summary (dict): see :func:`aggregate`.
        columns (Sequence[tuple[str, str, int]]): ``(metric key, header, decimals)``.

    Returns:
        str: the table.
    """
    lines = ['| variant | seeds | ' + ' | '.join(header for _, header, _ in columns) + ' |',
             '|---|---:|' + '---:|' * len(columns)]
    for variant, row in summary.items():
        cells = [_cell(row[key], digits) for key, _, digits in columns]
        lines.append(f'| {variant} | {row["seeds"]} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def write_runs_csv(path, runs, keys):
    """All runs, one row each, with the given columns."""
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, fieldnames=list(keys), extrasaction='ignore')
        writer.writeheader()
        for run in runs:
            writer.writerow({k: ('' if run.get(k) is None else run.get(k)) for k in keys})


def plot_study(summary, metrics, path, title, ylabel):
    """Bar chart: one group per metric, one bar per variant, error bars = std over seeds.

    Args:
        summary (dict): see :func:`aggregate`.
        metrics (Sequence[tuple[str, str]]): ``(metric key, group label)``.
        path (str): PNG file.
        title (str): figure title.
        ylabel (str): y axis label.
    """
    series = []
    for variant, row in summary.items():
        values = [row[key][0] for key, _ in metrics]
        errors = [row[key][1] if row[key][1] is not None and not math.isnan(row[key][1]) else 0.0
                  for key, _ in metrics]
        seeds = f'{row["seeds"]} seed' + ('s' if row['seeds'] != 1 else '')
        series.append(dict(label=f'{variant} ({seeds})', values=values, errors=errors))
    plot_grouped_bars([dict(title='', groups=[label for _, label in metrics], series=series)], path,
                      title, ylabel=ylabel)

"""Plot training curves (losses, learning rate, validation metrics) from MMEngine's scalar logs.

MMEngine's ``LoggerHook`` writes one JSON object per line to
``WORK_DIR/<timestamp>/vis_data/scalars.json``: training entries carry ``iter`` (and ``epoch`` for
epoch-based loops), validation entries carry the metrics and ``step`` (the epoch for epoch-based
loops, the iteration otherwise). All runs in a work dir are read in time order, so a resumed run
gives one curve. Validation points are placed at the iteration their epoch ended. ::

    python tools/analysis_tools/plot_curves.py work_dirs/my_run --out curves.png
    python tools/analysis_tools/plot_curves.py work_dirs/my_run --keys loss coco/bbox_mAP --out c.png
"""
import argparse
import glob
import json
import os.path as osp
import sys

#: Validation metrics plotted by default when present.
DEFAULT_METRICS = ('coco/bbox_mAP', 'coco/segm_mAP', 'accuracy/top1', 'mIoU')


def find_scalar_files(path):
    """The ``scalars.json`` files of a work dir (oldest run first), or ``[path]`` for a file.

    Args:
        path (str): a work dir, a run dir (``<timestamp>/``) or a ``scalars.json`` file.

    Returns:
        list[str]: the scalar files.

    Raises:
        FileNotFoundError: ``path`` does not exist or holds no scalar log.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such work dir or scalars.json file')
    files = sorted(glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
                   glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{path} holds no <timestamp>/vis_data/scalars.json: was the run '
                                'logged by MMEngine\'s LoggerHook with a LocalVisBackend?')
    return files


def read_scalars(files):
    """Read training and validation entries from scalar files.

    Args:
        files (list[str]): ``scalars.json`` files, oldest first.

    Returns:
        tuple[list[dict], list[dict]]: training entries (with ``iter``) and validation entries, each
        in file order; a later entry for the same iteration (a resumed run) replaces an earlier one.

    Raises:
        ValueError: a line is not a JSON object (names the file and line).
    """
    train, val = {}, {}
    for path in files:
        with open(path, encoding='utf-8') as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{path}, line {line_no}: not JSON ({err})') from None
                if not isinstance(entry, dict):
                    raise ValueError(f'{path}, line {line_no}: expected a JSON object')
                if 'iter' in entry:
                    train[entry['iter']] = entry
                elif 'step' in entry:
                    val[entry['step']] = entry
    return ([train[k] for k in sorted(train)], [val[k] for k in sorted(val)])


def val_iterations(train, val):
    """The training iteration at which each validation entry was made.

    Args:
        train (list[dict]): training entries.
        val (list[dict]): validation entries.

    Returns:
        list[int]: one iteration per validation entry. For epoch-based runs, the last logged
        iteration of the entry's epoch (MMEngine's logger also logs the last iteration of an epoch).
    """
    if not any('epoch' in entry for entry in train):
        return [entry['step'] for entry in val]
    end_of_epoch = {}
    for entry in train:
        end_of_epoch[entry['epoch']] = max(end_of_epoch.get(entry['epoch'], 0), entry['iter'])
    return [end_of_epoch.get(entry['step'], entry['step']) for entry in val]


def collect_series(train, val, keys):
    """The (iterations, values) of each key.

    Args:
        train (list[dict]): training entries.
        val (list[dict]): validation entries.
        keys (list[str]): scalar names.

    Returns:
        dict[str, tuple[list[int], list[float]]]: the points of every key that has any.
    """
    series = {}
    val_iters = val_iterations(train, val)
    for key in keys:
        points = [(e['iter'], e[key]) for e in train if key in e]
        points += [(it, e[key]) for it, e in zip(val_iters, val) if key in e]
        if points:
            points.sort()
            series[key] = ([p[0] for p in points], [p[1] for p in points])
    return series


def default_keys(train, val):
    """``loss`` and the validation metrics of :data:`DEFAULT_METRICS` that the log has."""
    keys = ['loss'] if any('loss' in e for e in train) else []
    keys += [k for k in DEFAULT_METRICS if any(k in e for e in val)]
    return keys


def plot(series, out, title=None):
    """Draw one panel per key (x: training iteration) and save a PNG.

    Args:
        series (dict): see :func:`collect_series`.
        out (str): output image path.
        title (str, optional): figure title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.2), squeeze=False)
    for ax, (key, (iters, values)) in zip(axes[0], series.items()):
        marker = 'o' if len(iters) <= 30 else None
        ax.plot(iters, values, marker=marker, markersize=4, linewidth=1.5)
        ax.set_title(key)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        if len(iters) <= 12:
            for x, y in zip(iters, values):
                ax.annotate(f'{y:.3g}', (x, y), textcoords='offset points', xytext=(0, 5),
                            ha='center', fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Plot curves from MMEngine scalars.json logs')
    parser.add_argument('work_dir', help='work dir (all its runs are read), run dir or scalars.json')
    parser.add_argument('--keys', nargs='+', help='scalars to plot (default: loss and the '
                        'validation metrics among ' + ', '.join(DEFAULT_METRICS) + ')')
    parser.add_argument('--out', default='curves.png', help='output PNG (default: curves.png)')
    parser.add_argument('--title', help='figure title')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        train, val = read_scalars(find_scalar_files(args.work_dir))
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'plot_curves: {err}')
    keys = args.keys or default_keys(train, val)
    series = collect_series(train, val, keys)
    missing = [k for k in keys if k not in series]
    if missing:
        present = sorted({k for e in train + val for k in e} - {'iter', 'step', 'epoch'})
        sys.exit(f'plot_curves: no values for {missing} in {args.work_dir}; the log has: {present}')
    plot(series, args.out, args.title)
    for key, (iters, values) in series.items():
        if key != 'loss' or len(values) <= 12:
            shown = ', '.join(f'{i}: {v:.4g}' for i, v in zip(iters, values))
        else:
            shown = f'{len(values)} points, first {values[0]:.4g}, last {values[-1]:.4g}'
        print(f'{key}: {shown}')
    print(f'curves written to {args.out}')


if __name__ == '__main__':
    main()

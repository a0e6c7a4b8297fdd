"""Matplotlib figures of the analysis tools (written to PNG files, no display needed)."""
import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')  # files only; works without a display
    import matplotlib.pyplot as plt
    return plt


def stage_block_matrix(rows):
    """Stack rows of different lengths into a masked matrix (empty cells masked).

    Args:
        rows (Sequence[Sequence[float]]): one row per stage (its blocks).

    Returns:
        np.ma.MaskedArray: ``len(rows)`` × longest row.
    """
    width = max(len(row) for row in rows)
    data = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        data[i, :len(row)] = row
    return np.ma.masked_invalid(data)


def plot_stage_block_heatmap(labels, rows, path, title):
    """Heat map stage × block of per-block values; cells of blocks a stage does not have are blank.

    Args:
        labels (Sequence[str]): stage names (rows).
        rows (Sequence[Sequence[float]]): each stage's values per block.
        path (str): PNG file to write.
        title (str): figure title.
    """
    plt = _pyplot()
    matrix = stage_block_matrix(rows)
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 + 0.75 * matrix.shape[1]), 1.6 + 0.55 * matrix.shape[0]))
    cmap = plt.get_cmap('viridis').with_extremes(bad='white')
    image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=max(float(matrix.max()), 1e-6), aspect='auto')
    for (i, j), value in np.ndenumerate(matrix.filled(np.nan)):
        if np.isfinite(value):
            colour = 'black' if value > 0.6 * matrix.max() else 'white'
            ax.text(j, i, f'{value:.2f}', ha='center', va='center', fontsize=8, color=colour)
    ax.set_xticks(range(matrix.shape[1]), [str(j + 1) for j in range(matrix.shape[1])])
    ax.set_yticks(range(matrix.shape[0]), labels)
    ax.set_xlabel('block')
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, label='mean weight')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_grouped_bars(panels, path, title, ylabel, xlabel=None, points=False):
    """Panels of grouped bars (or points) with error bars.

    Args:
        panels (Sequence[dict]): each ``dict(title, groups, series)`` and optionally ``reference``
            (a value drawn as a dashed line): ``groups`` the x tick labels, ``series`` a list of
            ``dict(label, values, errors)`` (``errors`` may be None; a None value leaves its bar out).
        path (str): PNG file to write.
        title (str): figure title.
        ylabel (str): y axis label.
        xlabel (str, optional): x axis label of every panel.
        points (bool): markers instead of bars, on an axis fitted to the values (small differences
            stay visible; bars would have to start at 0). Default: False.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(max(6.0, 1.0 + 2.6 * len(panels)), 3.6),
                             squeeze=False)
    for ax, panel in zip(axes[0], panels):
        series = panel['series']
        width = 0.8 / max(len(series), 1)
        x = np.arange(len(panel['groups']))
        for k, entry in enumerate(series):
            values = np.array([np.nan if v is None else v for v in entry['values']], dtype=float)
            errors = entry.get('errors')
            if errors is not None:
                errors = np.array([0 if e is None else e for e in errors], dtype=float)
            offset = x + (k - (len(series) - 1) / 2) * width
            if points:
                ax.errorbar(offset, values, yerr=errors, fmt='o', capsize=3, label=entry['label'])
            else:
                ax.bar(offset, values, width, yerr=errors, capsize=3, label=entry['label'])
        if panel.get('reference') is not None:
            ax.axhline(panel['reference'], color='gray', linestyle='--', linewidth=0.8)
        ax.set_xticks(x, panel['groups'])
        ax.set_title(panel['title'], fontsize=9)
        if xlabel:
            ax.set_xlabel(xlabel)
    axes[0][0].set_ylabel(ylabel)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='lower center', ncol=min(len(labels), 3), fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)

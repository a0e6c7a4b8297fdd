"""Depth-attention weights of a trained model over a set of images: collection, statistics, files.

Per image, each stage's B×N×C weights are averaged over the C channels: N numbers that sum to 1 (the
weights sum to 1 over depth in every channel). The report gives their mean and standard deviation
over the images (a stage × block heat map) and, where the images' object sizes are known, the means
per size bin (see :mod:`mmsda.analysis.size_bins` for the bins and how images are assigned to them).
"""
import csv
import json
import os
import os.path as osp

import numpy as np
import torch

from .depth_attention import DepthAttentionRecorder
from .plots import plot_grouped_bars, plot_stage_block_heatmap
from .size_bins import SIZE_BINS, bin_counts, binned_means, coco_size_bin, scale_bin_edges, scale_size_bin

#: How the object sizes of each kind are binned (recorded in the JSON report).
SIZE_DEFINITIONS = {
    'scale': 'recorded object scale (circumscribed circle diameter / shorter image side), binned by '
             'the terciles of the scale range it was drawn from; one object per image',
    'coco_area': "annotation areas ('area' of the COCO file, crowd objects left out) in pycocotools' "
                 'ranges: small < 32^2 <= medium < 96^2 <= large pixels; an image counts for each bin '
                 'with the share of its objects in that bin',
    'bbox_area': 'box areas (w*h of the instances) in the COCO ranges small < 32^2 <= medium < 96^2 '
                 '<= large pixels; an image counts for each bin with the share of its objects in it',
    'mask_area': 'visible pixels of each object (the shapes segmentation view\'s object record) in the '
                 'COCO ranges small < 32^2 <= medium < 96^2 <= large pixels; an image counts for each '
                 'bin with the share of its objects in it',
}


def _coco_areas(ann_file):
    """``image id → [area of each non-crowd annotation]`` of a COCO annotation file."""
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    areas = {image['id']: [] for image in coco.get('images', [])}
    for ann in coco.get('annotations', []):
        if not ann.get('iscrowd', 0):
            areas.setdefault(ann['image_id'], []).append(float(ann['area']))
    return areas


def object_sizes(dataset, indices):
    """The object sizes of some images of a dataset, if the dataset records them.

    Args:
        dataset (BaseDataset): an mmpretrain/mmdet/mmseg dataset. Known: the shapes classification
            data (``object_scale`` and metainfo ``scale_range``), the shapes segmentation data
            (``object_areas``), COCO-format detection data (areas from ``ann_file``) and any dataset
            with ``instances`` boxes (box areas).
        indices (Sequence[int]): the images.

    Returns:
        tuple: ``(kind, per_image)`` with ``kind`` a key of :data:`SIZE_DEFINITIONS` (None if the
        dataset has no sizes) and ``per_image`` a list of ``dict(sizes, bins)``: the object sizes
        and the objects per bin (None for unknown).
    """
    infos = [dataset.get_data_info(i) for i in indices]
    scale_range = dataset.metainfo.get('scale_range')
    if scale_range is not None and all('object_scale' in info for info in infos):
        return 'scale', [dict(sizes=[info['object_scale']],
                              bins=bin_counts([scale_size_bin(info['object_scale'], scale_range)]))
                         for info in infos]
    if all('object_areas' in info for info in infos):
        return 'mask_area', [dict(sizes=[float(a) for a in info['object_areas']],
                                  bins=bin_counts(map(coco_size_bin, info['object_areas'])))
                             for info in infos]
    ann_file = getattr(dataset, 'ann_file', '')
    if isinstance(ann_file, str) and ann_file.endswith('.json') and osp.isfile(ann_file) \
            and all('img_id' in info for info in infos):
        areas = _coco_areas(ann_file)
        return 'coco_area', [dict(sizes=areas.get(info['img_id'], []),
                                  bins=bin_counts(map(coco_size_bin, areas.get(info['img_id'], []))))
                             for info in infos]
    if all('instances' in info for info in infos):
        per_image = []
        for info in infos:
            boxes = [inst['bbox'] for inst in info['instances'] if not inst.get('ignore_flag', 0)]
            sizes = [float((x2 - x1) * (y2 - y1)) for x1, y1, x2, y2 in boxes]
            per_image.append(dict(sizes=sizes, bins=bin_counts(map(coco_size_bin, sizes))))
        return 'bbox_area', per_image
    return None, [dict(sizes=None, bins=None) for _ in infos]


def collect_weights(model, items, progress=None):
    """Run the model's feature extractor on packed samples and record the depth-attention weights.

    Each sample runs alone (batch 1), so padding to a batch's largest image does not enter its
    weights.

    Args:
        model (nn.Module): an mmdet detector, mmpretrain classifier or mmseg segmentor in eval mode
            (``extract_feat`` and ``data_preprocessor``).
        items (Iterable[dict]): packed samples (``inputs`` and ``data_samples``, pipeline outputs).
        progress (Callable[[], None], optional): called after each sample.

    Returns:
        tuple[list[DepthAttentionStage], list[dict]]: the stages and, per sample, ``image`` (path)
        and ``weights`` (stage name → the N channel-mean weights).
    """
    from mmengine.dataset import pseudo_collate
    if not hasattr(model, 'extract_feat'):
        raise ValueError(f'{type(model).__name__} has no extract_feat(inputs); expected an mmdet '
                         'detector, an mmpretrain classifier or an mmseg segmentor')
    records = []
    with DepthAttentionRecorder(model) as recorder, torch.no_grad():
        for item in items:
            data = model.data_preprocessor(pseudo_collate([item]), False)
            model.extract_feat(data['inputs'])
            weights = recorder.pop()
            sample = item.get('data_samples')
            image = sample.metainfo.get('img_path') if sample is not None else None
            records.append(dict(image=image, weights={name: w.mean(dim=2)[0].tolist()
                                                      for name, w in weights.items()}))
            if progress is not None:
                progress()
    return recorder.stages, records


def _per_stage(stages, vector):
    """Split a vector over all blocks of all stages into ``stage name → list``."""
    out, start = {}, 0
    for stage in stages:
        out[stage.name] = [float(v) for v in vector[start:start + stage.num_blocks]]
        start += stage.num_blocks
    return out


def summarise(stages, records, size_kind=None, size_info=None, scale_range=None):
    """Mean and spread of the weights over the images, overall and per size bin.

    Args:
        stages (list[DepthAttentionStage]): the recorded stages.
        records (list[dict]): per-image ``weights`` (see :func:`collect_weights`).
        size_kind (str, optional): a key of :data:`SIZE_DEFINITIONS`, None without sizes.
        size_info (list[dict], optional): per image ``sizes`` and ``bins`` (see :func:`object_sizes`).
        scale_range (Sequence[float], optional): the scale range of ``size_kind='scale'``.

    Returns:
        dict: ``stages``, ``num_images``, ``mean`` and ``std`` (stage name → per-block values) and
        ``by_size`` (None, or the definition, bin edges and :func:`binned_means` per bin, with the
        means and spreads per stage).
    """
    if not records:
        raise ValueError('no images: nothing to summarise')
    values = np.array([[v for stage in stages for v in record['weights'][stage.name]]
                       for record in records])
    summary = dict(
        stages=[dict(name=s.name, label=s.label, num_blocks=s.num_blocks, channels=s.channels)
                for s in stages],
        num_images=len(records), mean=_per_stage(stages, values.mean(0)),
        std=_per_stage(stages, values.std(0)), by_size=None)
    if size_kind is not None and size_info is not None:
        bins = binned_means(values, [info['bins'] for info in size_info])
        for entry in bins.values():
            for key in ('mean', 'std', 'pure_mean'):
                if entry[key] is not None:
                    entry[key] = _per_stage(stages, entry[key])
        edges = list(scale_bin_edges(scale_range)) if size_kind == 'scale' else [32 ** 2, 96 ** 2]
        summary['by_size'] = dict(kind=size_kind, definition=SIZE_DEFINITIONS[size_kind], edges=edges,
                                  scale_range=list(scale_range) if scale_range is not None else None,
                                  bins=bins)
    return summary


def write_csv(path, stages, records, size_kind, size_info):
    """One row per image, stage and block: ``image, stage, block, mean_weight`` and the image's
    sizes (``;``-separated) and objects per bin.

    Args:
        path (str): CSV file to write.
        stages (list[dict]): ``name`` and ``label`` of each stage (the summary's ``stages``).
        records (list[dict]): per-image weights.
        size_kind (str, optional): see :data:`SIZE_DEFINITIONS`.
        size_info (list[dict]): per-image sizes (see :func:`object_sizes`).
    """
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'stage', 'block', 'mean_weight', 'size_kind', 'sizes', *SIZE_BINS])
        for record, info in zip(records, size_info):
            sizes = '' if info['sizes'] is None else ';'.join(f'{s:g}' for s in info['sizes'])
            counts = ['' if info['bins'] is None else info['bins'][b] for b in SIZE_BINS]
            for stage in stages:
                for block, weight in enumerate(record['weights'][stage['name']], start=1):
                    writer.writerow([record['image'], stage['label'], block, f'{weight:.6f}',
                                     size_kind or '', sizes, *counts])


def plot_by_size(summary, path, title):
    """Mean weight per block of every stage, one point per size bin, ± its standard error; the dashed
    line is the uniform weight 1/N. The legend gives each bin's images (the sum of their shares)."""
    by_size = summary['by_size']
    panels = []
    for stage in summary['stages']:
        series = []
        for name in SIZE_BINS:
            entry = by_size['bins'][name]
            if entry['mean'] is None:
                continue
            se = np.array(entry['std'][stage['name']]) / np.sqrt(max(entry['effective_images'], 1.0))
            series.append(dict(label=f'{name} ({entry["weight"]:.1f} images)',
                               values=entry['mean'][stage['name']], errors=se.tolist()))
        panels.append(dict(title=stage['label'], groups=[str(b + 1) for b in range(stage['num_blocks'])],
                           series=series, reference=1 / stage['num_blocks']))
    plot_grouped_bars(panels, path, title, ylabel='mean weight', xlabel='block', points=True)


def write_report(out_dir, summary, records, size_info, meta):
    """Write the heat map, the by-size plot (if sizes are known), the JSON and the CSV.

    Args:
        out_dir (str): output directory (created).
        summary (dict): see :func:`summarise`.
        records (list[dict]): per-image weights.
        size_info (list[dict]): per-image sizes (see :func:`object_sizes`).
        meta (dict): provenance stored in the JSON (config, checkpoint, command, date ...).

    Returns:
        dict[str, str]: written files by kind (``heatmap``, ``by_size``, ``json``, ``csv``).
    """
    os.makedirs(out_dir, exist_ok=True)
    stages = summary['stages']
    files = dict(heatmap=osp.join(out_dir, 'depth_attention_heatmap.png'),
                 json=osp.join(out_dir, 'depth_attention.json'),
                 csv=osp.join(out_dir, 'depth_attention.csv'))
    plot_stage_block_heatmap(
        [s['label'] for s in stages], [summary['mean'][s['name']] for s in stages], files['heatmap'],
        f'depth attention: mean weight\nover channels and {summary["num_images"]} images')
    if summary['by_size'] is not None:
        files['by_size'] = osp.join(out_dir, 'depth_attention_by_size.png')
        plot_by_size(summary, files['by_size'],
                     f'mean weight per object size bin ({summary["by_size"]["kind"]}), ± s.e.')
    images = [dict(image=r['image'], sizes=i['sizes'], bins=i['bins'], weights=r['weights'])
              for r, i in zip(records, size_info)]
    with open(files['json'], 'w', encoding='utf-8') as f:
        json.dump(dict(meta, **summary, images=images), f, indent=1)
    size_kind = summary['by_size']['kind'] if summary['by_size'] else None
    write_csv(files['csv'], stages, records, size_kind, size_info)
    return files

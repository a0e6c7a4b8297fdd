"""Write the model tables of README.md and of every configs/<folder>/README.md from the metafiles.

    python tools/misc/gen_model_zoo.py           # rewrite the tables
    python tools/misc/gen_model_zoo.py --check   # exit 1 and name every stale file (CI, tests)

The metafiles (``configs/*/metafile.yml``, imported by the root ``model-index.yml``) are the one
place where a model's numbers are written; ``tests/test_model_zoo.py`` checks them against the
models. A table is the text between ``<!-- model-zoo:start -->`` and ``<!-- model-zoo:end -->``;
everything outside the markers is prose and is left alone.

Per model the tables show its config, task(s) and data set, from the standard model-index keys
(``Config``, ``Metadata: {Parameters, FLOPs}``, ``Results: [{Task, Dataset, Metrics, Source}]``), and
from these mmsda keys of ``Metadata`` (mim and the model-index tools keep unknown keys as they are):

- ``Trainable Parameters`` (int): without the frozen stages; the detector tables of mmdet-2-era
  papers count these.
- ``MMEngine FLOPs`` (int): MMEngine's ``get_model_complexity_info``, which also counts norms and
  pooling (``FLOPs`` is multiply-adds of convolutions and linear layers, the papers' convention).
- ``Paper Parameters`` / ``Paper FLOPs`` (str, e.g. ``'27.22M'`` / ``'3.88G'``): the paper's own
  figures, written as published; ``Paper Note`` (str): what the figure refers to.

A model's task is that of its ``Results`` entries; an entry with ``Metrics: {}`` declares the task
of a model without a published result.
"""
import argparse
import glob
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
START, END = '<!-- model-zoo:start -->', '<!-- model-zoo:end -->'
PAPER_FIGURE = {'Paper Parameters': re.compile(r'^\d+(\.\d+)?M$'), 'Paper FLOPs': re.compile(r'^\d+(\.\d+)?G$')}

#: task -> (table it goes to, short name in the task column)
TASKS = {
    'Image Classification': ('Image classification', 'classification'),
    'Object Detection': ('Object detection and instance segmentation', 'detection'),
    'Instance Segmentation': ('Object detection and instance segmentation', 'instance seg.'),
    'Semantic Segmentation': ('Semantic segmentation', 'semantic seg.'),
}
#: metric -> how it reads in the result column
METRICS = {'Top 1 Accuracy': 'top-1', 'Top 5 Accuracy': 'top-5', 'box AP': 'box AP', 'mask AP': 'mask AP',
           'mIoU': 'mIoU', 'aAcc': 'aAcc', 'mAcc': 'mAcc'}
TABLE_ORDER = ['Image classification', 'Object detection and instance segmentation', 'Semantic segmentation']


class ZooError(ValueError):
    """A metafile, the model index or a README that the generator cannot use."""


class _Loader(yaml.SafeLoader):
    """YAML with decimals kept as written (``78.80`` stays ``'78.80'``: results read as published)."""


_Loader.add_constructor('tag:yaml.org,2002:float', lambda loader, node: loader.construct_scalar(node))


def _load_yaml(path: str) -> dict:
    with open(path, encoding='utf-8') as f:
        try:
            data = yaml.load(f, Loader=_Loader)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as error:
            raise ZooError(f'{osp.relpath(path, REPO)} is not valid YAML: {error}') from None
    if not isinstance(data, dict):
        raise ZooError(f'{osp.relpath(path, REPO)}: expected a YAML mapping, got {type(data).__name__}')
    return data


def metafile_paths(repo: str = REPO) -> List[str]:
    """The metafiles in the order of ``model-index.yml``, after checking it imports every folder's one.

    Args:
        repo (str): repository root.

    Returns:
        list[str]: metafile paths relative to ``repo``.

    Raises:
        ZooError: the index misses a ``configs/*/metafile.yml`` or imports a file that does not exist.
    """
    index = _load_yaml(osp.join(repo, 'model-index.yml'))
    imports = index.get('Import')
    if not isinstance(imports, list) or not all(isinstance(p, str) for p in imports):
        raise ZooError('model-index.yml: "Import" must be a list of metafile paths')
    on_disk = sorted(osp.relpath(p, repo) for p in glob.glob(osp.join(repo, 'configs', '*', 'metafile.yml')))
    missing = [p for p in on_disk if p not in imports]
    absent = [p for p in imports if not osp.isfile(osp.join(repo, p))]
    if missing:
        raise ZooError(f'model-index.yml does not import {", ".join(missing)}: add them to "Import"')
    if absent:
        raise ZooError(f'model-index.yml imports {", ".join(absent)}, which does not exist')
    return list(imports)


def _check_model(model: dict, where: str, repo: str) -> None:
    """Raise a :class:`ZooError` naming the field when ``model`` cannot be tabulated."""
    for key in ('Name', 'Config'):
        if not isinstance(model.get(key), str):
            raise ZooError(f'{where}: every model needs a "{key}" string')
    where = f'{where}, model {model["Name"]}'
    if not osp.isfile(osp.join(repo, model['Config'])):
        raise ZooError(f'{where}: Config {model["Config"]} does not exist')
    meta = model.get('Metadata') or {}
    for key in ('Parameters', 'Trainable Parameters', 'FLOPs', 'MMEngine FLOPs'):
        if key in meta and (not isinstance(meta[key], int) or isinstance(meta[key], bool)):
            raise ZooError(f'{where}: Metadata "{key}" must be an integer, got {meta[key]!r}')
    if not isinstance(meta.get('Parameters'), int):
        raise ZooError(f'{where}: Metadata "Parameters" (the measured count) is required')
    for key, pattern in PAPER_FIGURE.items():
        if key in meta and not (isinstance(meta[key], str) and pattern.match(meta[key])):
            example = '27.22M' if key == 'Paper Parameters' else '3.88G'
            raise ZooError(f'{where}: Metadata "{key}" must be a string like \'{example}\' (the figure as '
                           f'published and its unit), got {meta[key]!r}')
    results = model.get('Results')
    if not isinstance(results, list) or not results:
        raise ZooError(f'{where}: "Results" must list the model\'s task(s) (Metrics: {{}} when there is no '
                       'published result)')
    for result in results:
        if not isinstance(result, dict) or result.get('Task') not in TASKS:
            raise ZooError(f'{where}: every Results entry needs a Task, one of {sorted(TASKS)}; got {result!r}')
        if not isinstance(result.get('Dataset'), str) or not isinstance(result.get('Metrics'), dict):
            raise ZooError(f'{where}: Results entry for {result["Task"]} needs "Dataset" and "Metrics" (a mapping)')


def read_zoo(repo: str = REPO) -> List[dict]:
    """Every model of every metafile, checked, in the order of ``model-index.yml``.

    Args:
        repo (str): repository root.

    Returns:
        list[dict]: the metafile entries, each with ``_metafile`` (its metafile) and ``_collection``
        (its collection entry) added.

    Raises:
        ZooError: naming the file, the model and the field that is missing or malformed.
    """
    models, names = [], {}
    for path in metafile_paths(repo):
        data = _load_yaml(osp.join(repo, path))
        collections = {c['Name']: c for c in data.get('Collections') or []}
        for model in data.get('Models') or []:
            _check_model(model, path, repo)
            if model['Name'] in names:
                raise ZooError(f'{path}: model name {model["Name"]} is also used in {names[model["Name"]]}')
            names[model['Name']] = path
            if model.get('In Collection') not in collections:
                raise ZooError(f'{path}, model {model["Name"]}: "In Collection" must name a collection of '
                               f'this file ({", ".join(collections)})')
            models.append(dict(model, _metafile=path, _collection=collections[model['In Collection']]))
    return models


def _millions(n: int) -> str:
    return f'{n / 1e6:.2f}'


def _giga(n: Optional[int]) -> str:
    return '–' if n is None else f'{n / 1e9:.2f}'


def _params(meta: dict) -> str:
    text = _millions(meta['Parameters'])
    if 'Trainable Parameters' in meta:
        text += f' ({_millions(meta["Trainable Parameters"])} trainable)'
    return text


def _paper(meta: dict) -> str:
    params, flops = meta.get('Paper Parameters'), meta.get('Paper FLOPs')
    text = ''
    if params or flops:  # written as published, with the unit letter: '27.22M', '3.88G'
        text = f'{params[:-1] if params else "–"} / {flops[:-1] if flops else "–"}'
    note = meta.get('Paper Note')
    if note:
        text = f'{text} ({note})' if text else note
    return text or '–'


def _result(results: List[dict]) -> str:
    by_source: Dict[str, List[str]] = {}  # results of one source (e.g. box and mask AP) share its note
    for result in results:
        source = result.get('Source', '')
        if source.startswith('paper-reported'):
            source = source[len('paper-reported'):].strip()
        elif source:
            source = f'({source})'
        by_source.setdefault(source, []).extend(
            f'{value} {METRICS.get(key, key)}' for key, value in result['Metrics'].items())
    parts = [f'{", ".join(metrics)} {source}'.strip() for source, metrics in by_source.items() if metrics]
    return '; '.join(parts) or '–'


def _tasks(results: List[dict]) -> Tuple[str, str]:
    tasks = list(dict.fromkeys(TASKS[r['Task']][1] for r in results))
    datasets = list(dict.fromkeys(r['Dataset'] for r in results))
    return ', '.join(tasks), ', '.join(datasets)


def _group(model: dict) -> str:
    return TASKS[model['Results'][0]['Task']][0]


def render_tables(models: List[dict], link_base: str, overview: bool, repo: str = REPO) -> str:
    """The Markdown tables of ``models``, one per task group.

    Args:
        models (list[dict]): entries of :func:`read_zoo`.
        link_base (str): directory (relative to the repository) of the Markdown file; links are
            made relative to it.
        overview (bool): the top README's table: a column with the model's family (collection,
            linked to its folder README) instead of the MMEngine count.
        repo (str): repository root.

    Returns:
        str: the tables, separated by blank lines.
    """
    groups: Dict[str, List[dict]] = {}
    for model in models:
        groups.setdefault(_group(model), []).append(model)
    order = TABLE_ORDER + sorted(set(groups) - set(TABLE_ORDER))
    header = (['model'] + (['family'] if overview else []) + ['task', 'dataset', 'params (M)', 'GMACs']
              + ([] if overview else ['mmengine GFLOPs']) + ['paper params (M) / GFLOPs', 'result'])
    blocks = []
    for group in (g for g in order if g in groups):
        rows = [f'**{group}**', '', '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
        for model in groups[group]:
            meta = model.get('Metadata') or {}
            cells = [f'[{model["Name"]}]({osp.relpath(model["Config"], link_base or ".")})']
            if overview:
                folder = osp.dirname(model['Config'])
                readme = osp.join(folder, 'README.md')
                target = readme if osp.isfile(osp.join(repo, readme)) else folder
                cells.append(f'[{model["_collection"]["Name"]}]({osp.relpath(target, link_base or ".")})')
            cells += [*_tasks(model['Results']), _params(meta), _giga(meta.get('FLOPs'))]
            if not overview:
                cells.append(_giga(meta.get('MMEngine FLOPs')))
            cells += [_paper(meta), _result(model['Results'])]
            rows.append('| ' + ' | '.join(cells) + ' |')
        blocks.append('\n'.join(rows))
    return '\n\n'.join(blocks)


def _block(tables: str, sources: str) -> str:
    return (f'{START}\n<!-- Generated by tools/misc/gen_model_zoo.py from {sources}: edit the metafile(s), '
            f'then run it. -->\n\n{tables}\n\n{END}')


def expected_files(repo: str = REPO) -> Dict[str, str]:
    """What every README with a model table should contain.

    Args:
        repo (str): repository root.

    Returns:
        dict[str, str]: README path (relative to ``repo``) -> its full text with the tables written.

    Raises:
        ZooError: a metafile problem (see :func:`read_zoo`), or a README without exactly one pair of
            markers.
    """
    models = read_zoo(repo)
    targets = {'README.md': (models, '', True, 'configs/*/metafile.yml')}
    by_metafile: Dict[str, List[dict]] = {}
    for model in models:
        by_metafile.setdefault(model['_metafile'], []).append(model)
    for metafile, group in by_metafile.items():
        folder = osp.dirname(metafile)
        readme = osp.join(folder, 'README.md')
        if osp.isfile(osp.join(repo, readme)):
            targets[readme] = (group, folder, False, 'metafile.yml')
    out = {}
    for readme, (group, link_base, overview, sources) in targets.items():
        with open(osp.join(repo, readme), encoding='utf-8') as f:
            text = f.read()
        if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
            raise ZooError(f'{readme}: needs one "{START}" line followed by one "{END}" line where the '
                           'model table goes')
        head, rest = text.split(START)
        tail = rest.split(END)[1]
        out[readme] = head + _block(render_tables(group, link_base, overview, repo), sources) + tail
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='Write the README model tables from the metafiles')
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 and name every README whose tables are stale')
    args = parser.parse_args(argv)
    try:
        expected = expected_files(REPO)
    except ZooError as error:
        print(f'gen_model_zoo: {error}', file=sys.stderr)
        return 2
    stale = []
    for readme, text in expected.items():
        path = osp.join(REPO, readme)
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                continue
        stale.append(readme)
        if not args.check:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
    if args.check and stale:
        print('stale model tables (run python tools/misc/gen_model_zoo.py): ' + ', '.join(stale), file=sys.stderr)
        return 1
    print(f'{"checked" if args.check else "wrote"} {len(expected)} files'
          + (f'; updated: {", ".join(stale)}' if stale and not args.check else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""One problem found in a data set: how bad, which file, what is wrong."""
from typing import NamedTuple

#: Kinds of problems with an image file (the rest concern annotations).
IMAGE_KINDS = ('missing', 'empty', 'unreadable', 'undecodable', 'size')


class DataProblem(NamedTuple):
    """A problem in a data set.

    Attributes:
        severity (str): ``'error'`` (training would crash or learn from wrong labels) or
            ``'warning'`` (legal, but probably not what was meant, e.g. an image without annotations).
        file (str): the image or annotation file concerned.
        kind (str): short category, e.g. ``'missing'``, ``'undecodable'``, ``'bbox_outside'``.
        message (str): what is wrong, in words.
    """

    severity: str
    file: str
    kind: str
    message: str

    def __str__(self):
        return f'{self.severity}: {self.file}: {self.message}'


def error(file, kind, message):
    return DataProblem('error', file, kind, message)


def warning(file, kind, message):
    return DataProblem('warning', file, kind, message)


def format_problems(problems, max_lines=None):
    """Problems as text, errors first, one per line.

    Args:
        problems (list[DataProblem]): the problems.
        max_lines (int, optional): list at most this many, then say how many more there are.

    Returns:
        str: the listing (empty when there are no problems).
    """
    ordered = sorted(problems, key=lambda p: (p.severity != 'error', p.file, p.kind))
    shown = ordered if max_lines is None else ordered[:max_lines]
    lines = [str(p) for p in shown]
    if len(ordered) > len(shown):
        lines.append(f'... and {len(ordered) - len(shown)} more')
    return '\n'.join(lines)

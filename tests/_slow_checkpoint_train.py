"""Run ``tools/train.py`` with ``torch.save`` slowed down for one checkpoint, to kill a run mid-write.

    python tests/_slow_checkpoint_train.py CHECKPOINT_NAME tools/train.py CONFIG [args...]

Writes to a file whose name contains CHECKPOINT_NAME (e.g. ``epoch_2.pth``: mmsda writes it as
``.epoch_2.pth.<pid>-<id>.partial`` first) go out in 50 chunks, 0.2 s apart; other saves are untouched.
"""
import io
import runpy
import sys
import time

import torch

_save = torch.save
SLOW_NAME = sys.argv[1]


def slow_save(obj, f, *args, **kwargs):
    if not hasattr(f, 'write') or SLOW_NAME not in str(getattr(f, 'name', '')):
        return _save(obj, f, *args, **kwargs)
    buffer = io.BytesIO()
    _save(obj, buffer, *args, **kwargs)
    data = buffer.getvalue()
    step = max(1, len(data) // 50)
    for start in range(0, len(data), step):
        f.write(data[start:start + step])
        f.flush()
        time.sleep(0.2)


torch.save = slow_save
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name='__main__')

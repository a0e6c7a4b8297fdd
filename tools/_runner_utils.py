"""What ``tools/train.py`` and ``tools/test.py`` share: config loading, scope checks, runner building."""
import gc
import os.path as osp

from mmengine.config import Config

SUPPORTED_SCOPES = ('mmdet', 'mmpretrain', 'mmseg')


def load_config(path, cfg_options=None):
    """Load a config file, merge ``--cfg-options`` and check that mmdet, mmpretrain or mmseg can run it.

    Args:
        path (str): config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        Config: the loaded config.
    """
    if not osp.isfile(path):
        raise SystemExit(f'config file not found: {path}')
    import mmsda  # noqa: F401  (applies mmsda.compat before anything is built)
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    scope = cfg.get('default_scope')
    if scope not in SUPPORTED_SCOPES:
        raise SystemExit(f'{path}: default_scope is {scope!r}; expected one of {SUPPORTED_SCOPES} '
                         '(inherit an mmdet::, mmpretrain:: or mmseg:: base config)')
    return cfg


def apply_common_args(cfg, config_path, work_dir=None, launcher='none'):
    """Set the work dir (CLI > config > ``./work_dirs/<config name>``) and the launcher."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    cfg.launcher = launcher


def add_custom_hook(cfg, hook):
    """Append ``hook`` to ``cfg.custom_hooks`` unless the config has a hook of that type already
    (whose settings are then kept; ``'mmsda.X'``, ``'X'`` and the class ``X`` count as the same type)."""
    def name(hook_type):
        return str(getattr(hook_type, '__name__', hook_type)).split('.')[-1]

    hooks = list(cfg.get('custom_hooks') or [])
    if all(name(h.get('type')) != name(hook['type']) for h in hooks if isinstance(h, dict)):
        cfg.custom_hooks = hooks + [hook]


def run(runner_method):
    """Run ``runner.train`` / ``runner.test``; a bad checkpoint or a non-finite loss ends the process
    with its message (which names the file, or the iteration and the loss terms) instead of a traceback.

    A successful distributed run then ends its process group while the interpreter is fully alive:
    the runner lets go of its (distributed-data-parallel) model, which holds the group, and the group
    is destroyed on every rank (they all finish the same run). Left to the interpreter's exit, gloo's
    worker threads sometimes abort a finished rank ("terminate called without an active exception",
    SIGABRT; pytorch/pytorch#190489), and ``tools/dist_train.sh`` reports a failed run although training
    finished. After a failure the group is left alone: a collective call with a rank that is gone would
    hang.

    Args:
        runner_method (callable): ``runner.train`` or ``runner.test`` of an mmengine ``Runner``.
    """
    from mmsda.engine import CheckpointError
    try:
        runner_method()  # Runner.train returns the model: not kept, see above
    except (CheckpointError, FloatingPointError) as err:
        raise SystemExit(f'error: {err}') from None
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        runner = getattr(runner_method, '__self__', None)
        if runner is not None:
            runner.model = None
        gc.collect()
        dist.destroy_process_group()


def build_runner(cfg):
    """Build the runner the config asks for (``runner_type``) or MMEngine's default ``Runner``, with
    ``mmsda.KillOrphanedWorkersHook`` (data-loader workers end with a killed training process)."""
    add_custom_hook(cfg, dict(type='mmsda.KillOrphanedWorkersHook'))
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.utils import setup_cache_size_limit_of_dynamo
        setup_cache_size_limit_of_dynamo()
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)

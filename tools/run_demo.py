"""The main demo in one command: pretrain an SDA classifier, fine-tune Mask R-CNN from it, evaluate.

This is what a practitioner does with any backbone (ImageNet-pretrain it with MMPretrain, then
fine-tune a detector with MMDetection), on the synthetic shapes data and sized for a CPU::

    python tools/run_demo.py

Steps (each prints the plain command it runs, so they can be run one by one):

1. ``classifier``: ``tools/train.py`` on the classifier config (mmpretrain scope) — an SDA-ResNet-26
   on the shapes classification view.
2. ``detector``: ``tools/train.py`` on the detector config (mmdet scope) — Mask R-CNN whose backbone
   is initialised from the classifier's last checkpoint (``init_cfg`` with ``prefix='backbone.'``).
3. ``test``: ``tools/test.py`` on the detector's last checkpoint: COCO bbox and segm mAP with
   AP_S / AP_M / AP_L, and pictures of the predictions (``--show-dir``).
4. ``curves``: ``tools/analysis_tools/plot_curves.py`` for both runs.

Safe to re-run: a training step whose last checkpoint exists is reused (a detector older than its
classifier checkpoint is retrained, and says so), an interrupted one is resumed from its last
checkpoint, and ``--force`` retrains both (their work dirs are kept; the old checkpoints are
overwritten epoch by epoch). On failure it stops with the failing step's name.

``--seed N`` runs the whole demo again with ``randomness.seed=N`` in work dirs of its own
(``work_dirs/<config name>-seed<N>``, the detector initialised from that classifier), to see how much
the results vary from run to run.
"""
import argparse
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_CONFIG = 'configs/demo/sda-resnet26-tiny_1xb32_shapes-cls.py'
DET_CONFIG = 'configs/demo/mask-rcnn_sda-r26-tiny_fpn_shapes-ft.py'
COCO_KEYS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l', 'segm_mAP',
             'segm_mAP_50', 'segm_mAP_s', 'segm_mAP_m', 'segm_mAP_l')


class StepFailed(RuntimeError):
    """A demo step failed; the message names the step."""


def config_facts(path, work_dir=None, cfg_options=None):
    """Work dir, last checkpoint and (for the detector) the pretrained checkpoint of a config.

    Args:
        path (str): config file, relative to the repository.
        work_dir (str, optional): the ``--work-dir`` the step's tools get.
        cfg_options (dict, optional): the ``--cfg-options`` the step's tools get.

    Returns:
        dict: ``work_dir``, ``last_ckpt``, ``pretrained`` (None if the backbone has none) and
        ``args``: the extra ``tools/train.py`` / ``tools/test.py`` arguments that give this config.
    """
    sys.path.insert(0, osp.join(REPO, 'tools'))
    from _runner_utils import apply_common_args, load_config
    cfg = load_config(osp.join(REPO, path), cfg_options)
    apply_common_args(cfg, path, work_dir)
    init_cfg = cfg.model.get('backbone', {}).get('init_cfg') or {}
    args = ['--work-dir', work_dir] if work_dir else []
    if cfg_options:
        args += ['--cfg-options'] + [f'{key}={value}' for key, value in cfg_options.items()]
    return dict(work_dir=cfg.work_dir,
                last_ckpt=osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth'),
                pretrained=init_cfg.get('checkpoint'), args=args)


def step_facts(cls_config, det_config, seed=None):
    """Both steps' facts; with a seed, both train with it in work dirs of their own.

    Args:
        cls_config (str): classifier config.
        det_config (str): detector config.
        seed (int, optional): ``randomness.seed`` for both runs; their work dirs get a ``-seed<N>``
            suffix and the detector loads that classifier's last checkpoint.

    Returns:
        tuple[dict, dict]: :func:`config_facts` of the classifier and of the detector.
    """
    if seed is None:
        return config_facts(cls_config), config_facts(det_config)

    def work_dir(config):
        return osp.join('./work_dirs', f'{osp.splitext(osp.basename(config))[0]}-seed{seed}')

    cls = config_facts(cls_config, work_dir(cls_config), {'randomness.seed': seed})
    det = config_facts(det_config, work_dir(det_config),
                       {'randomness.seed': seed, 'model.backbone.init_cfg.checkpoint': cls['last_ckpt']})
    return cls, det


def run_step(name, cmd, log_path=None):
    """Run one step's command from the repository root, echoing it and its output.

    Args:
        name (str): step name (for messages).
        cmd (list[str]): the command.
        log_path (str, optional): also write the output here.

    Returns:
        tuple[str, float]: the combined output and the wall time in seconds.

    Raises:
        StepFailed: the command exited non-zero.
    """
    print(f'\n[demo: {name}] $ {shlex.join(cmd)}', flush=True)
    start = time.time()
    lines = []
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    proc.wait()
    elapsed = time.time() - start
    output = ''.join(lines)
    if log_path:
        os.makedirs(osp.dirname(log_path), exist_ok=True)
        with open(log_path, 'w', encoding='utf-8') as f:
            f.write(output)
    if proc.returncode != 0:
        raise StepFailed(f'step "{name}" failed (exit code {proc.returncode}) after {elapsed:.0f} s: '
                         f'{shlex.join(cmd)}')
    return output, elapsed


def train_step(name, config, facts, force, stale_reason=None):
    """Train unless the last checkpoint is there; resume an interrupted run.

    Returns:
        float: seconds spent (0 when reused).
    """
    py = sys.executable
    cmd = [py, 'tools/train.py', config]
    done = osp.isfile(osp.join(REPO, facts['last_ckpt']))
    if done and not force and stale_reason is None:
        print(f'\n[demo: {name}] reusing {facts["last_ckpt"]} (finished before; --force retrains)')
        return 0.0
    if done:
        why = '--force' if force else stale_reason
        print(f'\n[demo: {name}] retraining ({why}); checkpoints in {facts["work_dir"]} are overwritten')
    elif osp.isfile(osp.join(REPO, facts['work_dir'], 'last_checkpoint')):
        print(f'\n[demo: {name}] an interrupted run is in {facts["work_dir"]}: resuming it')
        cmd.append('--resume')
    return run_step(name, cmd + facts['args'])[1]


def parse_coco(output):
    """COCO metrics printed by ``tools/test.py`` (the last value of each key)."""
    found = dict(re.findall(r'coco/((?:bbox|segm)_mAP(?:_s|_m|_l|_50|_75)?): (-?[\d.]+)', output))
    return {k: float(v) for k, v in found.items()}


def last_accuracy(work_dir):
    """The last ``accuracy/top1`` a classifier run logged, or None."""
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    from plot_curves import find_scalar_files, read_scalars
    try:
        _, val = read_scalars(find_scalar_files(osp.join(REPO, work_dir)))
    except FileNotFoundError:
        return None
    values = [e['accuracy/top1'] for e in val if 'accuracy/top1' in e]
    return values[-1] if values else None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run the main demo: classifier pretraining -> '
                                     'Mask R-CNN fine-tuning -> COCO evaluation, with pictures')
    parser.add_argument('--cls-config', default=CLS_CONFIG, help=f'classifier config ({CLS_CONFIG})')
    parser.add_argument('--det-config', default=DET_CONFIG,
                        help=f'detector config; its backbone init_cfg must load the classifier\'s last '
                        f'checkpoint ({DET_CONFIG})')
    parser.add_argument('--force', action='store_true', help='retrain both models')
    parser.add_argument('--show-dir', default='demo_vis',
                        help='where tools/test.py draws predictions (inside its timestamped run dir)')
    parser.add_argument('--seed', type=int, default=None,
                        help='train both models with this randomness.seed instead of the configs\' one, '
                        'in work dirs of their own (work_dirs/<config name>-seed<N>)')
    args = parser.parse_args(argv)
    if args.seed is not None and args.seed < 0:
        parser.error(f'--seed must be >= 0, got {args.seed}')
    return args


def main(argv=None):
    args = parse_args(argv)
    py = sys.executable
    total_start = time.time()
    times = {}
    try:
        cls, det = step_facts(args.cls_config, args.det_config, args.seed)
        if osp.normpath(det['pretrained'] or '') != osp.normpath(cls['last_ckpt']):
            raise StepFailed(f'{args.det_config}: model.backbone.init_cfg.checkpoint is '
                             f'{det["pretrained"]!r}, expected the classifier\'s last checkpoint '
                             f'{cls["last_ckpt"]!r}')
        times['classifier'] = train_step('classifier', args.cls_config, cls, args.force)
        stale = None
        det_ckpt = osp.join(REPO, det['last_ckpt'])
        if osp.isfile(det_ckpt) and osp.getmtime(det_ckpt) < osp.getmtime(osp.join(REPO, cls['last_ckpt'])):
            stale = 'its classifier checkpoint is newer'
        times['detector'] = train_step('detector', args.det_config, det, args.force, stale)
        test_log = osp.join(det['work_dir'], 'demo_test.log')
        output, times['test'] = run_step(
            'test', [py, 'tools/test.py', args.det_config, det['last_ckpt'], '--show-dir', args.show_dir]
            + det['args'], log_path=osp.join(REPO, test_log))
        curves = {}
        for name, facts in (('classifier', cls), ('detector', det)):
            out = osp.join(facts['work_dir'], 'curves.png')
            run_step('curves', [py, 'tools/analysis_tools/plot_curves.py', facts['work_dir'],
                                '--out', out, '--title', f'demo {name}'])
            curves[name] = out
    except StepFailed as err:
        sys.exit(f'\n[demo] FAILED: {err}')

    metrics = parse_coco(output)
    missing = [k for k in COCO_KEYS if k not in metrics]
    accuracy = last_accuracy(cls['work_dir'])
    print('\n[demo] summary' + ('' if args.seed is None else f' (seed {args.seed})'))
    for step, seconds in times.items():
        print(f'  {step:<10} {seconds:6.0f} s' + ('  (reused)' if seconds == 0 else ''))
    print(f'  total      {time.time() - total_start:6.0f} s')
    if accuracy is not None:
        print(f'  classifier top-1 accuracy (val): {accuracy:.2f} %')
    for kind in ('bbox', 'segm'):
        values = [metrics.get(f'{kind}_mAP{s}') for s in ('', '_50', '_s', '_m', '_l')]
        print(f'  {kind} mAP {values[0]}  AP50 {values[1]}  AP_S/M/L {values[2]} / {values[3]} / '
              f'{values[4]}')
    print(f'  curves: {curves["classifier"]}, {curves["detector"]}')
    print(f'  predictions drawn into {det["work_dir"]}/<timestamp>/{args.show_dir}/')
    if missing:
        sys.exit(f'[demo] FAILED: step "test" printed no value for {missing}')


if __name__ == '__main__':
    main()

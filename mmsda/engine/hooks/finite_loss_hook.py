"""Stop (or skip the step) at the first non-finite loss, and never save non-finite weights."""
import logging
import math

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper

from mmsda.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Check every training loss before the optimizer uses it.

    A NaN/Inf loss, left alone, turns every weight into NaN at the optimizer step, and the run goes on
    saving NaN checkpoints (rotating the good ones away). MMEngine calls hooks only before and after a
    whole ``train_step``, too late to keep the step from happening, so at ``before_train`` this hook
    wraps two methods of the run's own objects: the model's ``parse_losses`` (which sums the loss
    terms: the total is checked there, and the non-finite terms are named) and the optim wrapper's
    ``update_params`` (which runs backward and the optimizer step).

    * ``action='raise'`` (default): the first non-finite loss raises ``FloatingPointError`` naming the
      iteration, the epoch and the non-finite loss terms, before backward: the weights stay finite
      and the run ends without saving.
    * ``action='skip'``: that iteration has no backward and no optimizer step (its gradient is
      dropped; with gradient accumulation the skipped batch does not count towards the window), a
      warning names the terms, and training goes on; more than ``max_consecutive_skips`` skipped
      iterations in a row raise.

    In distributed training the ranks agree (one all-reduced flag per iteration), so all of them
    raise or skip together. In both modes a checkpoint whose weights are not finite is refused
    (``FloatingPointError``) before anything is written or rotated away.

    Args:
        action (str): ``'raise'`` or ``'skip'``. Default: ``'raise'``.
        max_consecutive_skips (int): with ``'skip'``, how many iterations in a row may be skipped.
            Default: 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self, action='raise', max_consecutive_skips=10):
        if action not in ('raise', 'skip'):
            raise ValueError(f"FiniteLossHook: action must be 'raise' or 'skip', got {action!r}")
        if isinstance(max_consecutive_skips, bool) or not isinstance(max_consecutive_skips, int) \
                or max_consecutive_skips < 1:
            raise ValueError(f'FiniteLossHook: max_consecutive_skips must be an int >= 1, '
                             f'got {max_consecutive_skips!r}')
        self.action = action
        self.max_consecutive_skips = max_consecutive_skips
        self.skipped = 0  # iterations skipped in total
        self._consecutive = 0
        self._skip_step = False
        self._batch_idx = 0

    def before_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self.action == 'skip' and not isinstance(runner.optim_wrapper, OptimWrapper):
            raise TypeError('FiniteLossHook(action="skip") needs a single OptimWrapper, got '
                            f'{type(runner.optim_wrapper).__name__}')
        parse_losses = model.parse_losses
        if getattr(parse_losses, '_mmsda_checked', False):  # train() called again on this runner
            return

        def checked_parse_losses(losses):
            loss, log_vars = parse_losses(losses)
            self._check(runner, loss, log_vars)
            return loss, log_vars

        checked_parse_losses._mmsda_checked = True
        model.parse_losses = checked_parse_losses
        if isinstance(runner.optim_wrapper, OptimWrapper):
            update_params = runner.optim_wrapper.update_params

            def guarded_update_params(loss, *args, **kwargs):
                if self._skip_step:
                    self._skip_step = False
                    return None
                return update_params(loss, *args, **kwargs)

            runner.optim_wrapper.update_params = guarded_update_params

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._batch_idx = batch_idx
        self._skip_step = False

    def _check(self, runner, loss, log_vars):
        bad = torch.as_tensor(0. if bool(torch.isfinite(loss.detach()).all()) else 1., device=loss.device)
        if is_distributed():
            all_reduce(bad)  # every rank raises or skips together (one skipping alone would hang DDP)
        if not bad:
            self._consecutive = 0
            return
        message = self._describe(runner, loss, log_vars)
        if self.action == 'raise':
            raise FloatingPointError(message)
        self._skip_step = True
        self.skipped += 1
        self._consecutive += 1
        if self._consecutive > self.max_consecutive_skips:
            raise FloatingPointError(f'{message}; {self._consecutive} iterations in a row had a non-finite '
                                     f'loss (max_consecutive_skips={self.max_consecutive_skips})')
        runner.logger.log(logging.WARNING, f'{message}; skipping this step (no backward, no optimizer step)')

    def _describe(self, runner, loss, log_vars):
        where = f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch {self._batch_idx + 1})'
        if bool(torch.isfinite(loss.detach()).all()):
            return f'Non-finite loss at {where} on another rank'
        terms = {name: float(value.detach().float().mean()) for name, value in log_vars.items()
                 if name != 'loss' and 'loss' in name and isinstance(value, torch.Tensor)}
        bad = [f'{name}={value}' for name, value in terms.items() if not math.isfinite(value)]
        if not bad:  # a single loss (no terms), or finite terms that overflow when summed
            total = float(loss.detach().float().sum())
            bad = [f'loss={total}' + (f' (the sum of the finite terms {terms})' if terms else '')]
        return f'Non-finite loss at {where}: {", ".join(bad)}'

    def before_save_checkpoint(self, runner, checkpoint):
        bad = [name for name, value in checkpoint.get('state_dict', {}).items()
               if isinstance(value, torch.Tensor) and value.is_floating_point()
               and not bool(torch.isfinite(value).all())]
        if bad:
            shown = ', '.join(bad[:5]) + (f' and {len(bad) - 5} more' if len(bad) > 5 else '')
            raise FloatingPointError(
                f'Refusing to save a checkpoint at iteration {runner.iter}: {len(bad)} weight tensors are not '
                f'finite ({shown}); the existing checkpoints are kept')

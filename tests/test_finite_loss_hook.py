"""FiniteLossHook: a real training loop with a loss that turns NaN/Inf at a chosen iteration."""
import pytest
import torch
from mmengine.hooks import Hook

from _toy_runner import ToyModel, toy_runner
from mmsda.engine import FiniteLossHook, checkpoint_is_complete


class RecordWeights(Hook):
    """The model's weights after every iteration."""

    def __init__(self):
        self.after = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.after.append(runner.model.linear.weight.detach().clone())


@pytest.mark.parametrize('bad_value', [float('nan'), float('inf')])
def test_raise_stops_at_the_first_non_finite_loss_naming_iteration_and_term(tmp_path, bad_value):
    record = RecordWeights()
    runner = toy_runner(tmp_path, model=ToyModel(bad_at=[6], bad_value=bad_value),
                        custom_hooks=[FiniteLossHook(), record])
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert f'Non-finite loss at iteration 6 (epoch 2, batch 2): loss_b={bad_value}' == message
    assert 'loss_a' not in message  # only the non-finite terms are named
    assert len(record.after) == 5 and torch.isfinite(runner.model.linear.weight).all()
    assert torch.equal(runner.model.linear.weight, record.after[-1])  # no step with the bad loss
    assert checkpoint_is_complete(str(tmp_path / 'epoch_1.pth'))
    assert not (tmp_path / 'epoch_2.pth').exists()


def test_without_the_hook_the_same_loss_makes_the_weights_nan(tmp_path):
    # the premise: the NaN is injected for real and reaches the weights through the optimizer step
    runner = toy_runner(tmp_path, model=ToyModel(bad_at=[6]), max_epochs=2)
    runner.train()
    assert torch.isnan(runner.model.linear.weight).all()


def test_skip_drops_the_step_and_training_goes_on(tmp_path):
    record = RecordWeights()
    hook = FiniteLossHook(action='skip')
    runner = toy_runner(tmp_path, model=ToyModel(bad_at=[3, 6]), custom_hooks=[hook, record],
                        optimizer=dict(type='Adam', lr=0.01))
    runner.train()
    assert hook.skipped == 2 and len(record.after) == 8
    assert torch.equal(record.after[2], record.after[1]) and torch.equal(record.after[5], record.after[4])
    assert not torch.equal(record.after[3], record.after[2])  # the next step is a real one
    state = runner.optim_wrapper.optimizer.state[runner.model.linear.weight]
    assert int(state['step']) == 6, 'Adam took a step for every iteration except the two skipped ones'
    assert torch.isfinite(runner.model.linear.weight).all()
    assert checkpoint_is_complete(str(tmp_path / 'epoch_2.pth'))


def test_skip_gives_up_after_max_consecutive_skips(tmp_path):
    runner = toy_runner(tmp_path, model=ToyModel(bad_at=range(3, 9)),
                        custom_hooks=[FiniteLossHook(action='skip', max_consecutive_skips=2)])
    with pytest.raises(FloatingPointError, match=r'iteration 5 .*3 iterations in a row.*max_consecutive_skips=2'):
        runner.train()


class PoisonWeights(Hook):
    def after_train_epoch(self, runner):
        if runner.epoch == 1:
            with torch.no_grad():
                runner.model.linear.bias.fill_(float('nan'))


def test_a_checkpoint_with_non_finite_weights_is_refused_and_the_good_one_kept(tmp_path):
    runner = toy_runner(tmp_path, max_keep_ckpts=1, custom_hooks=[FiniteLossHook(), PoisonWeights()])
    with pytest.raises(FloatingPointError, match=r'Refusing to save a checkpoint .*1 weight tensors .*linear.bias'):
        runner.train()
    assert checkpoint_is_complete(str(tmp_path / 'epoch_1.pth'))
    assert not (tmp_path / 'epoch_2.pth').exists()


@pytest.mark.parametrize('kwargs,match', [
    (dict(action='ignore'), "action must be 'raise' or 'skip'"),
    (dict(action='skip', max_consecutive_skips=0), 'max_consecutive_skips must be an int >= 1'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FiniteLossHook(**kwargs)


def test_registered_in_the_mmsda_scope():
    from mmengine.registry import HOOKS
    assert isinstance(HOOKS.build(dict(type='mmsda.FiniteLossHook', action='skip')), FiniteLossHook)


class SingleLoss(ToyModel):
    def forward(self, inputs, labels=None, mode='tensor'):
        out = super().forward(inputs, labels, mode)
        return dict(loss=out['loss_a'] + out['loss_b']) if mode == 'loss' else out


def test_a_model_with_one_loss_names_it(tmp_path):
    runner = toy_runner(tmp_path, model=SingleLoss(bad_at=[2]), custom_hooks=[FiniteLossHook()])
    with pytest.raises(FloatingPointError, match=r'^Non-finite loss at iteration 2 \(epoch 1, batch 2\): loss=nan$'):
        runner.train()

"""The MAC counter used for every params/FLOPs table."""
import torch.nn as nn

from mmsda.utils import complexity, conv_linear_macs


def test_counts_conv_transposed_conv_and_linear_multiply_adds():
    import torch
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, groups=1), nn.ConvTranspose2d(8, 4, 2, stride=2),
                          nn.Flatten(), nn.Linear(4 * 8 * 8, 10))
    macs = conv_linear_macs(model, (torch.randn(1, 3, 4, 4),))
    conv = 8 * 4 * 4 * (3 * 9)           # outputs × (in/groups × k²)
    deconv = (8 * 4 * 4) * (4 * 2 * 2)   # inputs × (out/groups × k²)
    linear = 256 * 10
    assert macs == conv + deconv + linear


def test_trainable_params_leave_out_frozen_ones():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    for p in model[0].parameters():
        p.requires_grad = False
    r = complexity(model, (4,))
    assert r['params'] == 30 and r['trainable_params'] == 10

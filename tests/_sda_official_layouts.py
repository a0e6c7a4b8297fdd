"""Stand-ins for the official SDA-ResNet, SDA-Res2Net and SDA-PyConv classifiers (and the mmdet 2.x
SDA backbones): written here from the formulas, with the official parameter names (``conv1, bn1,
stage{k}.layers.{i}.*, stage{k}.fc.{0,1}, stage{k}.fcs.{i}, bn2, fc``), for the converter tests.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class OfficialStage(nn.Module):
    """An official SDA stage: blocks returning z_i, then the depth-attention fusion of all z_i."""

    def __init__(self, blocks, channels):
        super().__init__()
        self.layers = nn.Sequential(*blocks)
        d = max(int(channels / 16), 64)
        self.fc = nn.Sequential(nn.Conv2d(channels, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU())
        self.fcs = nn.ModuleList(nn.Conv2d(d, channels, 1) for _ in blocks)

    def forward(self, x):
        zs = []
        for block in self.layers:
            zs.append(block(x))
            x = F.relu(zs[-1])
        stack = torch.stack(zs, dim=1)
        v = self.fc(F.adaptive_avg_pool2d(stack.sum(1), 1))
        a = torch.stack([fc(v) for fc in self.fcs], dim=1).softmax(dim=1)
        return F.relu((stack * a).sum(1))


class OfficialBottle2neck(nn.Module):
    """Res2Net 26w×4s bottleneck; ``stype='stage'``: no hierarchical adds, last split avg-pooled."""

    def __init__(self, inplanes, planes, stride=1, downsample=None, stype='normal', width=26, scale=4):
        super().__init__()
        w = planes * width // 64
        self.w, self.stype = w, stype
        self.conv1 = nn.Conv2d(inplanes, w * scale, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w * scale)
        self.convs = nn.ModuleList(nn.Conv2d(w, w, 3, stride, 1, bias=False) for _ in range(scale - 1))
        self.bns = nn.ModuleList(nn.BatchNorm2d(w) for _ in range(scale - 1))
        self.conv3 = nn.Conv2d(w * scale, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.stride, self.downsample = stride, downsample

    def forward(self, x):
        spx = torch.split(F.relu(self.bn1(self.conv1(x))), self.w, 1)
        outs, sp = [], None
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            sp = spx[i] if i == 0 or self.stype == 'stage' else sp + spx[i]
            sp = F.relu(bn(conv(sp)))
            outs.append(sp)
        last = spx[-1] if self.stype == 'normal' else F.avg_pool2d(spx[-1], 3, self.stride, 1)
        out = self.bn3(self.conv3(torch.cat(outs + [last], 1)))
        return out + (x if self.downsample is None else self.downsample(x))


class OfficialBottleneck(nn.Module):
    """Bottleneck returning z. ``conv2`` is one 3×3 conv with ``groups[0]`` groups (SDA-ResNet: 8; the
    last PyConv level: 1) or, for more than one kernel, PyConv levels ``conv2_1..conv2_L``."""

    def __init__(self, inplanes, planes, stride=1, downsample=None, kernels=(3, ), groups=(1, ), splits=(1, )):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        if len(kernels) == 1:
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, groups=groups[0], bias=False)
        else:
            self.conv2 = nn.Module()
            for i, (k, g, s) in enumerate(zip(kernels, groups, splits)):
                setattr(self.conv2, f'conv2_{i + 1}',
                        nn.Conv2d(planes, planes * s // sum(splits), k, stride, k // 2, groups=g, bias=False))
            self.levels = len(kernels)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        if isinstance(self.conv2, nn.Conv2d):
            out = self.conv2(out)
        else:
            out = torch.cat([getattr(self.conv2, f'conv2_{i + 1}')(out) for i in range(self.levels)], 1)
        out = self.bn3(self.conv3(F.relu(self.bn2(out))))
        return out + (x if self.downsample is None else self.downsample(x))


PYCONV_LEVELS = (((3, 5, 7, 9), (1, 4, 8, 16), (1, 1, 1, 1)), ((3, 5, 7), (1, 4, 8), (1, 1, 2)),
                 ((3, 5), (1, 4), (1, 1)), ((3, ), (1, ), (1, )))


class OfficialSDANet(nn.Module):
    """``family='resnet'`` or ``'res2net'``: 7×7 stem + max-pool, conv shortcuts; ``'pyconv'``: no stem
    pool, every stage strided, max-pool → 1×1 → BN shortcuts. ``head=False``: the mmdet 2.x backbone."""

    def __init__(self, family, layers=(3, 4, 6, 3), num_classes=10, head=True):
        super().__init__()
        self.family = family
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for k, n in enumerate(layers):
            planes, c = 64 * 2**k, 256 * 2**k
            if family in ('resnet', 'res2net'):
                stride = 1 if k == 0 else 2
                down = nn.Sequential(nn.Conv2d(inplanes, c, 1, stride, bias=False), nn.BatchNorm2d(c))
                if family == 'resnet':
                    blocks = [OfficialBottleneck(inplanes, planes, stride, down, groups=(8, ))]
                    blocks += [OfficialBottleneck(c, planes, groups=(8, )) for _ in range(n - 1)]
                else:
                    blocks = [OfficialBottle2neck(inplanes, planes, stride, down, 'stage')]
                    blocks += [OfficialBottle2neck(c, planes) for _ in range(n - 1)]
            else:
                down = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.Conv2d(inplanes, c, 1, bias=False), nn.BatchNorm2d(c))
                kgs = PYCONV_LEVELS[k]
                blocks = [OfficialBottleneck(inplanes, planes, 2, down, *kgs)]
                blocks += [OfficialBottleneck(c, planes, 1, None, *kgs) for _ in range(n - 1)]
            setattr(self, f'stage{k + 1}', OfficialStage(blocks, c))
            inplanes = c
        if head:
            self.bn2 = nn.BatchNorm2d(2048)
            self.fc = nn.Linear(2048, num_classes)

    def features(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.family != 'pyconv':
            x = F.max_pool2d(x, 3, 2, 1)
        outs = []
        for k in range(4):
            x = getattr(self, f'stage{k + 1}')(x)
            outs.append(x)
        return outs

    def forward(self, x):
        return self.fc(self.bn2(F.adaptive_avg_pool2d(self.features(x)[-1], 1)).flatten(1))


OFFICIAL_CLASSES = (OfficialStage, OfficialBottleneck, OfficialBottle2neck, OfficialSDANet)

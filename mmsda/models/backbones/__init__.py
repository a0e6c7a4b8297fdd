from .attention_resnet import AttentionResNet
from .dcanet import DCAResNet
from .epsanet import EPSANet
from .light_attention_resnets import CBAMResNet, ECAResNet, GCResNet, SEResNet
from .preset import ResNetPreset
from .pyconv_resnet import PyConvResNet
from .res2net import Res2Net
from .sanet import SANet
from .sda_resnet import SDAResNet
from .sknet import SKNet
from .stage import ResStage, build_shortcut

__all__ = ['AttentionResNet', 'ResNetPreset', 'SDAResNet', 'ResStage', 'build_shortcut',
           'SEResNet', 'CBAMResNet', 'ECAResNet', 'GCResNet',
           'SKNet', 'SANet', 'DCAResNet', 'EPSANet', 'Res2Net', 'PyConvResNet']

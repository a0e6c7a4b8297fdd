from .attention_resnet import AttentionResNet
from .preset import ResNetPreset
from .sda_resnet import SDAResNet
from .stage import ResStage, build_shortcut

__all__ = ['AttentionResNet', 'ResNetPreset', 'SDAResNet', 'ResStage', 'build_shortcut']

from .dcanet import convert_dcanet_classifier
from .keys import strip_prefix
from .safe_load import PickledObject, extract_state_dict, load_untrusted
from .sanet import convert_sanet_backbone, convert_sanet_classifier
from .sda_pyconv import convert_sda_pyconv_classifier
from .sda_res2net import convert_sda_res2net_classifier, convert_sda_res2net_detector
from .sda_senet import convert_sda_senet_classifier, convert_sda_senet_detector
from .sda_xnet import convert_sda_backbone, convert_sda_classifier, convert_sda_detector

__all__ = ['PickledObject', 'extract_state_dict', 'load_untrusted', 'strip_prefix', 'convert_sda_backbone',
           'convert_sda_classifier', 'convert_sda_detector', 'convert_sda_senet_classifier',
           'convert_sda_senet_detector', 'convert_sanet_backbone', 'convert_sanet_classifier',
           'convert_dcanet_classifier', 'convert_sda_res2net_classifier', 'convert_sda_res2net_detector',
           'convert_sda_pyconv_classifier']

"""``type='mmsda.X'`` builds from mmdet and mmpretrain scopes, with and without custom_imports."""
import subprocess
import sys
import textwrap

import pytest

BUILD_SNIPPET = textwrap.dedent('''
    import sys
    from mmengine.registry import init_default_scope
    scope, custom = sys.argv[1], sys.argv[2] == "1"
    if custom:
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(["mmsda"])
    assert custom or "mmsda" not in sys.modules, "mmsda must not be imported before the lookup"
    init_default_scope(scope)
    registry = __import__(scope + ".registry", fromlist=["MODELS"]).MODELS
    backbone = registry.build(dict(type="mmsda.SDAResNet", depth=26, out_indices=(0, 3)))
    print(type(backbone).__module__, type(backbone).__name__)
''')


@pytest.mark.parametrize('scope', ['mmdet', 'mmpretrain'])
@pytest.mark.parametrize('custom_imports', [True, False])
def test_backbone_builds_from_scope(scope, custom_imports):
    # A fresh interpreter, so "without custom_imports" really starts with mmsda not imported.
    result = subprocess.run([sys.executable, '-c', BUILD_SNIPPET, scope, str(int(custom_imports))],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'mmsda.models.backbones.sda_resnet SDAResNet' in result.stdout


def test_mmsda_blocks_win_over_mmdet_names_inside_mmdet_scope():
    # mmdet also registers a "Bottleneck"; inside an mmdet config our backbone must build ours.
    from mmengine.registry import DefaultScope
    from mmdet.registry import MODELS
    from mmsda.models.blocks import Bottleneck
    with DefaultScope.overwrite_default_scope('mmdet'):
        backbone = MODELS.build(dict(type='mmsda.SDAResNet', depth=26))
    assert isinstance(backbone.layer1[0], Bottleneck)


def test_attention_from_mmcv_resolves_through_the_root_registry():
    from mmcv.cnn import ContextBlock
    from mmsda.models.builder import build_module
    block = build_module(dict(type='ContextBlock', ratio=1. / 16), in_channels=64)
    assert isinstance(block, ContextBlock)


def test_build_module_rejects_configs_without_type():
    from mmsda.models.builder import build_module
    with pytest.raises(TypeError, match='"type"'):
        build_module(dict(depth=3))

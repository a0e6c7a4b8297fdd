"""File writers whose output is byte-identical for equal inputs."""
import json
import zlib

from PIL import Image


def _write_json(path, obj):
    """Write ``obj`` as compact, key-ordered JSON (byte-identical for equal objects)."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(json.dumps(obj, separators=(',', ':'), sort_keys=True))  # dumps uses the C encoder


def _save_png(image, path):
    """Save a ``uint8`` RGB image (or a one-channel label map) as PNG; zlib's RLE strategy packs the
    noisy pixels fastest."""
    Image.fromarray(image).save(path, compress_type=zlib.Z_RLE)

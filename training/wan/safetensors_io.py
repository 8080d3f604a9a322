"""Minimal safetensors reader/writer for torch tensors (no dependency on the safetensors package,
which is absent on the CPU development machine). Format: 8-byte little-endian header length, a
JSON header {name: {dtype, shape, data_offsets}} plus optional __metadata__, then raw data."""
import json
import struct

import torch

_DTYPES = {
    'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
    'BOOL': torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def _header(path):
    with open(path, 'rb') as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f'{path}: not a safetensors file (shorter than 8 bytes)')
        (n,) = struct.unpack('<Q', raw)
        head = f.read(n)
        if len(head) != n:
            raise ValueError(f'{path}: truncated header')
    return json.loads(head), 8 + n


def read_metadata(path):
    head, _ = _header(path)
    return head.get('__metadata__', {}) or {}


def load(path, device='cpu'):
    """Returns {name: tensor} with each tensor's stored dtype."""
    head, start = _header(path)
    with open(path, 'rb') as f:
        f.seek(start)
        data = f.read()
    out = {}
    for name, e in head.items():
        if name == '__metadata__':
            continue
        dt = _DTYPES.get(e['dtype'])
        if dt is None:
            raise ValueError(f'{path}: tensor {name} has unsupported dtype {e["dtype"]}')
        b, end = e['data_offsets']
        if end > len(data) or b > end:
            raise ValueError(f'{path}: tensor {name} lies outside the file (truncated?)')
        buf = bytearray(data[b:end])
        t = torch.frombuffer(buf, dtype=dt) if buf else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e['shape']).to(device)
    return out


def save(tensors, path, metadata=None):
    """Writes {name: tensor} sorted by name, tensors as they are (contiguous, little-endian)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to('cpu').contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f'tensor {name}: unsupported dtype {t.dtype}')
        # bytes through a same-size integer view: numpy has no bfloat16
        view = {2: torch.int16, 4: torch.int32, 8: torch.int64, 1: torch.uint8}[t.element_size()]
        raw = t.view(view).numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes()
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(',', ':')).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)  # keep the data region 8-byte aligned
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)

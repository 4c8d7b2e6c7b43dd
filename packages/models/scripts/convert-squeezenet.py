#!/usr/bin/env python3
"""Convert a torchvision SqueezeNet 1.1 state dict to netlens weights (model.json + weights.bin).

Conv kernels are transposed from torch's OIHW to tfjs' HWIO; names keep torchvision's state-dict
keys (`features.0.weight`, `features.3.squeeze.bias`, `classifier.1.weight`, ...), so a checkpoint
and its conversion can be compared tensor by tensor.

Usage:
  python3 convert-squeezenet.py squeezenet1_1-b8a52dc0.pth --out DIR
  python3 convert-squeezenet.py --random-seed 0 --out DIR --dump-reference DIR [--size 224] [--batch 2]

`--random-seed N` builds torchvision's seeded random initialisation, with every conv bias drawn
from U(-0.05, 0.05) so the bias path is tested (torchvision initialises biases to zero).
`--dump-reference DIR` writes a seeded input batch in [0, 1] (`input.bin`, float32 NHWC), torch's
logits for it after ImageNet normalisation inside torch (`logits.bin`, float32 [N, 1000]) and
`meta.json` describing both.
"""

import argparse
import json
import os
import sys

import torch
import torchvision

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def build_model(args):
    if args.random_seed is not None:
        torch.manual_seed(args.random_seed)
        model = torchvision.models.squeezenet1_1(weights=None)
        generator = torch.Generator().manual_seed(args.random_seed + 1)
        with torch.no_grad():
            for name, tensor in model.state_dict().items():
                if name.endswith('.bias'):
                    tensor.copy_(torch.rand(tensor.shape, generator=generator) * 0.1 - 0.05)
    else:
        model = torchvision.models.squeezenet1_1(weights=None)
        state = torch.load(args.checkpoint, map_location='cpu')
        if isinstance(state, dict) and 'state_dict' in state:
            state = state['state_dict']
        model.load_state_dict(state)
    return model.eval()


def write_weights(model, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    specs = []
    with open(os.path.join(out_dir, 'weights.bin'), 'wb') as handle:
        for name, tensor in model.state_dict().items():
            value = tensor.detach().to(torch.float32)
            if value.dim() == 4:
                value = value.permute(2, 3, 1, 0)  # OIHW -> HWIO
            value = value.contiguous()
            # numpy() of a contiguous float32 tensor is native-endian; force little-endian.
            handle.write(value.numpy().astype('<f4').tobytes())
            specs.append({'name': name, 'shape': list(value.shape), 'dtype': 'float32'})
    manifest = {
        'format': 'netlens-weights',
        'generatedBy': f'convert-squeezenet.py (torch {torch.__version__}, torchvision {torchvision.__version__})',
        'weightsManifest': [{'paths': ['weights.bin'], 'weights': specs}],
    }
    with open(os.path.join(out_dir, 'model.json'), 'w') as handle:
        json.dump(manifest, handle, indent=1)


def dump_reference(model, out_dir, size, batch, seed):
    os.makedirs(out_dir, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    pixels = (torch.randn((batch, size, size, 3), generator=generator) * 0.5 + 0.5).clamp(0, 1)
    nchw = pixels.permute(0, 3, 1, 2).contiguous()
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = model((nchw - mean) / std)
    with open(os.path.join(out_dir, 'input.bin'), 'wb') as handle:
        handle.write(pixels.numpy().astype('<f4').tobytes())
    with open(os.path.join(out_dir, 'logits.bin'), 'wb') as handle:
        handle.write(logits.numpy().astype('<f4').tobytes())
    meta = {
        'inputShape': [batch, size, size, 3],
        'logitsShape': list(logits.shape),
        'inputSeed': seed,
        'maxAbsLogit': float(logits.abs().max()),
        'argmax': logits.argmax(dim=1).tolist(),
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
    }
    with open(os.path.join(out_dir, 'meta.json'), 'w') as handle:
        json.dump(meta, handle, indent=1)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkpoint', nargs='?', help='torchvision squeezenet1_1 state dict (.pth)')
    parser.add_argument('--random-seed', type=int, help='use seeded random weights instead of a checkpoint')
    parser.add_argument('--out', help='directory for model.json + weights.bin')
    parser.add_argument('--dump-reference', metavar='DIR', help='directory for input.bin, logits.bin, meta.json')
    parser.add_argument('--size', type=int, default=224, help='reference image height and width (default 224)')
    parser.add_argument('--batch', type=int, default=2, help='reference batch size (default 2)')
    parser.add_argument('--input-seed', type=int, default=1234, help='seed of the reference input batch')
    args = parser.parse_args(argv)
    if (args.checkpoint is None) == (args.random_seed is None):
        parser.error('give exactly one of a checkpoint path or --random-seed')
    if args.out is None and args.dump_reference is None:
        parser.error('nothing to do: give --out and/or --dump-reference')
    model = build_model(args)
    if args.out is not None:
        write_weights(model, args.out)
    if args.dump_reference is not None:
        dump_reference(model, args.dump_reference, args.size, args.batch, args.input_seed)


if __name__ == '__main__':
    main(sys.argv[1:])

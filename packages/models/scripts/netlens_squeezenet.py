"""Reads what convert-squeezenet.py writes back into PyTorch, for the parity scripts of the algorithm
packages (saliency, adversarial): netlens-format SqueezeNet 1.1 weights (model.json + weights.bin,
HWIO kernels) into torchvision's squeezenet1_1, and the reference batch (input.bin, NHWC pixels in
[0, 1], shaped by meta.json). `logits_of` applies ImageNet normalisation on the pixels, as netlens does.

    sys.path.insert(0, '<repo>/packages/models/scripts'); from netlens_squeezenet import …
"""
import json
import os

import numpy
import torch
import torchvision

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def load_squeezenet(weights_dir):
    """torchvision's squeezenet1_1 in eval mode with netlens-format weights, parameters frozen."""
    with open(os.path.join(weights_dir, 'model.json')) as handle:
        manifest = json.load(handle)
    raw = numpy.fromfile(os.path.join(weights_dir, 'weights.bin'), dtype='<f4')
    state, offset = {}, 0
    for spec in manifest['weightsManifest'][0]['weights']:
        size = int(numpy.prod(spec['shape']))
        value = torch.from_numpy(raw[offset:offset + size].reshape(spec['shape']).copy())
        offset += size
        state[spec['name']] = value.permute(3, 2, 0, 1).contiguous() if value.dim() == 4 else value
    model = torchvision.models.squeezenet1_1(weights=None).eval()
    model.load_state_dict(state)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def read_pixels(reference_dir):
    """The reference batch, NHWC float32 pixels in [0, 1]."""
    with open(os.path.join(reference_dir, 'meta.json')) as handle:
        shape = json.load(handle)['inputShape']
    return torch.from_numpy(numpy.fromfile(os.path.join(reference_dir, 'input.bin'), dtype='<f4').reshape(shape))


def logits_of(model, nhwc):
    """The model's logits for NHWC pixels, normalised inside as netlens' 'imagenet' preprocessing does."""
    return model((nhwc.permute(0, 3, 1, 2) - IMAGENET_MEAN) / IMAGENET_STD)


def smallest_margins(model, nhwc):
    """How close the forward pass at each image comes to a kink, relative to the layer's largest
    value: the smallest nonzero |input| of any nn.ReLU, and the smallest nonzero gap between the two
    largest values of any max-pool window (torch ceil_mode). Below about 1e-7 (one float32 ulp of
    the layer's largest value) the rounding of each implementation picks the side of the kink, and
    the gradient changes over a whole receptive field (a fooling path with a 2e-8 pool gap moved
    wasm's step by 1.4 % against PyTorch's). Exact ties
    (dead ReLUs, all-zero pool windows) are left out: every implementation resolves those alike.
    Returns one (relu, pool) pair per image."""
    inputs = []
    handles = [module.register_forward_hook(lambda _m, args, _o, kind=kind: inputs.append((kind, args[0].detach())))
               for kind, cls in (('relu', torch.nn.ReLU), ('pool', torch.nn.MaxPool2d))
               for module in model.modules() if isinstance(module, cls)]
    try:
        with torch.no_grad():
            logits_of(model, nhwc)
    finally:
        for handle in handles:
            handle.remove()
    margins = torch.full((len(nhwc), 2), float('inf'), dtype=torch.float64)
    for kind, value in inputs:
        scale = value.flatten(1).abs().amax(dim=1).double()
        if kind == 'relu':
            gaps = value.abs()
        else:
            padded = torch.nn.functional.pad(value, (0, 2, 0, 2), value=float('-inf'))
            windows = padded.unfold(2, 3, 2).unfold(3, 3, 2).flatten(-2)
            rows, columns = (torch.nn.functional.max_pool2d(value, 3, 2, ceil_mode=True).shape[2:])
            top = windows[:, :, :rows, :columns].topk(2, dim=-1).values
            gaps = top[..., 0] - top[..., 1]
        gaps = torch.where(gaps > 0, gaps, torch.full_like(gaps, float('inf'))).flatten(1).amin(dim=1).double()
        column = 0 if kind == 'relu' else 1
        margins[:, column] = torch.minimum(margins[:, column], gaps / scale)
    return margins.tolist()

"""PyTorch reference maps for the saliency parity test: loads netlens-format SqueezeNet 1.1 weights
(model.json + weights.bin, HWIO kernels) back into torchvision's squeezenet1_1, reads the reference
input batch (input.bin, NHWC pixels in [0, 1]) and writes, for the predicted classes:
vanilla.bin (|∂s/∂x| max over channels), gxi.bin (∂s/∂x ⊙ x, NHWC), ig.bin (Integrated Gradients,
black baseline, 8-point Gauss-Legendre, NHWC) and gradcam.bin (Grad-CAM on fire9, before
upsampling, N×h×w). ImageNet normalisation is applied inside, on the pixels, as netlens does.

For occlusion, guided backpropagation, deconvnet and Guided Grad-CAM it also writes each map
computed twice, in float32 (`<name>.bin`) and in float64 (`<name>-64.bin`, rounded to float32 on
write), and in `floors.json` how far float32 PyTorch lands from float64 (max |t32 − t64| / max |t64|):
the tests hold netlens to a multiple of that floor. The ReLU rules are backward hooks on every
`nn.ReLU` of torchvision's model, written from the papers: guided dx = dy·[x > 0]·[dy > 0]
(Springenberg et al. 2015), deconvnet dx = relu(dy) (Zeiler and Fergus 2014). Under `ties`,
`floors.json` counts the max-pool windows whose maximum is shared (all of them windows of dead
ReLUs, at 0): deconvnet's backward signal ignores the ReLU's input, so the position a pool routes
it to shows in the map; torch routes it to the first maximum in row-major order.

    /usr/bin/python3 torch-reference.py WEIGHTS_DIR REFERENCE_DIR
"""
import json
import os
import sys

import numpy
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models', 'scripts'))
from netlens_squeezenet import load_squeezenet, logits_of as squeezenet_logits, read_pixels  # noqa: E402

weights_dir, reference_dir = sys.argv[1], sys.argv[2]
model = load_squeezenet(weights_dir)
pixels = read_pixels(reference_dir)


def logits_of(nhwc):
    return squeezenet_logits(model, nhwc)


targets = logits_of(pixels).argmax(dim=1)


def gradient(nhwc):
    x = nhwc.clone().requires_grad_(True)
    logits_of(x).gather(1, targets.view(-1, 1)).sum().backward()
    return x.grad


grad = gradient(pixels)
nodes, weights = numpy.polynomial.legendre.leggauss(8)
alphas, weights = (nodes + 1) / 2, weights / 2
total = torch.zeros_like(pixels)
for alpha, weight in zip(alphas, weights):
    total += float(weight) * gradient(pixels * float(alpha))
integrated = pixels * total

activations = {}


def capture(_module, _inputs, output):
    # Weights and pixels need no gradient here, so the activation becomes the leaf to differentiate.
    leaf = output.detach().requires_grad_(True)
    activations['fire9'] = leaf
    return leaf


handle = model.features[12].register_forward_hook(capture)
fire9_logits = logits_of(pixels)
handle.remove()
fire9 = activations['fire9']
fire9_grad = torch.autograd.grad(fire9_logits.gather(1, targets.view(-1, 1)).sum(), fire9)[0]
cam = torch.relu((fire9_grad.mean(dim=(2, 3), keepdim=True) * fire9).sum(dim=1))

outputs = {
    'vanilla.bin': grad.abs().amax(dim=3),
    'gxi.bin': grad * pixels,
    'ig.bin': integrated,
    'gradcam.bin': cam,
}
for name, value in outputs.items():
    with open(os.path.join(reference_dir, name), 'wb') as out:
        out.write(value.detach().numpy().astype('<f4').tobytes())
with open(os.path.join(reference_dir, 'targets.json'), 'w') as out:
    json.dump({'targets': targets.tolist(), 'camShape': list(cam.shape)}, out)


# --- Occlusion and the ReLU-rule maps, each in float32 and float64 ---------------------------------
import copy  # noqa: E402

import torch.nn.functional as F  # noqa: E402

OCCLUSION_WINDOW, OCCLUSION_STRIDE, OCCLUSION_BASELINE = (22, 16), (22, 12), 0.5


def window_starts(length, size, stride):
    """Patch positions along one axis: every stride, plus one flush with the far edge if skipped."""
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] + size < length:
        starts.append(length - size)
    return starts


def occlusion_map(net, nhwc):
    """Zeiler–Fergus / Captum occlusion: each pixel's mean score drop over the patches covering it."""
    batch, height, width, _ = nhwc.shape
    rows = window_starts(height, OCCLUSION_WINDOW[0], OCCLUSION_STRIDE[0])
    columns = window_starts(width, OCCLUSION_WINDOW[1], OCCLUSION_STRIDE[1])
    totals = torch.zeros(batch, height, width, dtype=torch.float64)
    counts = torch.zeros(height, width, dtype=torch.float64)
    with torch.no_grad():
        base = squeezenet_logits(net, nhwc).gather(1, targets.view(-1, 1)).view(-1)
        for image in range(batch):
            copies, patches = [], []
            for top in rows:
                for left in columns:
                    occluded = nhwc[image].clone()
                    occluded[top:top + OCCLUSION_WINDOW[0], left:left + OCCLUSION_WINDOW[1], :] = OCCLUSION_BASELINE
                    copies.append(occluded)
                    patches.append((top, left))
            scores = squeezenet_logits(net, torch.stack(copies))[:, targets[image]]
            for (top, left), score in zip(patches, scores):
                window = (slice(top, top + OCCLUSION_WINDOW[0]), slice(left, left + OCCLUSION_WINDOW[1]))
                totals[image][window] += float(base[image] - score)
                if image == 0:
                    counts[window] += 1
    return (totals / counts).unsqueeze(-1)


def relu_rule_gradient(net, nhwc, rule):
    """The input gradient of the target logits with every nn.ReLU backpropagating by `rule`."""
    def hook(_module, grad_input, grad_output):
        if rule == 'guided':
            # grad_input is ReLU's own dy·[x > 0]; keeping its positive part adds [dy > 0].
            return (grad_input[0].clamp(min=0),)
        return (grad_output[0].clamp(min=0),)

    handles = []
    for module in net.modules():
        if isinstance(module, torch.nn.ReLU):
            module.inplace = False  # backward hooks need the ReLU's own output tensor
            handles.append(module.register_full_backward_hook(hook))
    try:
        x = nhwc.clone().requires_grad_(True)
        squeezenet_logits(net, x).gather(1, targets.view(-1, 1)).sum().backward()
        return x.grad
    finally:
        for handle in handles:
            handle.remove()


def grad_cam_fire9(net, nhwc):
    """Grad-CAM on fire9 (features[12]): relu(Σ_k mean(∂s/∂A_k)·A_k), [N, h, w]."""
    captured = {}

    def capture(_module, _inputs, output):
        leaf = output.detach().requires_grad_(True)
        captured['fire9'] = leaf
        return leaf

    handle = net.features[12].register_forward_hook(capture)
    scores = squeezenet_logits(net, nhwc)
    handle.remove()
    activation = captured['fire9']
    gradient = torch.autograd.grad(scores.gather(1, targets.view(-1, 1)).sum(), activation)[0]
    return torch.relu((gradient.mean(dim=(2, 3), keepdim=True) * activation).sum(dim=1))


def rule_maps(net, nhwc):
    guided = relu_rule_gradient(net, nhwc, 'guided')
    deconv = relu_rule_gradient(net, nhwc, 'deconvnet')
    cam = grad_cam_fire9(net, nhwc)
    # The Grad-CAM map brought to the input by bilinear interpolation with half-pixel centres
    # (align_corners=False), neither normalised nor clipped, times the guided map on every channel.
    upsampled = F.interpolate(cam.unsqueeze(1), size=nhwc.shape[1:3], mode='bilinear', align_corners=False)
    return {
        'occlusion': occlusion_map(net, nhwc),
        'guided': guided,
        'deconvnet': deconv,
        'guided-gradcam': guided * upsampled.permute(0, 2, 3, 1),
    }


model64 = copy.deepcopy(model).double()
maps32 = rule_maps(model, pixels)
maps64 = rule_maps(model64, pixels.double())
floors = {}
for name in maps32:
    exact = maps64[name]
    floors[name] = float((maps32[name].double() - exact).abs().max() / exact.abs().max())
    for suffix, value in (('', maps32[name]), ('-64', exact)):
        with open(os.path.join(reference_dir, f'{name}{suffix}.bin'), 'wb') as out:
            out.write(value.detach().numpy().astype('<f4').tobytes())


def pool_ties(net, nhwc):
    """Max-pool windows (torch ceil_mode) whose maximum is held by more than one position."""
    inputs, counts = {}, {}
    hooks = [net.features[index].register_forward_hook(
        lambda _m, args, _o, index=index: inputs.__setitem__(index, args[0].detach())) for index in (2, 5, 8)]
    with torch.no_grad():
        squeezenet_logits(net, nhwc)
    for hook in hooks:
        hook.remove()
    for index, value in inputs.items():
        pooled = F.max_pool2d(value, 3, 2, ceil_mode=True)
        padded = F.pad(value, (0, 2, 0, 2), value=float('-inf'))
        windows = padded.unfold(2, 3, 2).unfold(3, 3, 2)[:, :, :pooled.shape[2], :pooled.shape[3]]
        shared = (windows == pooled.unsqueeze(-1).unsqueeze(-1)).flatten(-2).sum(-1) > 1
        counts[f'features.{index}'] = {'tied': int(shared.sum()), 'windows': shared.numel(),
                                       'tiedAtZero': int((shared & (pooled == 0)).sum())}
    return counts


with open(os.path.join(reference_dir, 'floors.json'), 'w') as out:
    json.dump({'floors': floors, 'ties': pool_ties(model, pixels)}, out, indent=1)

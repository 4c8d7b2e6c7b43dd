"""PyTorch reference steps for the adversarial parity test: loads netlens-format SqueezeNet 1.1
weights (model.json + weights.bin, HWIO kernels) back into torchvision's squeezenet1_1, reads the
reference batch (input.bin, NHWC pixels in [0, 1]) and writes, for the clean predicted labels, written
the way torchattacks writes them (cross-entropy on the logits, pixels clamped to [0, 1]):
fgsm.bin (FGSM, eps 8/255), pgd-linf.bin (one PGD step from the clean images, step 2/255, eps 8/255),
pgd-l2.bin (one L2 PGD step from the clean images, step 1, eps 0.5: the projection is active) and
grad.bin (the cross-entropy gradient, to tell near-zero gradient entries whose sign is a coin toss).
ImageNet normalisation is applied inside, on the pixels, as netlens does.

It also runs CS231n's `make_fooling_image` for FOOLING_STEPS iterations towards the 5th and the
2nd most likely class of the two images, in float32 and float64: `fooling.json` holds the targets,
iterations and success, `fooling-delta.bin` / `fooling-delta-64.bin` the change of the pixels
(float32 / float64 run), and the float32 floor `max |Δ32 − Δ64| / max |Δ64|`.

    /usr/bin/python3 torch-reference.py WEIGHTS_DIR REFERENCE_DIR
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models', 'scripts'))
from netlens_squeezenet import load_squeezenet, logits_of as squeezenet_logits, read_pixels, smallest_margins  # noqa: E402

weights_dir, reference_dir = sys.argv[1], sys.argv[2]
model = load_squeezenet(weights_dir)
pixels = read_pixels(reference_dir)


def logits_of(nhwc):
    return squeezenet_logits(model, nhwc)


labels = logits_of(pixels).argmax(dim=1)


def loss_gradient(nhwc):
    x = nhwc.clone().requires_grad_(True)
    loss = F.cross_entropy(logits_of(x), labels)
    return torch.autograd.grad(loss, x)[0]


grad = loss_gradient(pixels)
fgsm = (pixels + 8 / 255 * grad.sign()).clamp(0, 1)

# torchattacks PGD (random_start=False), one step.
adv = pixels + 2 / 255 * grad.sign()
delta = torch.clamp(adv - pixels, min=-8 / 255, max=8 / 255)
pgd_linf = torch.clamp(pixels + delta, 0, 1)

# torchattacks PGDL2 (random_start=False), one step.
norms = grad.flatten(1).norm(p=2, dim=1).view(-1, 1, 1, 1) + 1e-10
adv = pixels + 1.0 * grad / norms
delta = adv - pixels
factor = torch.clamp(0.5 / delta.flatten(1).norm(p=2, dim=1), max=1.0).view(-1, 1, 1, 1)
pgd_l2 = torch.clamp(pixels + delta * factor, 0, 1)

outputs = {'fgsm.bin': fgsm, 'pgd-linf.bin': pgd_linf, 'pgd-l2.bin': pgd_l2, 'grad.bin': grad}
for name, value in outputs.items():
    with open(os.path.join(reference_dir, name), 'wb') as out:
        out.write(value.detach().numpy().astype('<f4').tobytes())
with open(os.path.join(reference_dir, 'labels.json'), 'w') as out:
    json.dump({'labels': labels.tolist()}, out)


# --- CS231n's fooling image, a few iterations, in float32 and float64 -------------------------------
import copy  # noqa: E402

FOOLING_STEPS, FOOLING_LEARNING_RATE = 2, 1.0
# SqueezeNet's logits are means of ReLU maps, so the least likely classes often score exactly 0 with a
# zero gradient: aim instead at the 5th most likely class of image 0 (not reached within 2 steps) and
# the 2nd of image 1 (reached after 1 step, then left unchanged). Their paths stay clear of float32
# kinks (see smallest_margins); the 2nd class of image 0, for one, passes a max-pool window whose two
# largest values differ by 2e-8 of the layer's range, where wasm and PyTorch float32 take different
# sides.
with torch.no_grad():
    ranked = logits_of(pixels).argsort(dim=1, descending=True)
fooling_targets = torch.stack([ranked[0, 4], ranked[1, 1]])


def make_fooling_image(net, start):
    """CS231n's loop per image (stop once the model predicts the target; step lr·g/‖g‖₂ on the raw
    target score), with netlens' clamp of the pixels to [0, 1] after each step."""
    images = start.clone()
    iterations = [FOOLING_STEPS] * len(images)
    margins, kinks = [], []
    for image in range(len(images)):
        x = images[image:image + 1].clone()
        for step in range(FOOLING_STEPS + 1):
            kinks.append(min(smallest_margins(net, x)[0]))
            x.requires_grad_(True)
            scores = squeezenet_logits(net, x)
            others = scores.detach().clone()
            others[0, fooling_targets[image]] = float('-inf')
            margins.append(float(scores[0, fooling_targets[image]] - others.max()))
            if int(scores.argmax(dim=1)) == int(fooling_targets[image]):
                iterations[image] = step
                break
            if step == FOOLING_STEPS:
                break
            gradient = torch.autograd.grad(scores[0, fooling_targets[image]], x)[0]
            # netlens (like torchattacks) adds 1e-10 to the norm so a zero gradient stays finite.
            x = (x.detach() + FOOLING_LEARNING_RATE * gradient / (gradient.norm() + 1e-10)).clamp(0, 1)
        images[image] = x.detach()[0]
    return images, iterations, margins, min(kinks)


fooled32, iterations32, margins, _ = make_fooling_image(model, pixels)
fooled64, iterations64, _, kink = make_fooling_image(copy.deepcopy(model).double(), pixels.double())
assert iterations32 == iterations64, (iterations32, iterations64)
# Below about 1e-7 of a layer's range (one float32 ulp) the implementations' rounding picks the side.
assert kink > 1e-7, f'the fooling path passes within {kink:.1e} of a kink: pick other targets'
delta32, delta64 = fooled32 - pixels, fooled64 - pixels.double()
for name, value in (('fooling-delta.bin', delta32), ('fooling-delta-64.bin', delta64)):
    with open(os.path.join(reference_dir, name), 'wb') as out:
        out.write(value.numpy().astype('<f4').tobytes())
with torch.no_grad():
    success = (logits_of(fooled32).argmax(dim=1) == fooling_targets).tolist()
with open(os.path.join(reference_dir, 'fooling.json'), 'w') as out:
    json.dump({
        'targets': fooling_targets.tolist(),
        'iterations': iterations32,
        'success': success,
        'learningRate': FOOLING_LEARNING_RATE,
        'maxIterations': FOOLING_STEPS,
        # The target's logit minus the best other one at every prediction: none is near a tie.
        'smallestMargin': min(abs(margin) for margin in margins),
        # The nearest the path comes to a ReLU or max-pool kink, relative to the layer (float64 run).
        'smallestKinkMargin': kink,
        'floor': float((delta32.double() - delta64).abs().max() / delta64.abs().max()),
    }, out)

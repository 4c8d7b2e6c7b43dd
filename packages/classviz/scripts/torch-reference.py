"""PyTorch reference runs for the classviz parity test: loads netlens-format SqueezeNet 1.1 weights
(model.json + weights.bin, HWIO kernels) back into torchvision's squeezenet1_1 and runs, in float32
and in float64, written here from their sources rather than from netlens:

- CS231n's `create_class_visualization` (assignment 3, "Network Visualization"): from seeded noise,
  each step rolls the image by a random (ox, oy) (`jitter`, i.e. `torch.roll`), takes the step
  `lr · g / ‖g‖` on `s_y − l2_reg · ‖x − center‖²`, rolls back, clamps to the valid pixels and, every
  `blur_every` steps from step 0, blurs with scipy's `gaussian_filter1d` along both spatial axes
  (written out here: radius ⌊4σ + 0.5⌋, `reflect` edges). CS231n works in ImageNet-normalised units
  on one image; netlens in pixels in [0, 1], one normalised step per image: the clamp is to [0, 1],
  and `l2Center` is the ImageNet mean so the penalty is CS231n's with the weight divided by std².
- Feature visualization (Lucid's `render_vis`): Lucid's `fft_image` (`irfft2d` of a spectrum scaled
  by 1/max(f, 1/max(H, W))^decay · sqrt(H·W), divided by 4), `_linear_decorelate_color` and a
  sigmoid; a constant pad then a random crop (netlens shows the model the centre of the canvas at the
  input size); a channel mean of fire6 for one image and a logit for the other, minus an L2 penalty
  on the image; textbook Adam (Kingma and Ba) on the ascent.

Seeds are matched by running netlens' generator (mulberry32, with its `integer` and Box–Muller
`normal`), so the initial noise, spectrum and every jitter offset are the ones netlens draws.
`classviz.json` holds the options, the objective histories (float64 run) and the float32 floors
(`max |t32 − t64| / max |t64|`); `class-image-64.bin`, `feature-image-64.bin` and
`featurePlain-image-64.bin` (the feature run without transforms) the final images of the float64
runs (NHWC, rounded to float32). The script refuses a run whose path passes within 1e-7
of a ReLU or max-pool kink (see `smallest_margins`), where float32 implementations take either side.

    /usr/bin/python3 torch-reference.py WEIGHTS_DIR REFERENCE_DIR
"""
import copy
import json
import math
import os
import sys

import numpy
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models', 'scripts'))
from netlens_squeezenet import load_squeezenet, logits_of, smallest_margins  # noqa: E402

# Smaller than the harness batch (66²): SqueezeNet still pools three times (ceil mode, partial
# windows) down to 2×2 conv10 maps, and SwiftShader runs each step in seconds.
SIZE, CHANNELS = 34, 3
IMAGENET_MEAN = (0.485, 0.456, 0.406)
CLASS_OPTIONS = {
    'classes': [76, 366],
    'numIterations': 3,
    'learningRate': 2.0,
    'l2Reg': 0.002,
    'l2Center': list(IMAGENET_MEAN),
    'blurEvery': 2,
    'blurSigma': 0.5,
    'maxJitter': 5,
    'seed': 1,
}
FEATURE_OPTIONS = {
    'channel': ['fire6', 7],
    'classLogit': 366,
    'numSteps': 2,
    'decayPower': 1.0,
    'standardDeviation': 0.5,
    'pad': 2,
    'padValue': 0.5,
    'jitter': 2,
    'l2': 0.01,
    'l2Center': 0.5,
    'adam': {'learningRate': 0.05, 'beta1': 0.9, 'beta2': 0.999},
    'seed': 5,
}
# Lucid's color_correlation_svd_sqrt (ImageNet colour covariance).
COLOR_CORRELATION_SVD_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])


class Mulberry32:
    """netlens' seeded generator (`seededRandom` in @netlens/backends), bit for bit."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def uniform(self):
        mask = 0xFFFFFFFF
        self.state = (self.state + 0x6D2B79F5) & mask
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & mask
        t ^= (t + ((t ^ (t >> 7)) * (t | 61))) & mask
        return ((t ^ (t >> 14)) & mask) / 4294967296

    def integer(self, low, high):
        """Uniform in [low, high], both ends included (Python's random.randint)."""
        return low + min(high - low, math.floor(self.uniform() * (high - low + 1)))

    def normal(self, size, std):
        """Box–Muller pairs, as netlens' `RandomSource.normal`, rounded to float32."""
        values = []
        while len(values) < size:
            radius = math.sqrt(-2 * math.log(1 - self.uniform()))
            angle = 2 * math.pi * self.uniform()
            values += [std * radius * math.cos(angle), std * radius * math.sin(angle)]
        return torch.tensor(values[:size], dtype=torch.float32)


def gaussian_filter1d(x, sigma, dim):
    """scipy.ndimage.gaussian_filter1d(x, sigma, axis=dim) with mode='reflect' (edge repeated)."""
    radius = int(4.0 * sigma + 0.5)
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    weights = torch.exp(-0.5 * offsets ** 2 / sigma ** 2)
    weights = (weights / weights.sum()).to(x.dtype)
    size = x.shape[dim]
    positions = torch.arange(-radius, size + radius) % (2 * size)
    positions = torch.where(positions < size, positions, 2 * size - 1 - positions)
    padded = x.index_select(dim, positions)
    return sum(weights[k] * padded.narrow(dim, k, size) for k in range(2 * radius + 1))


def sequential_sum(rows):
    """Each row summed one value after another in its own dtype (numpy's cumsum; torch's accumulates
    float32 in double): in float32, the rounding of a plain loop, which a backend's reduction may be,
    where torch's own sum is pairwise."""
    values = rows.numpy()
    return torch.from_numpy(numpy.cumsum(values, axis=1, dtype=values.dtype)[:, -1].copy())


def kink_margin(net, nhwc):
    return min(min(pair) for pair in smallest_margins(net, nhwc))


def class_visualization(net, dtype):
    """CS231n's loop on a batch, one class per image, in pixels; returns images, history, kink margin."""
    options = CLASS_OPTIONS
    random = Mulberry32(options['seed'])
    classes = torch.tensor(options['classes'])
    batch = len(classes)
    noise = torch.tensor([random.uniform() for _ in range(batch * SIZE * SIZE * CHANNELS)], dtype=torch.float32)
    image = noise.view(batch, SIZE, SIZE, CHANNELS).to(dtype)
    center = torch.tensor(options['l2Center'], dtype=dtype)
    history, parts, sums, margin = [], [], [], math.inf
    for t in range(options['numIterations']):
        ox, oy = random.integer(0, options['maxJitter']), random.integer(0, options['maxJitter'])
        x = torch.roll(image, shifts=(oy, ox), dims=(1, 2)).requires_grad_(True)
        margin = min(margin, kink_margin(net, x.detach()))
        logits = logits_of(net, x)
        parts.append(logits.detach().flatten())
        scores = logits.gather(1, classes.view(-1, 1)).view(-1)
        objective = scores - options['l2Reg'] * ((x - center) ** 2).flatten(1).sum(dim=1)
        history.append(objective.tolist())
        sums.append(sequential_sum(((x.detach() - center) ** 2).flatten(1)) * options['l2Reg'])
        g = torch.autograd.grad(objective.sum(), x)[0]
        norms = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        x = x.detach() + options['learningRate'] * g / norms
        image = torch.roll(x, shifts=(-oy, -ox), dims=(1, 2)).clamp(0, 1)
        if t % options['blurEvery'] == 0:
            image = gaussian_filter1d(gaussian_filter1d(image, options['blurSigma'], 1), options['blurSigma'], 2)
    return image, history, [torch.cat(parts), torch.cat(sums)], margin


def fft_image(spectrum, decay_power):
    """Lucid's fft_image for variables [N, 2, C, H, W//2 + 1] (real, imaginary), as NHWC."""
    fy = torch.fft.fftfreq(SIZE, dtype=torch.float64).view(-1, 1)
    fx = torch.fft.rfftfreq(SIZE, dtype=torch.float64).view(1, -1)
    frequencies = torch.sqrt(fx * fx + fy * fy)
    scale = (1.0 / torch.clamp(frequencies, min=1.0 / SIZE) ** decay_power) * math.sqrt(SIZE * SIZE)
    complex_spectrum = torch.complex(spectrum[:, 0], spectrum[:, 1]) * scale.to(spectrum.dtype)
    image = torch.fft.irfft2(complex_spectrum, s=(SIZE, SIZE)) / 4
    return image.permute(0, 2, 3, 1)


def to_valid_rgb(linear):
    """Lucid's _linear_decorelate_color then sigmoid."""
    matrix = COLOR_CORRELATION_SVD_SQRT / COLOR_CORRELATION_SVD_SQRT.norm(dim=0).max()
    return torch.sigmoid(linear.reshape(-1, 3) @ matrix.T.to(linear.dtype)).view(linear.shape)


def feature_visualization(net, dtype, transforms=True):
    """Lucid-style ascent of [channel mean of fire6, class logit], one image each, with or without
    the pad and jitter transforms; returns images, history, the layers it read and kink margin."""
    options = FEATURE_OPTIONS
    random = Mulberry32(options['seed'])
    batch, half = 2, SIZE // 2 + 1
    variables = random.normal(batch * 2 * CHANNELS * SIZE * half, options['standardDeviation'])
    variables = variables.view(batch, 2, CHANNELS, SIZE, half).to(dtype)
    adam = options['adam']
    first, second = torch.zeros_like(variables), torch.zeros_like(variables)
    layer, channel = options['channel']
    fire = {'fire6': 9}[layer]
    history, activations, logit_parts, sums, margin = [], [], [], [], math.inf
    for step in range(1, options['numSteps'] + 1):
        # netlens' transforms: pad by p with a constant, crop at a random offset in [0, d] (dy, then dx),
        # and show the model the centre of that canvas at the input size.
        p, d = (options['pad'], options['jitter']) if transforms else (0, 0)
        offsets = [(random.integer(0, d), random.integer(0, d)) if transforms else (0, 0) for _ in range(batch)]
        start = (SIZE + 2 * p - d - SIZE) // 2
        x = variables.clone().requires_grad_(True)
        images = to_valid_rgb(fft_image(x, options['decayPower']))
        canvas = F.pad(images.permute(0, 3, 1, 2), (p, p, p, p), value=options['padValue'])
        seen = torch.stack([canvas[i, :, start + dy:start + dy + SIZE, start + dx:start + dx + SIZE]
                            for i, (dy, dx) in enumerate(offsets)]).permute(0, 2, 3, 1)
        margin = min(margin, kink_margin(net, seen.detach()))
        captured = {}
        handle = net.features[fire].register_forward_hook(lambda _m, _i, output: captured.setdefault('a', output))
        logits = logits_of(net, seen)
        handle.remove()
        activations.append(captured['a'].detach().flatten())
        logit_parts.append(logits.detach().flatten())
        values = torch.stack([captured['a'][0, channel].mean(), logits[1, options['classLogit']]])
        values = values - options['l2'] * ((images - options['l2Center']) ** 2).flatten(1).sum(dim=1)
        sums.append(sequential_sum(((images.detach() - options['l2Center']) ** 2).flatten(1)) * options['l2'])
        history.append(values.tolist())
        g = torch.autograd.grad(values.sum(), x)[0]
        first = adam['beta1'] * first + (1 - adam['beta1']) * g
        second = adam['beta2'] * second + (1 - adam['beta2']) * g * g
        first_hat = first / (1 - adam['beta1'] ** step)
        second_hat = second / (1 - adam['beta2'] ** step)
        if 'epsilon' not in adam:
            # Some spectrum entries' gradients sit at float noise, where Adam's first step,
            # ±lr·g/(|g| + ε), is a coin toss: ε near 1% of the largest |g| makes every step smooth.
            adam['epsilon'] = float(f'{0.01 * float(g.abs().max()):.1e}')
        variables = variables + adam['learningRate'] * first_hat / (second_hat.sqrt() + adam['epsilon'])
    image = to_valid_rgb(fft_image(variables, options['decayPower'])).detach()
    return image, history, [torch.cat(activations), torch.cat(logit_parts), torch.cat(sums)], margin


def floor_of(value32, value64):
    value32, value64 = torch.as_tensor(value32, dtype=torch.float64), torch.as_tensor(value64, dtype=torch.float64)
    return float((value32 - value64).abs().max() / value64.abs().max())


weights_dir, reference_dir = sys.argv[1], sys.argv[2]
model = load_squeezenet(weights_dir)
model64 = copy.deepcopy(model).double()
result = {'size': SIZE, 'classOptions': CLASS_OPTIONS, 'featureOptions': FEATURE_OPTIONS}
runs = (
    ('class', class_visualization),
    ('feature', feature_visualization),
    ('featurePlain', lambda net, dtype: feature_visualization(net, dtype, transforms=False)),
)
for name, run in runs:
    image32, history32, parts32, _ = run(model, torch.float32)
    image64, history64, parts64, margin = run(model64, torch.float64)
    assert margin > 1e-7, f'the {name} run passes within {margin:.1e} of a kink: pick another seed'
    result[name] = {
        'objectives': history64,
        'imageFloor': floor_of(image32, image64),
        # The objectives are a few logits and channel means minus a penalty summed over every pixel:
        # the floor of all the logits and activations they were taken from, and of the penalty
        # summed in order (a float32 loop's rounding; torch sums pairwise), measure float32's reach.
        'objectiveFloor': max(
            [floor_of(history32, history64)]
            + [floor_of(a, b) for a, b in zip(parts32[:-1], parts64[:-1])]
            + [float((parts32[-1].double() - parts64[-1]).abs().max()) / max(abs(v) for row in history64 for v in row)]
        ),
        'kinkMargin': margin,
    }
    with open(os.path.join(reference_dir, f'{name}-image-64.bin'), 'wb') as out:
        out.write(image64.numpy().astype('<f4').tobytes())
with open(os.path.join(reference_dir, 'classviz.json'), 'w') as out:
    json.dump(result, out, indent=1)

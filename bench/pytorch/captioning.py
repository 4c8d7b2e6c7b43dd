"""PyTorch peer for bench/captioning.mjs: CS231n's LSTM captioner (h0 = features W_proj + b_proj, word
embedding, LSTM with gates i, f, o, g and plain sigmoid in an explicit step loop, temporal affine,
softmax loss summed over non-NULL positions / N). One training step = forward + backward for all 8
parameters (no optimizer update); greedy sampling = 30 steps from <START>.

    /usr/bin/python3 bench/pytorch/captioning.py [reps] --n 50 --t 16 --v 1004 --w 256 --h 512 --d 512 [--threads 2]
"""
import argparse
import json
import os
import resource

import torch
from measure import measure

parser = argparse.ArgumentParser()
parser.add_argument('reps', nargs='?', type=int, default=5)
parser.add_argument('--n', type=int, default=50)
parser.add_argument('--t', type=int, default=16)
parser.add_argument('--v', type=int, default=1004)
parser.add_argument('--w', type=int, default=256)
parser.add_argument('--h', type=int, default=512)
parser.add_argument('--d', type=int, default=512)
parser.add_argument('--sample-steps', type=int, default=30)
parser.add_argument('--warmup', type=int, default=2)
parser.add_argument('--threads', type=int, default=os.cpu_count() or 1)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
N, T, V, W, H, D = args.n, args.t, args.v, args.w, args.h, args.d

params = {
    'W_proj': torch.randn(D, H) / D ** 0.5,
    'b_proj': torch.zeros(H),
    'W_embed': torch.randn(V, W) / 100,
    'Wx': torch.randn(W, 4 * H) / W ** 0.5,
    'Wh': torch.randn(H, 4 * H) / H ** 0.5,
    'b': torch.zeros(4 * H),
    'W_vocab': torch.randn(H, V) / H ** 0.5,
    'b_vocab': torch.zeros(V),
}
for value in params.values():
    value.requires_grad_(True)
features = torch.randn(N, D)
captions = torch.randint(4, V, (N, T + 1))
captions[:, 0] = 1
captions[N // 2:, T - 3:] = 0  # some <NULL> padding, as in real batches




def lstm_step(x, h, c, p):
    a = x @ p['Wx'] + h @ p['Wh'] + p['b']
    i, f, o, g = a.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def train_step():
    for value in params.values():
        value.grad = None
    p = params
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    h = features @ p['W_proj'] + p['b_proj']
    c = torch.zeros_like(h)
    x = p['W_embed'][captions_in]
    # Input products of all timesteps at once, as the tfjs side does.
    xw = (x.reshape(N * T, W) @ p['Wx']).reshape(N, T, 4 * H) + p['b']
    states = []
    for t in range(T):
        i, f, o, g = (xw[:, t] + h @ p['Wh']).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
    scores = torch.stack(states, 1).reshape(N * T, H) @ p['W_vocab'] + p['b_vocab']
    mask = (captions_out != 0).reshape(-1).float()
    loss = (torch.nn.functional.cross_entropy(scores, captions_out.reshape(-1), reduction='none') * mask).sum() / N
    loss.backward()
    return loss.item()


@torch.no_grad()
def sample():
    p = params
    h = features @ p['W_proj'] + p['b_proj']
    c = torch.zeros_like(h)
    words = torch.full((N,), 1, dtype=torch.long)
    out = []
    for _ in range(args.sample_steps):
        h, c = lstm_step(p['W_embed'][words], h, c, p)
        words = (h @ p['W_vocab'] + p['b_vocab']).argmax(1)
        out.append(words)
    return torch.stack(out, 1)


train = measure(train_step, args.reps, args.warmup)
sampling = measure(sample, args.reps, args.warmup)
print(json.dumps({
    'torch': torch.__version__,
    'threads': torch.get_num_threads(),
    'train': train,
    'sample': sampling,
    'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))

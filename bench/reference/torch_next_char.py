#!/usr/bin/python3
"""PyTorch side of examples/next-character.ps1 (a character-level next-character model on the first names),
on the same split with the same network and settings as NeuralPS: run with Debian's python3-torch,

    /usr/bin/python3 bench/reference/torch_next_char.py [--epochs 8] [--seed 1] [--threads 2]

Split: rows of data/first-names/first-names.csv in file order, every fifth (index % 5 == 0) is a test name.
Ids: NeuralPS' TextVectorization with -Split Character (lower-cased characters, a vocabulary fitted on the
training names only, most frequent first, ties in code-point order, 0 = padding, 1 = out of vocabulary),
16 ids per name. Labels (Invoke-Training -Task NextToken): at step t the id at t+1, 0 (<end>) after the last
character, -1 (ignored) on padding and on the last step of a name cut at 16. Network: Embedding(64, 16,
padding_idx=0) -> GRU(96) over the real steps (packed sequences = -MaskZeroSteps) returning every step ->
Linear(64); Adam (lr 0.005), CrossEntropyLoss(ignore_index=-1), batches of 32 shuffled each epoch.
Prints one JSON line: test accuracy over the labelled steps, their count, loss, seconds per epoch."""
import argparse, csv, json, os, time
import torch

LENGTH, MAX_TOKENS, DIMS, UNITS, LR, BATCH = 16, 64, 16, 96, 0.005, 32


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rows = [r['Name'] for r in csv.DictReader(open(os.path.join(a.root, 'data', 'first-names', 'first-names.csv'), encoding='utf-8'))]
    train = [r for i, r in enumerate(rows) if i % 5]
    test = [r for i, r in enumerate(rows) if i % 5 == 0]
    counts = {}
    for name in train:
        for ch in name.lower():
            counts[ch] = counts.get(ch, 0) + 1
    vocab = sorted(counts, key=lambda k: (-counts[k], k))[:MAX_TOKENS - 2]
    ids = {tok: i + 2 for i, tok in enumerate(vocab)}

    def encode(names):
        x = torch.zeros(len(names), LENGTH, dtype=torch.long)
        y = torch.full((len(names), LENGTH), -1, dtype=torch.long)
        lengths = torch.zeros(len(names), dtype=torch.long)
        for b, name in enumerate(names):
            seq = [ids.get(ch, 1) for ch in name.lower()][:LENGTH]
            x[b, :len(seq)] = torch.tensor(seq)
            lengths[b] = len(seq)
            for t in range(len(seq)):
                if t + 1 < LENGTH:
                    y[b, t] = seq[t + 1] if t + 1 < len(seq) else 0
        return x, y, lengths

    xtr, ytr, ltr = encode(train)
    xte, yte, lte = encode(test)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(MAX_TOKENS, DIMS, padding_idx=0)
            self.rnn = torch.nn.GRU(DIMS, UNITS, batch_first=True)
            self.out = torch.nn.Linear(UNITS, MAX_TOKENS)

        def forward(self, x, lengths):
            packed = torch.nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
            h, _ = self.rnn(packed)
            h, _ = torch.nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=LENGTH)
            return self.out(h)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    lossf = torch.nn.CrossEntropyLoss(ignore_index=-1)
    start = time.time()
    for _ in range(a.epochs):
        net.train()
        order = torch.randperm(len(train))
        for s in range(0, len(train), BATCH):
            idx = order[s:s + BATCH]
            opt.zero_grad()
            loss = lossf(net(xtr[idx], ltr[idx]).reshape(-1, MAX_TOKENS), ytr[idx].reshape(-1))
            loss.backward()
            opt.step()
    per_epoch = (time.time() - start) / a.epochs
    net.eval()
    with torch.no_grad():
        z = net(xte, lte)
        mask = yte >= 0
        acc = (z.argmax(-1)[mask] == yte[mask]).float().mean().item()
        loss = lossf(z.reshape(-1, MAX_TOKENS), yte.reshape(-1)).item()
    print(json.dumps({'task': 'next-character', 'framework': 'pytorch', 'torch': torch.__version__, 'epochs': a.epochs,
                      'accuracy': round(acc, 4), 'steps': int(mask.sum()), 'loss': round(loss, 4), 'seconds_per_epoch': round(per_epoch, 2)}))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""PyTorch side of the real text tasks (examples/text-classification.ps1), on the same split with the same
network and settings as NeuralPS: run with Debian's python3-torch,

    /usr/bin/python3 bench/reference/torch_text.py --task spam  [--epochs 5] [--seed 1] [--threads 2]
    /usr/bin/python3 bench/reference/torch_text.py --task names [--epochs 10]

Split: rows in file order, every fifth row (index % 5 == 0) is a test row, the rest train (as the example).
Text: the tokenizer of NeuralPS' TextVectorization (lower-cased; words = runs of letters, digits, apostrophes
and non-spacing marks; or single characters), a vocabulary fitted on the training rows only (most frequent
first, ties in code-point order, at most MaxTokens ids with 0 = padding and 1 = out of vocabulary), texts
padded with 0 at the end or cut to SequenceLength. Network: Embedding(MaxTokens, D, padding_idx=0) -> one
LSTM or GRU layer over the real steps only (packed sequences = NeuralPS' -MaskZeroSteps), its last state
-> Linear(classes); Adam, cross-entropy, mini-batches shuffled each epoch. Prints one JSON line."""
import argparse, csv, gzip, io, json, os, time, unicodedata
import torch

TASKS = {
    # task: data file, text column, label column, split, max tokens, sequence length, embedding, cell, units, lr, batch, epochs
    'spam': dict(path='data/spam-assassin/spam-assassin.csv.gz', text='Text', label='Label', split='word',
                 max_tokens=20000, length=200, dims=32, cell='LSTM', units=32, lr=0.002, batch=32, epochs=5),
    'names': dict(path='data/first-names/first-names.csv', text='Name', label='Sex', split='character',
                  max_tokens=64, length=12, dims=16, cell='GRU', units=64, lr=0.003, batch=32, epochs=10),
}

def tokens(text, split):
    text = text.lower()
    if split == 'character':
        return list(text)
    out, word = [], []
    for ch in text:
        if ch.isalpha() or unicodedata.category(ch) in ('Nd', 'Nl', 'No', 'Mn') or ch == "'":
            word.append(ch)
        elif word:
            out.append(''.join(word)); word = []
    if word:
        out.append(''.join(word))
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--task', choices=sorted(TASKS), default='spam')
    ap.add_argument('--epochs', type=int)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    a = ap.parse_args()
    t = TASKS[a.task]
    epochs = a.epochs or t['epochs']
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    path = os.path.join(a.root, t['path'])
    raw = gzip.open(path, 'rt', encoding='utf-8').read() if path.endswith('.gz') else open(path, encoding='utf-8').read()
    rows = list(csv.DictReader(io.StringIO(raw)))
    train = [r for i, r in enumerate(rows) if i % 5]
    test = [r for i, r in enumerate(rows) if i % 5 == 0]
    counts = {}
    for r in train:
        for tok in tokens(r[t['text']], t['split']):
            counts[tok] = counts.get(tok, 0) + 1
    vocab = sorted(counts, key=lambda k: (-counts[k], k))[:t['max_tokens'] - 2]
    ids = {tok: i + 2 for i, tok in enumerate(vocab)}
    classes = sorted({r[t['label']] for r in train})
    def encode(part):
        x = torch.zeros(len(part), t['length'], dtype=torch.long)
        for n, r in enumerate(part):
            seq = [ids.get(tok, 1) for tok in tokens(r[t['text']], t['split'])][:t['length']]
            if seq:
                x[n, :len(seq)] = torch.tensor(seq)
        y = torch.tensor([classes.index(r[t['label']]) for r in part])
        return x, y
    xtr, ytr = encode(train)
    xte, yte = encode(test)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(t['max_tokens'], t['dims'], padding_idx=0)
            self.rnn = getattr(torch.nn, t['cell'])(t['dims'], t['units'], batch_first=True)
            self.out = torch.nn.Linear(t['units'], len(classes))
        def forward(self, x):
            lengths = (x != 0).sum(1).clamp(min=1)
            packed = torch.nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths, batch_first=True, enforce_sorted=False)
            _, h = self.rnn(packed)
            h = h[0] if isinstance(h, tuple) else h
            return self.out(h[-1])
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=t['lr'])
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    history = []
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        total = 0.0
        for i in range(0, len(perm), t['batch']):
            b = perm[i:i + t['batch']]
            opt.zero_grad()
            loss = loss_fn(net(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        history.append(round(total / len(xtr), 4))
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(xte[i:i + 256]).argmax(1) for i in range(0, len(xte), 256)])
    acc = (pred == yte).float().mean().item()
    print(json.dumps(dict(task=a.task, framework='pytorch', version=torch.__version__, seed=a.seed, threads=a.threads,
                          train=len(train), test=len(test), vocabulary=len(vocab) + 2, epochs=epochs,
                          accuracy=round(acc, 4), loss_history=history, train_seconds=round(seconds, 1), seconds_per_epoch=round(seconds / epochs, 2))))

if __name__ == '__main__':
    main()

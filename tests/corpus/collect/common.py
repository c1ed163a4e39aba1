"""What the collectors' scripts share: the collected texts, and a build's top answer."""
import glob, json, os, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def collected(words=None):
    """Every labelled text of the repository's corpus files and /work/collect's splits,
    only those holding one of the words (lower-cased) when words are given."""
    found = []
    files = sorted(glob.glob(os.path.join(HERE, '..', '*.jsonl'))) + sorted(glob.glob('/work/collect/split-*.jsonl'))
    for f in files:
        for line in open(f, encoding='utf-8'):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            t = e.get('error_text')
            if isinstance(t, str) and e.get('area') and (not words or any(w in t.lower() for w in words)):
                found.append(e)
    return found


def top(binary, text):
    """The binary's first answer as (mode, area, confidence), None when it answers nothing."""
    p = subprocess.run([binary, 'explain', '--no-probe', '--format', 'json'], input=text.encode(), capture_output=True, timeout=60)
    try:
        m = json.loads(p.stdout)['matches']
    except (ValueError, KeyError):
        return None
    return (m[0]['mode'], m[0]['area'], m[0]['confidence']) if m else None


def right(entry, answer):
    """Whether an answer is right for an entry: its area, or nothing when out of scope."""
    if entry['area'] == 'out_of_scope':
        return answer is None
    return answer is not None and answer[1] == entry['area']

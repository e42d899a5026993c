"""Part-of-speech tagging data: Universal Dependencies English Web Treebank v2.15, UPOS tags.

The course ships a compact derivative of the CoNLL-U files (``corpora/ud_english_ewt``):
one syntactic word per line, ``word<TAB>UPOS``, a blank line after each sentence, gzipped.
It is made by :func:`conllu_to_upos` from ``en_ewt-ud-{train,dev,test}.conllu.gz``.
Annotations CC BY-SA 4.0 (see the folder's LICENSE.txt and README.md).
"""

import gzip
from pathlib import Path

from course_rnn.data.files import corpus_path, read_text, split_lines

UPOS_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
             "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")
SPLIT_FILES = {"train": "train", "validation": "dev", "dev": "dev", "test": "test"}


def load_ud_pos(split="train", path=None):
    """Sentences of UD English EWT with their UPOS tags, as ``[(words, tags), ...]``.

    ``words`` and ``tags`` are lists of str of equal length (one entry per syntactic word:
    a contraction such as "don't" appears as its two words "do", "n't").  Splits are the
    treebank's own: train 12,544 sentences / 204,577 words, validation (UD's "dev", either
    name works) 2,001 / 25,147, test 2,077 / 25,094.  ``path`` reads another file of the
    same ``word<TAB>UPOS`` form (gzipped if it ends in .gz).
    """
    if split not in SPLIT_FILES:
        raise ValueError(f"split={split!r} is not a split of UD English EWT; "
                         f"use 'train', 'validation' (or 'dev') or 'test'")
    path = path or corpus_path("ud_english_ewt", f"en_ewt-upos-{SPLIT_FILES[split]}.tsv.gz")
    sentences, words, tags = [], [], []
    for number, line in enumerate(split_lines(read_text(path, "UD English EWT")), start=1):
        if not line:
            if words:
                sentences.append((words, tags))
            words, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != 2 or fields[1] not in UPOS_TAGS:
            raise ValueError(f"UD English EWT: line {number} of {path} is {line!r}; expected "
                             f"'word<TAB>UPOS' with a tag from {UPOS_TAGS}")
        words.append(fields[0])
        tags.append(fields[1])
    if words:
        sentences.append((words, tags))
    return sentences


def conllu_to_upos(src, dst):
    """Write the ``word<TAB>UPOS`` form of the CoNLL-U file ``src`` (gzipped) to ``dst``.

    Keeps the lines whose ID (column 1) is an integer, i.e. syntactic words; drops
    multiword-token ranges (``3-4``) and empty nodes (``8.1``), which carry no UPOS of their
    own.  Columns 2 (FORM) and 4 (UPOS).  The output is gzipped with mtime 0 so that it
    is the same bytes every time.
    """
    out = []
    with gzip.open(src, "rt", encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                out.append("")
            elif not line.startswith("#"):
                fields = line.split("\t")
                if fields[0].isdigit():
                    out.append(f"{fields[1]}\t{fields[3]}")
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(("\n".join(out) + "\n").encode("utf-8"))
    return Path(dst)

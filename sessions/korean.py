"""What a Korean word is made of, for search: its stem without the particle or ending.

Search finds a word by substring ("초기화" finds "초기화를"), which fails the other way
round: "기울기가" is not in "기울기를". A morphological analyzer (kiwipiepy's Kiwi)
splits a word into its parts, and search asks for the parts that carry meaning:

- the nouns, roots, foreign words and numbers (`Word.needles`): they keep their form
  in every sentence, so a text holds them as they are, and search looks for them as
  substrings of the text, as it always has. "기울기가", "기울기를" and "기울기" all look
  for "기울기": they find the same days, by construction.
- the stems of verbs and adjectives (`Word.stems`): their surface changes with the
  ending ("보였다", "보이는": 보이; "들었다", "듣고": 듣), so the indexer stores each
  document's stems (`SearchDoc.stems`), and search looks them up there. A word with
  such a stem also matches where the word itself occurs as typed.

Words are analyzed one at a time, without their sentence, on both sides: the indexer
splits a text into words and a query is words. That makes the analysis of a word the
same wherever it occurs, so a word typed as it stands in a text always finds that
text; in-sentence analysis is a little better at guessing but would not promise that.
It also lets every word's analysis be cached (`parts`): a team's vocabulary repeats.

Kiwi takes about a second and 250 MB to load: once per process, on first use, under a
lock. Words without Hangul are never analyzed.
"""

import functools
import re
import threading
from dataclasses import dataclass

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Markdown's emphasis and code marks, which sit inside words ("**기울기**가").
_MARKS = str.maketrans("", "", "*_~`")
_WORDS = re.compile(r"\w+")
LONGEST_WORD = 40  # longer runs without a space are not prose: left unanalyzed

# Tags of what a word's meaning leaves behind: particles (J), endings (E), the suffixes
# that make a verb or adjective of a noun (XSV, XSA, XSM), the copula (VCP, VCN).
_GRAMMAR = ("J", "E", "XSV", "XSA", "XSM", "VCP", "VCN", "Z")
# Verbs, adjectives and auxiliaries, with their irregular forms ("VV-I", "VA-R"...).
_PREDICATES = ("VV", "VA", "VX")

_loading = threading.Lock()
_analyzing = threading.Lock()
_kiwi = None


def _analyzer():
    global _kiwi
    if _kiwi is None:
        with _loading:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                # Synchronous (no thread pool: one word per call), and without the typo
                # and multi-word dictionaries, which a single word never needs: it loads
                # faster and smaller.
                _kiwi = Kiwi(num_workers=-1, load_typo_dict=False, load_multi_dict=False)
    return _kiwi


def warm() -> None:
    """Load the analyzer now: loading takes a couple of seconds and holds the GIL, so a
    server that serves live editing loads it before it takes connections, not in the
    middle of someone's typing (studylog/asgi.py)."""
    parts("기울기가")


@dataclass(frozen=True)
class Word:
    """A word as search looks for it: every needle in the text, and every stem among
    its stems (or, when it has stems, the word itself in the text)."""

    text: str
    needles: tuple[str, ...]
    stems: tuple[str, ...] = ()


@functools.lru_cache(maxsize=200_000)
def parts(word: str) -> Word:
    """The parts of one folded word (no spaces) that search looks for."""
    if not _HANGUL.search(word) or len(word) > LONGEST_WORD:
        return Word(word, (word,))
    kiwi = _analyzer()
    with _analyzing:  # one analysis at a time: Kiwi's thread-safety is not documented
        tokens = kiwi.tokenize(word)
    needles: list[str] = []
    stems: list[str] = []
    start = end = None  # the run of meaning-carrying tokens being read
    for token in tokens:
        tag = token.tag
        if tag.startswith(_PREDICATES):
            stems.append(token.form.lower())
        if tag.startswith(_GRAMMAR) or tag.startswith(_PREDICATES):
            if start is not None:
                needles.append(word[start:end])
            start = None
            continue
        if start is None:
            start = token.start
        end = token.start + token.len
    if start is not None:
        needles.append(word[start:end])
    needles = [n for n in (_strip(n) for n in needles) if n]
    if not needles and not stems:
        return Word(word, (word,))
    return Word(word, tuple(dict.fromkeys(needles)), tuple(dict.fromkeys(stems)))


def _strip(needle: str) -> str:
    """A needle without the brackets and punctuation around it: "(기울기)" → "기울기"."""
    return re.sub(r"^\W+|\W+$", "", needle)


def words(text: str) -> set[str]:
    """The distinct words of a (folded) text that hold Hangul, as the analyzer reads them."""
    return {w for w in _WORDS.findall(text.translate(_MARKS)) if _HANGUL.search(w)}


def stems(text: str) -> list[str]:
    """The verb and adjective stems of a folded text, each once, in no useful order."""
    found: dict[str, None] = {}
    for word in words(text):
        for stem in parts(word).stems:
            found[stem] = None
    return list(found)


def stem_field(found) -> str:
    """Stems as SearchDoc.stems holds them: space-separated, with a space at each end, so
    that `LIKE '% stem %'` finds a whole stem."""
    return f" {' '.join(sorted(found))} " if found else ""


def stems_in(field: str) -> set[str]:
    return set(field.split())

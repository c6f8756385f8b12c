"""Features of a clip's text for the caption-to-mood model: words, phrases, lexicon VAD, word clusters.

A clip's text is a pair (aspects joined with "; ", caption). The model sees:

- caption words and phrases (TF-IDF of 1–3-grams, English stop-words dropped);
- aspect words (1–2-grams) and whole aspects ("mellow piano melody") as tokens;
- character 2–5-grams within words of both, so "melancholy" and "melancholic" meet;
- lexicon VAD: every emotional word (Warriner, NRC VAD where Warriner lacks it) as a coarse
  valence × arousal cell ("v1a1"), so a word the 539 labelled clips never show still counts;
- word clusters: words that keep the same company in the ~5,000 captions without a mood label
  (positive PMI of co-occurrence, SVD, K-Means at three granularities), so "eerie" and "ominous"
  share a token. They are learned from unlabelled text only, so cross-validation cannot leak.

Everything here is a module-level function or a plain estimator, so a fitted pipeline pickles.
"""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from catalogue.vad import SCALE_MAX, SCALE_MIN, lexicon

WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
CLUSTER_SIZES = (50, 100, 200)
CLUSTER_DIMENSIONS = 100
LEXICON_BINS, LEXICON_SALIENCE = 5, 0.15  # cells per axis; |x − ½| on the 0–1 scale for a word to count
WEIGHTS = {"caption": 1.0, "aspect_words": 1.0, "aspects": 1.0, "characters": 1.0, "lexicon": 1.0, "clusters": 0.7}


def clip_text(aspects: list[str], caption: str) -> tuple[str, str]:
    return "; ".join(aspects), caption


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def aspects_of(texts) -> list[str]:
    return [t[0] for t in texts]


def caption_of(texts) -> list[str]:
    return [t[1] for t in texts]


def aspect_phrases(text: str) -> list[str]:
    return [part.strip().lower() for part in text.split(";") if part.strip()]


def lexicon_table() -> dict[str, str]:
    """Emotional word → its valence × arousal cell ("v0a3"), from the lexicons on the 0–1 scale."""
    table = {}
    for word, vad in lexicon().items():
        if word in ENGLISH_STOP_WORDS or not word.isalpha():
            continue
        v, a = ((x - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) for x in vad[:2])
        if max(abs(v - 0.5), abs(a - 0.5)) < LEXICON_SALIENCE:
            continue
        cell = lambda x: min(LEXICON_BINS - 1, int(x * LEXICON_BINS))  # noqa: E731
        table[word] = f"v{cell(v)}a{cell(a)}"
    return table


class LexiconCells(BaseEstimator, TransformerMixin):
    """Each clip as a string of the lexicon cells of its words, marked by field: "a:v3a4 c:v1a1 …"."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        table = self.table or {}
        out = []
        for aspects, caption in texts:
            cells = [
                f"{field}:{table[w]}"
                for field, text in (("a", aspects), ("c", caption))
                for w in words(text)
                if w in table
            ]
            out.append(" ".join(cells) or "none")
        return out


class WordClusters(BaseEstimator, TransformerMixin):
    """Each clip as a string of its words' cluster ids, one per clustering: "k0c12 k1c40 …"."""

    def __init__(self, clusters=()):
        self.clusters = clusters

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        out = []
        for aspects, caption in texts:
            tokens = [
                f"k{i}c{c[w]}" for w in words(f"{aspects} {caption}") for i, c in enumerate(self.clusters) if w in c
            ]
            out.append(" ".join(tokens) or "none")
        return out


def learn_word_clusters(corpus: list[str], *, seed: int = 0) -> tuple[dict[str, int], ...]:
    """Word → cluster id for each of CLUSTER_SIZES, from the co-occurrence of words within a clip's text."""
    counts = CountVectorizer(min_df=3, stop_words="english", binary=True, token_pattern=WORD.pattern).fit(corpus)
    docs = counts.transform(corpus).astype(float)
    cooc = (docs.T @ docs).toarray()
    np.fill_diagonal(cooc, 0)
    total, rows, cols = cooc.sum(), cooc.sum(axis=1, keepdims=True), cooc.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.log(cooc * total / (rows @ cols))
    ppmi = np.where(np.isfinite(ppmi) & (ppmi > 0), ppmi, 0.0)
    dimensions = min(CLUSTER_DIMENSIONS, len(ppmi) - 1)  # a small corpus has few words
    vectors = TruncatedSVD(dimensions, random_state=seed).fit_transform(ppmi)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
    vocabulary = counts.get_feature_names_out()
    return tuple(
        {
            str(w): int(c)
            for w, c in zip(
                vocabulary, KMeans(min(k, len(vocabulary)), n_init=3, random_state=seed).fit_predict(vectors)
            )
        }
        for k in CLUSTER_SIZES
    )


def joined(texts) -> list[str]:
    return [f"{aspects}; {caption}" for aspects, caption in texts]


def _tokens(text: str) -> list[str]:
    return text.split()


def features(table: dict, clusters: tuple) -> FeatureUnion:
    sparse = dict(sublinear_tf=True, dtype=np.float64)
    blocks = {
        "caption": Pipeline(
            [
                ("pick", FunctionTransformer(caption_of)),
                ("tfidf", TfidfVectorizer(ngram_range=(1, 3), min_df=2, stop_words="english", **sparse)),
            ]
        ),
        "aspect_words": Pipeline(
            [("pick", FunctionTransformer(aspects_of)), ("tfidf", TfidfVectorizer(ngram_range=(1, 2), **sparse))]
        ),
        "aspects": Pipeline(
            [
                ("pick", FunctionTransformer(aspects_of)),
                ("tfidf", TfidfVectorizer(tokenizer=aspect_phrases, token_pattern=None, min_df=2, **sparse)),
            ]
        ),
        "characters": Pipeline(
            [
                ("pick", FunctionTransformer(joined)),
                ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, **sparse)),
            ]
        ),
        "lexicon": Pipeline(
            [
                ("cells", LexiconCells(table)),
                ("tfidf", TfidfVectorizer(tokenizer=_tokens, token_pattern=None, lowercase=False, **sparse)),
            ]
        ),
        "clusters": Pipeline(
            [
                ("ids", WordClusters(clusters)),
                ("tfidf", TfidfVectorizer(tokenizer=_tokens, token_pattern=None, lowercase=False, **sparse)),
            ]
        ),
    }
    return FeatureUnion(list(blocks.items()), transformer_weights=WEIGHTS)


def mood_pipeline(table: dict, clusters: tuple, *, C: float = 0.07, seed: int = 0) -> Pipeline:
    """The untrained model: the features above into a linear SVM with balanced class weights."""
    return Pipeline(
        [("features", features(table, clusters)), ("svm", LinearSVC(C=C, class_weight="balanced", random_state=seed))]
    )

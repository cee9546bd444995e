"""The offline provider: BM25 retrieval over the business's own articles, no network.

Ranking uses Okapi BM25 over each article's question, keywords and answer (question and
keywords count double). BM25 scores are unbounded, so they are not a confidence. The
confidence reported is the share of the question's information the best article covers:
the IDF-weighted fraction of the customer's content words found in that article, where a
word no article contains gets the largest IDF. "How do I reset my password?" against an
article about password resets scores 1.0; "what's the weather in Paris" scores 0.0; a
question half about something the knowledge base never mentions scores about 0.5.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from ai.models import KnowledgeArticle
from ai.providers.base import AIAnswer

STOPWORDS = frozenset(
    """a about am an and any are as at be been but by can could did do does doing for from get
    got had has have hello hey hi how i i'm if in into is it it's its just me my myself no
    not of on or our please so some than thank thanks that the their them then there these
    they this to too up us was we were what when where which who why will with would you
    your yours ok okay there's i've im ive cant can't dont don't i'd id i'll like want
    wanted need know tell question help should may might also anyone someone""".split()  # noqa: SIM905 - a word list reads best as text
)
GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "morning", "afternoon", "evening", "good"})
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
K1, B = 1.5, 0.75


def stem(word: str) -> str:
    """A deliberately tiny stemmer: plural and common suffixes ("refunds", "resetting")."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # "resett" -> "reset"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # "price" and "pricing" -> "pric"
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in TOKEN.findall(text.lower()) if w not in STOPWORDS]


@dataclass
class _Doc:
    article: object
    terms: Counter
    length: int


class KnowledgeBaseProvider:
    name = "knowledge_base"

    def __init__(self, articles=None):
        self._articles = articles  # tests may pass a list; otherwise read per business

    def _load(self, business) -> list:
        if self._articles is not None:
            return [a for a in self._articles if a.business_id == business.pk and a.enabled]

        return list(KnowledgeArticle.objects.filter(business=business, enabled=True))

    def search(self, business, text: str, limit: int = 3) -> list[tuple[object, float, float]]:
        """``(article, bm25, confidence)`` best first, for ``text``."""
        articles = self._load(business)
        query = tokens(text)
        if not articles or not query:
            return []
        docs = []
        for article in articles:
            weighted = tokens(article.question) * 2 + tokens(article.keywords) * 2
            weighted += tokens(article.answer)
            docs.append(_Doc(article, Counter(weighted), len(weighted)))
        n = len(docs)
        avg_len = sum(d.length for d in docs) / n or 1.0
        df = Counter(term for d in docs for term in set(d.terms))

        def idf(term: str) -> float:
            return math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))

        unique_query = set(query)
        total_info = sum(idf(t) for t in unique_query)
        ranked = []
        for d in docs:
            score = 0.0
            for term in query:
                tf = d.terms.get(term, 0)
                if tf:
                    norm = tf + K1 * (1 - B + B * d.length / avg_len)
                    score += idf(term) * tf * (K1 + 1) / norm
            if score > 0:
                covered = sum(idf(t) for t in unique_query if t in d.terms)
                ranked.append((d.article, score, covered / total_info if total_info else 0.0))
        ranked.sort(key=lambda r: (-r[1], r[0].pk or 0))
        return ranked[:limit]

    def reply(self, business, conversation, history: list) -> AIAnswer:
        question = history[-1].content if history else ""
        words = TOKEN.findall(question.lower())
        if words and all(w in GREETINGS or w in STOPWORDS for w in words) and words[0] in GREETINGS:
            return AIAnswer(
                text="Hi! I'm the virtual assistant. Ask me anything, or ask for a person "
                "at any time.",
                confidence=1.0,
                source="greeting",
            )
        results = self.search(business, question, limit=1)
        if not results:
            return AIAnswer(
                text="", confidence=0.0, reason="No knowledge-base article matches the question"
            )
        article, _score, confidence = results[0]
        return AIAnswer(
            text=article.answer,
            confidence=round(confidence, 3),
            reason="" if confidence else "No knowledge-base article matches the question",
            source=f"kb:{article.pk}",
        )

"""The FAQ matcher: an immutable index over a knowledge base, and its decision for a message."""

from dataclasses import dataclass
from typing import Literal

from knowledge_base.examples import ExampleModel
from knowledge_base.features import (
    BIGRAM_SHARE,
    CLUE,
    MESSAGE_SHARE,
    PARTIAL,
    EntryFeatures,
    Query,
    analyse_query,
    entry_features,
    normalized_text,
)
from knowledge_base.lexicon import place_names
from knowledge_base.model import Entry, KnowledgeBase
from knowledge_base.normalize import normalize, warm_up
from knowledge_base.questions import for_a_person
from knowledge_base.textmodel import TextModel

Decision = Literal["answer", "suggest", "silent"]
# The entries that hold a term, character or bigram, and how strongly (parallel tuples).
Postings = tuple[tuple[int, ...], tuple[float, ...]]
_NO_POSTINGS: Postings = ((), ())

# Confidence needed to answer a question on its own in a group, and to offer buttons.
ANSWER_THRESHOLD = 0.3
SUGGEST_THRESHOLD = 0.26
# Confidence at which even a message without a question cue is answered (at 0.8, good news
# such as 我们项目第一天就筹满啦 got the answer on raising the target).
STRONG_THRESHOLD = 0.9
# How many entries are scored in full (chosen by their shared terms with the message).
SHORTLIST = 10
# Confidence kept when the best entry shares only one content term with a longer message.
SINGLE_CLUE = 0.6
# Two entries of one topic are in doubt when the runner-up scores at least this share of the
# best; a specific sibling at this share of its general entry, which it explains better.
SIBLING_TIE = 0.95
SPECIFIC_TIE = 0.8
# A general entry scoring at least this share of its specific sibling answers in its place when
# the message says nothing that the specific entry names and the general one does not.
GENERAL_TIE = 0.9
# A general entry at this share of its specific sibling that holds at least as much of the
# message answers in its place even when the specific one names a term it lacks (拨 of 拨完 in
# 钱好久能拨到: the general disbursement entry has 拨付 and holds more of the question).
GENERAL_COVERS = 0.8
# Score kept by an entry when the message says what the entry is not about.
NOT_ABOUT = 0.5
# Unasked, the best entry must explain this share of what the message says (its content terms,
# by weight), and no more than this share may be words that the knowledge uses elsewhere but
# the entry lacks: a question about something else in the domain's words gets no answer.
# An entry far ahead of every other (the runner-up under this share of its score) needs only to
# explain a smaller share: the words it lacks point nowhere else in particular.
COVERAGE = 0.3
ELSEWHERE = 0.5
CLEAR_LEAD = 0.6
LEAD_COVERAGE = 0.2
# The labelled examples' second opinion (knowledge_base/examples.py): the lead over "leave it
# alone", per n-gram of the message, that their favourite needs to be answered unasked, and the
# lead at which it is answered even where the words alone would not speak (both chosen on blind
# rounds 15-26, each left out in turn; docs/faq-research.md).
ANSWER_LEAD = 1.0
SURE_LEAD = 1.5
# Without a clear lead, an answer is given unasked only at this confidence: below it, the
# pooled blind rounds' unasked answers were wrong one time in four (a sibling, or a question
# the knowledge does not hold), while a group is better served by silence than by a wrong rule.
CONTESTED_CONFIDENCE = 0.35
# A runner-up scoring at least this share of the best that explains clearly more of the message
# (by RIVAL_MARGIN of its content) than the best does contests the answer: unasked, the bot
# leaves it alone.
RIVAL_TIE = 0.8
RIVAL_MARGIN = 0.03
# A message term this light (a question word weighs 1.5, a number 1, 人 about 1.8) says too
# little to make one sibling explain the message better than another.
EXPLAIN_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry and how well it matches the message (0..1)."""

    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """What the index makes of one message."""

    decision: Decision
    candidates: tuple[Candidate, ...]
    confidence: float
    is_question: bool
    normalized: str
    # Two entries of one topic that the message does not tell apart (the better one first);
    # then the decision is never "answer": unaddressed, the bot stays silent, addressed, it
    # asks which of them was meant.
    ambiguous: tuple[Entry, ...] = ()

    @property
    def best(self) -> Entry | None:
        """The top candidate's entry, if any."""
        return self.candidates[0].entry if self.candidates else None


def decide(confidence: float, is_question: bool, bare: bool = False) -> Decision:
    """Answer confident questions, or overwhelming matches of a message that says more than one
    thing (a bare 收到 or 项目进展 is an acknowledgement or a heading); suggest plausible ones."""
    overwhelming = confidence >= STRONG_THRESHOLD and not bare
    if overwhelming or (is_question and confidence >= ANSWER_THRESHOLD):
        return "answer"
    if is_question and confidence >= SUGGEST_THRESHOLD:
        return "suggest"
    return "silent"


class Index:
    """An immutable search index; reloading builds a new one and swaps the reference."""

    def __init__(
        self,
        kb: KnowledgeBase,
        model: TextModel,
        features: tuple[EntryFeatures, ...],
        examples: ExampleModel | None = None,
    ) -> None:
        self.kb = kb
        self._model = model
        self._features = features
        self._examples = examples
        self._numbers = {entry.id: number for number, entry in enumerate(kb.entries)}
        terms: dict[str, list[tuple[int, float]]] = {}
        grams: dict[str, list[tuple[int, float]]] = {}
        chars: dict[str, list[tuple[int, float]]] = {}
        for number, feature in enumerate(features):
            for char, factor in feature.chars.items():
                chars.setdefault(char, []).append((number, factor))
            for term, factor in feature.terms.items():
                terms.setdefault(term, []).append((number, factor))
            for gram, factor in feature.bigrams.items():
                grams.setdefault(gram, []).append((number, factor))
        self._terms = _frozen(terms)
        self._grams = _frozen(grams)
        self._chars = _frozen(chars)
        # Postings longer than this are skipped when shortlisting (their terms are everywhere).
        self._cap = max(64, len(features) // 50)
        # The sibling structure: each entry's topic, each topic's general entry, and the terms
        # of what each entry is not about (each phrase as a set of terms).
        self._topics = tuple(entry.siblings_key for entry in kb.entries)
        self._general: dict[str, int] = {}
        for number, entry in enumerate(kb.entries):
            if entry.general:
                self._general.setdefault(entry.siblings_key, number)
        self._not_about: dict[int, tuple[frozenset[str], ...]] = {}
        for number, entry in enumerate(kb.entries):
            phrases = tuple(
                terms
                for terms in (frozenset(self.terms(phrase)) for phrase in entry.not_about)
                if terms
            )
            if phrases:
                self._not_about[number] = phrases

    @classmethod
    def build(cls, kb: KnowledgeBase) -> "Index":
        """Load the dictionary, learn the knowledge base's terms, and index every entry."""
        warm_up()
        place_names()
        model = TextModel(kb)
        features = tuple(entry_features(model, entry) for entry in kb.entries)
        model.finish_build()
        return cls(kb, model, features, ExampleModel.build(kb))

    def __len__(self) -> int:
        return len(self._features)

    def terms(self, text: str) -> list[str]:
        """The canonical terms the index sees in a message (for explaining a match)."""
        return self._model.terms(self._model.prepare(normalize(text)))

    def _shortlist(self, query: Query) -> list[int]:
        """Entries sharing the message's terms or bigrams, by a quick partial score.

        Only the postings of the message's terms and bigrams are read, never all entries;
        postings longer than the cap are skipped once rarer ones have found candidates, and
        only their head is read otherwise.
        """
        votes: dict[int, float] = {}
        lists: list[tuple[Postings, float]] = []
        term_share = MESSAGE_SHARE / query.total if query.total else 0.0
        for term, weight in query.weights.items():
            postings = self._terms.get(term)
            if postings is not None:
                lists.append((postings, weight * term_share))
            elif term[0] != "?":  # an unknown word: look for entries sharing its characters
                share = weight * term_share * PARTIAL
                lists += [
                    (self._chars.get(char, _NO_POSTINGS), share * part)
                    for char, part in query.parts[term]
                ]
        gram_share = BIGRAM_SHARE / query.bigram_total if query.bigram_total else 0.0
        for gram, weight in query.bigrams.items():
            lists.append((self._grams.get(gram, _NO_POSTINGS), weight * gram_share))
        read: list[tuple[Postings, float]] = []
        for (numbers, factors), weight in sorted(lists, key=lambda item: len(item[0][0])):
            if len(numbers) > self._cap:
                if read:
                    break
                numbers = numbers[: self._cap]  # only common words: their best entries
            if numbers:
                read.append(((numbers, factors), weight))
        if len(read) == 1:
            # Votes from one list follow its factors, which fall along it (ties in list order):
            # its head is what ranking the votes below would give, without counting them.
            (numbers, _), _ = read[0]
            return list(numbers[:SHORTLIST])
        vote = votes.get
        for (numbers, factors), weight in read:
            for number, factor in zip(numbers, factors, strict=False):
                votes[number] = vote(number, 0.0) + weight * factor
        # What heapq.nlargest returns (ties in first-seen order), but sorted in C.
        return sorted(votes, key=votes.__getitem__, reverse=True)[:SHORTLIST]

    def _single_clue(self, query: Query, number: int) -> bool:
        """True when a message with several content terms shares only one with the entry.

        One shared rare word (a place, a product name) is weak evidence that a longer question
        is the one the entry answers.
        """
        return query.content_terms >= 2 and self._features[number].matched_terms(query) <= 1

    def normalized(self, text: str) -> str:
        """The text as matching reads it (``Match.normalized``), at a fraction of the cost."""
        return normalized_text(self._model, text)

    def match(self, text: str, limit: int = 3) -> Match:
        """Rank entries for a message and decide whether to answer, suggest or stay silent."""
        query = analyse_query(self._model, text)
        not_about = self._not_about
        scored = sorted(
            (
                (
                    self._features[number].score(query)
                    * (NOT_ABOUT if number in not_about and self._not_for(query, number) else 1),
                    number,
                )
                for number in self._shortlist(query)
            ),
            reverse=True,
        )
        if scored and scored[0][0] > 0:
            scored = self._general_first(query, scored)
        best = scored[0][0] if scored else 0.0
        # A bare topic (配捐) asks to pick one of its questions: its siblings stay rivals.
        bare = query.content_terms <= 1
        runner_up = scored[1][0] if bare and len(scored) > 1 else self._runner_up(query, scored)
        confidence = confidence_of(best, runner_up)
        if scored and self._single_clue(query, scored[0][1]):
            confidence *= SINGLE_CLUE
        doubt = self._in_doubt(query, scored) if best > 0 else ()
        if doubt:  # the pair leads the candidates, so that both are offered
            scores = {number: score for score, number in scored}
            scored = [(scores[number], number) for number in doubt] + [
                item for item in scored if item[1] not in doubt
            ]
        decision = decide(confidence, query.is_question, bare=bare)
        if for_a_person(text):
            decision = "silent"  # @李姐 配捐比例是多少: asked of a colleague, not of the bot
        elif decision == "answer" and (doubt or not self._speaks_for(query, scored, confidence)):
            decision = "suggest"
        if self._examples is not None and best > 0:
            decision, scored = self._second_opinion(
                self._examples,
                query.plain,
                query.is_question and not (doubt or bare),
                confidence,
                decision,
                scored,
            )
        candidates = tuple(
            Candidate(self.kb.entries[number], round(score, 4))
            for score, number in scored[: max(limit, 0)]
            if score > 0
        )
        return Match(
            decision=decision,
            candidates=candidates,
            confidence=round(confidence, 4),
            is_question=query.is_question,
            normalized=query.normalized,
            ambiguous=tuple(self.kb.entries[number] for number in doubt),
        )

    def _second_opinion(
        self,
        examples: ExampleModel,
        message: str,
        asked: bool,
        confidence: float,
        decision: Decision,
        scored: list[tuple[float, int]],
    ) -> tuple[Decision, list[tuple[float, int]]]:
        """Let the labelled examples confirm or settle the answer among the shortlist.

        An answer the examples do not favour, or favour with too small a lead over "leave it
        alone", is only suggested. A question ``asked`` (more than a bare topic, not in sibling
        doubt) is answered where they favour its best entry or the runner-up and the words are
        confident enough, or where they favour one of its three best entries by a wide lead.
        The entry they favour answers; it is always among the three offered. An entry outside
        the shortlist that they like better than all of it (its askers wrote like this message,
        its phrasings share no word with it) is offered third, and nothing is answered unasked:
        the shortlist is in doubt.
        """
        shortlist = [number for score, number in scored[:SHORTLIST] if score > 0]
        if not shortlist:
            return decision, scored
        ids = [self.kb.entries[number].id for number in shortlist]
        opinion = examples.opinion(message, ids)
        rank = ids.index(opinion.favourite) if opinion.favourite is not None else -1
        if rank != 0 and decision == "answer":
            decision = "suggest"
        if asked and confidence >= ANSWER_THRESHOLD and rank in (0, 1) and decision == "suggest":
            decision = "answer"
        if asked and rank in (0, 1, 2) and opinion.lead >= SURE_LEAD:
            decision = "answer"
        if decision == "answer" and opinion.lead < ANSWER_LEAD:
            decision = "suggest"
        scored = list(scored)
        if rank > 0 and decision == "answer":  # the favourite answers
            scored.insert(0, scored.pop(rank))
        elif rank > 2:  # a favourite further down is offered third
            scored.insert(2, scored.pop(rank))
        if opinion.outside is not None:  # one the words missed is offered third
            if decision == "answer":
                decision = "suggest"
            number = self._numbers[opinion.outside]
            scored = [item for item in scored if item[1] != number]
            place = min(2, len(shortlist))
            scored.insert(place, (scored[place - 1][0], number))
        return decision, scored

    def _speaks_for(
        self, query: Query, scored: list[tuple[float, int]], confidence: float
    ) -> bool:
        """True when the best entry may answer unasked: it explains enough of the message, and
        the message does not say much that the knowledge holds elsewhere but this entry lacks
        (项目资金可以用来买物资直接发给老人吗 shares 老人 with the entry on designing elderly-care
        projects, and asks something else); less is asked of an entry far ahead of the rest.
        A close runner-up that explains more of the message than the best contests it (拨付的时候
        公募单位要扣好多 scores highest on the disbursement-delay entry, while the fee entry holds
        more of what is asked). A weak answer to a message that says much the knowledge holds
        elsewhere is not given either."""
        (best_score, best), second_score = scored[0], scored[1][0] if len(scored) > 1 else 0.0
        covered, elsewhere = self._coverage(query, best)
        if second_score < CLEAR_LEAD * best_score:
            return covered >= LEAD_COVERAGE
        if confidence < CONTESTED_CONFIDENCE:
            return False
        if covered < COVERAGE or elsewhere > ELSEWHERE:
            return False
        return (
            second_score < RIVAL_TIE * best_score
            or self._coverage(query, scored[1][1])[0] <= covered + RIVAL_MARGIN
        )

    def _coverage(self, query: Query, number: int) -> tuple[float, float]:
        """The shares of the message's content (by weight) that the entry holds, and that are
        words of other entries which this one lacks."""
        feature = self._features[number]
        term_factor, char_factor, knows = feature.terms.get, feature.chars.get, self._model.knows
        total = covered = elsewhere = 0.0
        for term, weight, parts in query.items:
            if not parts:  # a question word
                continue
            factor = term_factor(term)
            if factor is None:
                factor = PARTIAL * sum(char_factor(char, 0.0) * share for char, share in parts)
            total += weight
            covered += weight * min(factor, 1.0)
            if factor < CLUE and knows(term):
                elsewhere += weight
        if total <= 0:
            return 1.0, 0.0
        return covered / total, elsewhere / total

    def _not_for(self, query: Query, number: int) -> bool:
        """True when the message says one of the things the entry is not about: each term of
        one of its phrases is, or is part of, a term of the message (配捐 in 配捐额度)."""
        said = query.weights
        return any(
            all(term in said or any(term in word for word in said) for term in terms)
            for terms in self._not_about[number]
        )

    def _explains_more(self, query: Query, number: int, other: int) -> bool:
        """True when an entry names a term of the message in its question, variants or
        keywords and another entry does not (it may have it in its answer); light terms (人,
        question words, numbers) do not count."""
        mine, theirs = self._features[number].terms, self._features[other].terms
        return any(
            mine.get(term, 0.0) >= 1.0 and theirs.get(term, 0.0) < 1.0
            for term, weight in query.weights.items()
            if weight >= EXPLAIN_WEIGHT
        )

    def _general_first(
        self, query: Query, scored: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        """The ranking with the topic's general entry first when the best entry is one of its
        specific siblings, the general entry is close, and the message says nothing that the
        specific entry holds better, or the general entry holds as much of it (a specific entry
        needs grounds to be preferred)."""
        best_score, best = scored[0]
        general = self._general.get(self._topics[best])
        if general is None or general == best:
            return scored
        found = [item for item in scored if item[1] == general]
        score = found[0][0] if found else self._features[general].score(query)
        grounded = score < GENERAL_TIE * best_score or self._explains_more(query, best, general)
        if grounded and not self._general_covers(query, best, general, score / best_score):
            return scored
        return [(score, general)] + [item for item in scored if item[1] != general]

    def _general_covers(self, query: Query, best: int, general: int, share: float) -> bool:
        """True when a close general entry holds at least as much of the message as its
        specific sibling: a term only the specific one names (拨 of its 拨完, while the general
        entry has 拨付) is then no ground to prefer it."""
        return (
            share >= GENERAL_COVERS
            and self._coverage(query, general)[0] >= self._coverage(query, best)[0]
        )

    def _runner_up(self, query: Query, scored: list[tuple[float, int]]) -> float:
        """The score of the best entry's closest rival: when the best is its topic's general
        entry, a specific sibling that explains nothing better is no rival (the general entry
        answers for it)."""
        if len(scored) < 2:
            return 0.0
        best = scored[0][1]
        topic = self._topics[best]
        if self._general.get(topic) != best:
            return scored[1][0]
        for score, number in scored[1:]:
            if self._topics[number] != topic or self._explains_more(query, number, best):
                return score
        return 0.0

    def _in_doubt(self, query: Query, scored: list[tuple[float, int]]) -> tuple[int, ...]:
        """Two siblings that the message does not tell apart, the better one first.

        - The best two entries are of one topic and nearly as good as each other, and neither
          is the topic's general entry with nothing said that the other holds better.
        - The best is a general entry, and a close specific sibling holds a term of the
          message better.
        """
        if len(scored) < 2:
            return ()
        (best_score, best), (second_score, second) = scored[0], scored[1]
        topic = self._topics[best]
        if self._topics[second] != topic:
            return ()
        general = self._general.get(topic)
        if general == best:
            if second_score >= SPECIFIC_TIE * best_score and self._explains_more(
                query, second, best
            ):
                return (best, second)
            return ()
        if second_score >= SIBLING_TIE * best_score:
            return (best, second)
        return ()


def _frozen(table: dict[str, list[tuple[int, float]]]) -> dict[str, Postings]:
    """Postings as (entry numbers, factors), entries holding the key in their question or
    variants first."""
    frozen = {}
    for key, postings in table.items():
        ranked = sorted(postings, key=lambda posting: -posting[1])
        frozen[key] = (
            tuple(number for number, _ in ranked),
            tuple(factor for _, factor in ranked),
        )
    return frozen


def confidence_of(best: float, runner_up: float) -> float:
    """The best score, discounted when the runner-up is nearly as good."""
    if best <= 0:
        return 0.0
    margin = (best - runner_up) / best
    return max(0.0, min(1.0, best * (0.75 + 0.5 * min(margin, 0.5))))

"""What an entry must fit to be stored and sent: Telegram's message limit, the database's
column sizes, and a question the matcher can read at all.

The chat commands (/faq_add, /faq_edit, /faq_local), ``kb lint`` and the Excel import all
check the same limits here, so an entry one of them accepts the others accept too.
"""

from knowledge_base.model import Entry
from knowledge_base.normalize import normalize

MESSAGE_LIMIT = 4096  # Telegram's limit for one message's text, in UTF-16 code units
CATEGORY_LIMIT = 20  # characters; the column holds 40, a category is a short label (配捐)
ID_LIMIT = 80  # characters: the column that holds an entry's id


def utf16_length(text: str) -> int:
    """A text's length as Telegram counts it (an emoji or a rare character counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def answer_message(question: str, answer: str) -> str:
    """The longest text an answer goes out in: under a 【question】 header, as it is sent when
    someone taps a suggested question (a direct answer is the answer alone). The 👍/👎 buttons
    travel beside the text and do not count."""
    return f"【{question}】\n{answer.strip()}"


def answer_excess(question: str, answer: str) -> int:
    """How many UTF-16 units the answer (with its header) is over the limit; 0 if it fits."""
    return max(0, utf16_length(answer_message(question, answer)) - MESSAGE_LIMIT)


def has_words(text: str) -> bool:
    """Whether the matcher sees any word in a phrasing (greetings, punctuation, emoji and
    请问 are dropped first); one without words can never be matched."""
    return bool(normalize(text))


def entry_problems(entry: Entry) -> list[tuple[int | None, str]]:
    """Each limit the entry breaks, in English (for kb lint and the Excel import), with the
    position of the phrasing it is about among ``entry.phrasings`` (None: the entry itself)."""
    problems: list[tuple[int | None, str]] = []
    if len(entry.id) > ID_LIMIT:
        problems.append((None, f"id is {len(entry.id)} characters, over the limit of {ID_LIMIT}"))
    if len(entry.category) > CATEGORY_LIMIT:
        problems.append(
            (
                None,
                f"category is {len(entry.category)} characters, over the limit of "
                f"{CATEGORY_LIMIT}",
            )
        )
    excess = answer_excess(entry.question, entry.answer)
    if excess:
        problems.append(
            (
                None,
                f"the answer with its 【question】 header is {MESSAGE_LIMIT + excess} UTF-16 "
                f"units, over Telegram's limit of {MESSAGE_LIMIT} for one message (cut {excess})",
            )
        )
    for position, phrasing in enumerate(entry.phrasings):
        if not has_words(phrasing):
            problems.append(
                (
                    position,
                    f"{phrasing!r} has no words once greetings, punctuation and emoji are left"
                    " out, so it can never match",
                )
            )
    return problems

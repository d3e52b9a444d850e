"""Reading a citizen's SMS answer to the callback survey.

The question asks two things in order — solved? satisfied? — each answered
1, 2 or 3; words work too (已解决, 部分解决, 未解决, 满意, 基本满意, 不满意 and
their English). Words fill their own question; digits fill the questions
still open, in order, so "2 满意", "满意 2", "22", "2，2" and "部分解决 满意"
all read as partly solved and satisfied.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SOLVED_WORDS = {
    "已解决": "solved", "已经解决": "solved", "解决了": "solved", "解决": "solved",
    "部分解决": "partly", "基本解决": "partly", "部分": "partly",
    "未解决": "not_solved", "没解决": "not_solved", "没有解决": "not_solved",
    "不解决": "not_solved", "没有": "not_solved",
    "solved": "solved", "partly solved": "partly", "partly": "partly",
    "not solved": "not_solved", "unsolved": "not_solved",
}
SATISFACTION_WORDS = {
    "满意": "satisfied", "非常满意": "satisfied", "很满意": "satisfied",
    "基本满意": "basically_satisfied", "比较满意": "basically_satisfied",
    "还行": "basically_satisfied", "一般": "basically_satisfied",
    "不满意": "dissatisfied", "很不满意": "dissatisfied", "非常不满意": "dissatisfied",
    "不太满意": "dissatisfied",
    "satisfied": "satisfied", "basically satisfied": "basically_satisfied",
    "dissatisfied": "dissatisfied", "not satisfied": "dissatisfied",
    "unsatisfied": "dissatisfied",
}
BY_DIGIT = {
    "solved": {"1": "solved", "2": "partly", "3": "not_solved"},
    "satisfaction": {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"},
}
_WORDS = sorted({**SOLVED_WORDS, **SATISFACTION_WORDS}, key=len, reverse=True)
_TOKEN = re.compile("|".join(re.escape(w) for w in _WORDS) + r"|\d")
# What may surround the answer without making it nonsense.
_FILLER = re.compile(r"[\s\W_]|谢谢|谢|好的|您好|你好|回复|答复|thanks|thank you|ok", re.UNICODE)


@dataclass(frozen=True)
class Answer:
    solved: str
    satisfaction: str


def parse(text: str) -> Answer | None:
    """The answer in the message, or None when it does not answer both
    questions unambiguously."""
    text = unicodedata.normalize("NFKC", text or "").lower().strip()
    if not text or len(text) > 160:
        return None
    found: dict[str, str] = {}
    digits: list[str] = []
    for token in _TOKEN.findall(text):
        if token.isdigit():
            digits.append(token)
            continue
        dimension = "solved" if token in SOLVED_WORDS else "satisfaction"
        value = SOLVED_WORDS.get(token) or SATISFACTION_WORDS[token]
        if found.get(dimension, value) != value:
            return None  # two different answers to one question
        found[dimension] = value
    for digit in digits:
        open_ = [d for d in ("solved", "satisfaction") if d not in found]
        if not open_ or digit not in BY_DIGIT[open_[0]]:
            return None
        found[open_[0]] = BY_DIGIT[open_[0]][digit]
    if len(found) != 2:
        return None
    if _FILLER.sub("", _TOKEN.sub("", text)):
        return None  # more than an answer: let a person read it
    return Answer(found["solved"], found["satisfaction"])

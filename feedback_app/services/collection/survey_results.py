"""Results of a survey per question: choice counts, rating distributions and the latest text answers."""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import QuestionKind, Response
from feedback_app.services.collection.responses import SCORE_RANGES

MAX_TEXT_ANSWERS = 50


@dataclass
class QuestionResult:
    """What the answers to one question add up to.

    ``counts`` lists ``(value, count)`` for choices and ratings (every choice and scale value, zeros
    included, in their order); ``texts`` the latest text answers, newest first.
    """

    key: str
    prompt: str
    kind: str
    answered: int = 0
    counts: list = field(default_factory=list)
    texts: list = field(default_factory=list)

    @property
    def most(self):
        """Return the largest count (for bar widths), at least 1."""
        return max([count for _value, count in self.counts] + [1])


def _scale(question):
    low, high = SCORE_RANGES.get(question.kind, (1, int((question.options or {}).get("max", 5))))
    return list(range(low, high + 1))


def question_results(survey, *, max_texts=MAX_TEXT_ANSWERS):
    """Return a :class:`QuestionResult` per question of ``survey``, in the survey's order.

    Answers are read as stored: choices by their label in the survey's default locale, so answers
    given in every language count together; a label the team has since renamed still counts, after
    the current ones.
    """
    rows = db.session.execute(select(Response.answers).where(Response.survey_id == survey.id,
                                                             Response.answers.is_not(None))
                              .order_by(Response.created_at.desc(), Response.id.desc())).scalars()
    questions = list(survey.questions)
    tallies = {question.key: Counter() for question in questions}
    texts = {question.key: [] for question in questions}
    answered = Counter()
    for answers in rows:
        for question in questions:
            value = (answers or {}).get(question.key)
            if value in (None, "", []):
                continue
            answered[question.key] += 1
            if question.kind == QuestionKind.TEXT:
                if len(texts[question.key]) < max_texts:
                    texts[question.key].append(str(value))
            else:
                tallies[question.key].update(value if isinstance(value, list) else [value])
    results = []
    for question in questions:
        prompts = question.prompts or {}
        prompt = prompts.get(survey.default_locale) or next(iter(prompts.values()), "")
        result = QuestionResult(key=question.key, prompt=prompt, kind=question.kind.value,
                                answered=answered[question.key], texts=texts[question.key])
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            offered = ((question.options or {}).get("choices") or {}).get(survey.default_locale, [])
            values = list(offered) + [value for value in tallies[question.key] if value not in offered]
            result.counts = [(value, tallies[question.key][value]) for value in values]
        elif question.kind != QuestionKind.TEXT:
            result.counts = [(value, tallies[question.key][value]) for value in _scale(question)]
        results.append(result)
    return results

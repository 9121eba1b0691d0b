"""A churn-exit survey's reasons: a stable key each, which answers store, and its wording per locale.

A reason's key is its default-locale wording when it was first written ("Too expensive"), so
what answers store stays readable; it stays the same when the wording changes or other
languages are added, so answers given in French and in English count as the same reason.
A locale without its own text for a reason shows the default locale's.
"""
from feedback_app.models import SurveyKind

MAX_REASONS = 30
MAX_REASON_LENGTH = 200  # responses.churn_reason and the rollup's key hold this many characters


def reason_text(survey, key, locale=None):
    """Return what reason ``key`` says in ``locale``, else in the survey's default locale, else the key itself."""
    texts = getattr(survey, "churn_reason_texts", None) or {}
    return (texts.get(locale) or {}).get(key) or (texts.get(survey.default_locale) or {}).get(key) or key


def localized_reasons(survey, locale):
    """Return the survey's reasons as ``[(key, text in locale)]``, in their order."""
    return [(key, reason_text(survey, key, locale)) for key in survey.churn_reasons or ()]


def reason_key(survey, value):
    """Return the key of the reason ``value`` names, by its key or its text in any locale; ``None`` if none.

    The widget posts the text it showed; the hosted page and the API post the key.
    """
    keys = list(survey.churn_reasons or ())
    if value in keys:
        return value
    for texts in (getattr(survey, "churn_reason_texts", None) or {}).values():
        for key, text in texts.items():
            if text == value and key in keys:
                return key
    return None


def new_key(text, taken):
    """Return the key of a reason first written as ``text``: the text itself, numbered if another reason has it."""
    key, number = text.strip()[:MAX_REASON_LENGTH], 2
    while key in taken:
        suffix = f" ({number})"
        key, number = text.strip()[:MAX_REASON_LENGTH - len(suffix)] + suffix, number + 1
    return key


def clean_texts(keys, texts, default_locale):
    """Return ``texts`` stripped, without blanks, and with each key's default-locale text (the key, if missing)."""
    cleaned = {locale: {key: text.strip() for key, text in values.items() if text and text.strip()}
               for locale, values in (texts or {}).items()}
    default = cleaned.setdefault(default_locale, {})
    for key in keys:
        default.setdefault(key, key)
    return {locale: values for locale, values in cleaned.items() if values}


def check_reasons(kind, keys, texts, locales, *, stored_keys=(), stored_texts=None):
    """Return the problems of a survey's reasons as ``{field: [problem]}`` (empty when all is well).

    Fields: ``churn_reasons`` (the list), ``churn_reasons.<i>`` (a key), ``churn_reason_texts.<locale>``
    and ``churn_reason_texts.<locale>.<key>``.

    :param stored_keys: the reasons already stored, and ``stored_texts`` theirs: a survey of another
        type that has some from an older form keeps them as they are, but gets no others.
    """
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return {"churn_reasons": ["a list of reasons"]}
    if kind != SurveyKind.CHURN_EXIT:
        given = keys or any((texts or {}).values())
        unchanged = keys == list(stored_keys) and (texts or {}) == (stored_texts or {})
        return {"churn_reasons": ["only churn-exit surveys have reasons"]} if given and not unchanged else {}
    if not keys:
        return {"churn_reasons": ["a churn-exit survey needs at least one reason"]}
    if len(keys) > MAX_REASONS:
        return {"churn_reasons": [f"at most {MAX_REASONS} reasons"]}
    problems = {}
    for index, key in enumerate(keys):
        if not key.strip() or len(key) > MAX_REASON_LENGTH:
            problems[f"churn_reasons.{index}"] = [f"1-{MAX_REASON_LENGTH} characters"]
        elif key in keys[:index]:
            problems[f"churn_reasons.{index}"] = ["each reason once"]
    problems.update(_text_problems(keys, texts, locales))
    return problems


def _text_problems(keys, texts, locales):
    if not isinstance(texts, dict) or not all(isinstance(values, dict) for values in texts.values()):
        return {"churn_reason_texts": ["an object of {reason key: text} per locale"]}
    problems, owner = {}, {key: key for key in keys}  # which reason each wording names, across locales
    for locale, values in texts.items():
        if locale not in locales:
            problems[f"churn_reason_texts.{locale}"] = [f"not a locale of this survey ({', '.join(locales)})"]
            continue
        for key, text in values.items():
            field = f"churn_reason_texts.{locale}.{key}"
            if key not in keys:
                problems[field] = ["not one of the survey's reasons"]
            elif not isinstance(text, str) or len(text) > MAX_REASON_LENGTH:
                problems[field] = [f"text of at most {MAX_REASON_LENGTH} characters"]
            elif text.strip() and owner.setdefault(text.strip(), key) != key:
                # The widget posts the wording it showed: each wording must name one reason only.
                problems[field] = [f"another reason already says {text.strip()!r}"]
    return problems

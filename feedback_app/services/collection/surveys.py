"""Create and configure surveys."""
import re

from feedback_app.extensions import db
from feedback_app.models import RecontactScope, Survey, SurveyKind
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.collection import churn_reasons as reasons
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.transaction import transactional

# A survey's colour goes into the CSS of the widget, the hosted pages and the emails: only an opaque
# hex colour gets there (#rgb or #rrggbb: 4, 5 or 7 digits are no colour, 8 may be transparent).
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_THEME_COLOR = "#4f46e5"


def theme_color(survey):
    """Return the survey's colour if it is a plain hex colour, else the default one."""
    return survey.theme_color if HEX_COLOR.match(survey.theme_color or "") else DEFAULT_THEME_COLOR


DEFAULT_TEXTS = {
    SurveyKind.NPS: {
        "en": {
            "question": "How likely are you to recommend {product} to a friend or colleague?",
            "low_label": "Not at all likely", "high_label": "Extremely likely",
            "why_promoter": "What do you like most about {product}?",
            "why_passive": "What would make {product} a 10 for you?",
            "why_detractor": "We're sorry. What disappointed you most?",
            "thanks": "Thank you for your feedback!",
        },
        "fr": {
            "question": "Quelle est la probabilité que vous recommandiez {product} à un ami ou un collègue ?",
            "low_label": "Pas du tout probable", "high_label": "Très probable",
            "why_promoter": "Qu'appréciez-vous le plus dans {product} ?",
            "why_passive": "Que faudrait-il pour que {product} mérite un 10 ?",
            "why_detractor": "Nous en sommes désolés. Qu'est-ce qui vous a le plus déçu ?",
            "thanks": "Merci pour votre avis !",
        },
    },
    SurveyKind.CSAT: {
        "en": {"question": "How satisfied are you with {product}?", "low_label": "Very unsatisfied",
               "high_label": "Very satisfied", "why": "Tell us more about your experience.",
               "thanks": "Thank you for your feedback!"},
        "fr": {"question": "Êtes-vous satisfait de {product} ?", "low_label": "Très insatisfait",
               "high_label": "Très satisfait", "why": "Dites-nous en plus sur votre expérience.",
               "thanks": "Merci pour votre avis !"},
    },
    SurveyKind.CES: {
        "en": {"question": "How easy was it to get what you needed from {product}?", "low_label": "Very difficult",
               "high_label": "Very easy", "why": "What made it easy or hard?", "thanks": "Thank you!"},
        "fr": {"question": "Était-il facile d'obtenir ce dont vous aviez besoin avec {product} ?",
               "low_label": "Très difficile", "high_label": "Très facile",
               "why": "Qu'est-ce qui l'a rendu facile ou difficile ?", "thanks": "Merci !"},
    },
    SurveyKind.CHURN_EXIT: {
        "en": {"question": "Sorry to see you go. Why are you leaving?", "why": "Anything you'd like to add?",
               "kept": "What would have kept you?", "thanks": "Thank you, and good luck!"},
        "fr": {"question": "Dommage de vous voir partir. Pourquoi partez-vous ?",
               "why": "Voulez-vous ajouter quelque chose ?", "kept": "Qu'est-ce qui vous aurait fait rester ?",
               "thanks": "Merci, et bonne continuation !"},
    },
    SurveyKind.CUSTOM: {
        "en": {"question": "", "thanks": "Thank you for your feedback!"},
        "fr": {"question": "", "thanks": "Merci pour votre avis !"},
    },
}

UNNAMED_PRODUCT = {"en": "our product", "fr": "notre produit"}


@transactional
def new_survey(workspace, *, name, kind, texts=None, churn_reasons=(), churn_reason_texts=None, default_locale="en",
               trigger=None, channels=None, sampling_percent=100, recontact_days=None,
               recontact_scope=RecontactScope.WORKSPACE, product=None):
    """Create a survey with the default wording of its kind in every supported locale.

    :param texts: per-locale overrides, merged over the defaults.
    :param churn_reasons: the reasons' keys (``churn_reasons`` module); ``churn_reason_texts`` their
        wording per locale, ``{locale: {key: text}}``: each key is its own ``default_locale`` text unless given.
    :param product: the name the default wording asks about; without one, "our product" in each language.
    :param recontact_scope: ``"workspace"`` (being asked any survey holds it back) or ``"survey"`` (its own only).
    :raises InvalidInput: for an unknown kind, a sampling outside 0-100 or a churn survey without reasons.
    """
    try:
        kind = SurveyKind(kind)
    except ValueError:
        raise InvalidInput(f"Unknown survey kind {kind!r}.",
                           fields={"kind": [f"one of {', '.join(SurveyKind)}"]}) from None
    if not 0 <= int(sampling_percent) <= 100:
        raise InvalidInput("Sampling must be between 0 and 100 percent.", fields={"sampling_percent": ["0-100"]})
    if kind == SurveyKind.CHURN_EXIT and not churn_reasons:
        raise InvalidInput("A churn-exit survey needs at least one reason.", fields={"churn_reasons": ["required"]})
    merged = {}
    for locale, defaults in DEFAULT_TEXTS[kind].items():
        named = product or UNNAMED_PRODUCT.get(locale, UNNAMED_PRODUCT["en"])
        merged[locale] = {key: value.replace("{product}", named) for key, value in defaults.items()}
    for locale, overrides in (texts or {}).items():
        merged.setdefault(locale, {}).update(overrides)
    survey = Survey(
        workspace_id=workspace.id,
        name=name,
        kind=kind,
        texts=merged,
        churn_reasons=list(churn_reasons),
        churn_reason_texts=reasons.clean_texts(list(churn_reasons), churn_reason_texts, default_locale),
        default_locale=default_locale,
        trigger=trigger or {"type": "page_load", "delay_seconds": 5},
        channels=channels or ["widget", "link", "email"],
        sampling_percent=int(sampling_percent),
        recontact_days=recontact_days,
        recontact_scope=RecontactScope(recontact_scope),
    )
    db.session.add(survey)
    db.session.flush()
    record_event("survey.created", workspace_id=workspace.id, target=survey, data={"kind": kind.value})
    return survey

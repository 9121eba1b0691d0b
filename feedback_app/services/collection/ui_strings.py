"""The built-in strings customers see on the hosted pages, in the widget and in emails, in every offered locale.

A survey's own wording (its question, labels, thanks) lives in ``Survey.texts``; what every
survey shares (the Send button, "Please pick a score.", the error pages) lives here, so that a
French page has no English left in it. WTForms' own messages ("This field is required.") come
from WTForms' catalogues in the same locale (``widgets.forms``).
"""
UI_STRINGS = {
    "en": {
        "send": "Send",
        "close": "Close",
        "survey": "Survey",
        "thanks": "Thank you!",
        "pick_score": "Please pick a score.",
        "pick_reason": "Please pick a reason.",
        "required": "Please answer this question.",
        "answer_one": "Please answer at least one question.",
        "honeypot_label": "Leave this empty",
        "honeypot_error": "Leave this field empty.",
        "error": "Sorry, that did not work. Please try again.",
        "error_title_400": "This link does not work",
        "error_title_404": "Survey not found",
        "error_title_other": "Something went wrong",
        "error_detail_400": "This link is not valid. It may have been changed, copied incompletely or have expired.",
        "error_detail_404": "This survey does not exist or is closed.",
        "error_detail_429": "Too many answers from here in a short time. Please try again in a minute.",
        "error_detail_other": "The answer could not be recorded.",
        "nothing_recorded": "Nothing was recorded. If you followed a link from an email, the most recent email "
                            "has a working link.",
        "email_hello": "Hello",
        "email_answer": "Answer the survey",
        "email_unsubscribe": "Unsubscribe",
        "email_stop": "Stop receiving these emails",
        "email_reminder": "Reminder: ",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_ask": "Stop all emails from %(workspace)s to %(email)s?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_detail": "%(email)s will get no more emails from %(workspace)s.",
    },
    "fr": {
        "send": "Envoyer",
        "close": "Fermer",
        "survey": "Questionnaire",
        "thanks": "Merci !",
        "pick_score": "Veuillez choisir une note.",
        "pick_reason": "Veuillez choisir une raison.",
        "required": "Veuillez répondre à cette question.",
        "answer_one": "Veuillez répondre à au moins une question.",
        "honeypot_label": "Laissez ce champ vide",
        "honeypot_error": "Laissez ce champ vide.",
        "error": "Désolé, cela n'a pas fonctionné. Veuillez réessayer.",
        "error_title_400": "Ce lien ne fonctionne pas",
        "error_title_404": "Questionnaire introuvable",
        "error_title_other": "Une erreur s'est produite",
        "error_detail_400": "Ce lien n'est pas valide. Il a peut-être été modifié, copié en partie ou a expiré.",
        "error_detail_404": "Ce questionnaire n'existe pas ou est fermé.",
        "error_detail_429": "Trop de réponses depuis cet endroit en peu de temps. Veuillez réessayer dans une minute.",
        "error_detail_other": "La réponse n'a pas pu être enregistrée.",
        "nothing_recorded": "Rien n'a été enregistré. Si vous avez suivi le lien d'un email, le plus récent "
                            "contient un lien valide.",
        "email_hello": "Bonjour",
        "email_answer": "Répondre",
        "email_unsubscribe": "Ne plus recevoir ces emails",
        "email_stop": "Ne plus recevoir ces emails",
        "email_reminder": "Rappel : ",
        "unsubscribe_title": "Se désabonner",
        "unsubscribe_ask": "Ne plus envoyer aucun email de %(workspace)s à %(email)s ?",
        "unsubscribe_button": "Me désabonner",
        "unsubscribed_title": "Vous êtes désabonné",
        "unsubscribed_detail": "%(email)s ne recevra plus d'emails de %(workspace)s.",
    },
}
LOCALES = tuple(UI_STRINGS)
DEFAULT_LOCALE = "en"


def ui_locale(locale):
    """Return the offered locale closest to ``locale`` (``fr-CA`` -> ``fr``), else English."""
    text = str(locale or "").replace("_", "-")
    for option in (text, text.split("-")[0].lower()):
        if option in UI_STRINGS:
            return option
    return DEFAULT_LOCALE


def ui_texts(locale):
    """Return every built-in customer-facing string in the offered locale closest to ``locale``."""
    return UI_STRINGS[ui_locale(locale)]


def error_texts(locale, status):
    """Return ``(title, detail)`` of a hosted error page for HTTP ``status`` in ``locale``.

    The pages show these instead of the service's message, which is written in English for the API.
    """
    texts = ui_texts(locale)
    title = texts.get(f"error_title_{status}", texts["error_title_other"])
    detail = texts.get(f"error_detail_{status}", texts["error_detail_other"])
    return title, detail

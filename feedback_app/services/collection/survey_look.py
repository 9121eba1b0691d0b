"""How a survey looks to customers on the widget, the hosted pages and the invitation emails."""
from dataclasses import dataclass

from feedback_app.services.collection.surveys import DEFAULT_THEME_COLOR, theme_color
from feedback_app.services.collection.ui_strings import ui_texts


@dataclass(frozen=True)
class SurveyLook:
    """The colour, logo and intro text of a survey, and the built-in strings of its locale."""

    color: str
    logo_url: str | None
    intro_text: str | None
    strings: dict


def survey_color(survey, workspace):
    """Return the survey's own colour, or the workspace's brand colour while the survey keeps the default."""
    own = theme_color(survey)
    if own.lower() == DEFAULT_THEME_COLOR and workspace is not None and workspace.brand_color:
        return workspace.brand_color
    return own


def survey_look(survey, workspace, locale):
    """Return the :class:`SurveyLook` of ``survey`` (owned by ``workspace``) shown in ``locale``."""
    return SurveyLook(color=survey_color(survey, workspace), logo_url=getattr(workspace, "logo_url", None),
                      intro_text=getattr(workspace, "intro_text", None), strings=ui_texts(locale))

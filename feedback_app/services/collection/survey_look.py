"""How a survey looks to customers on the widget, the hosted pages and the invitation emails."""
from dataclasses import dataclass

from feedback_app.services.accounts.workspace_settings import MIN_CONTRAST_WITH_WHITE, contrast_ratio
from feedback_app.services.collection.surveys import DEFAULT_THEME_COLOR, theme_color
from feedback_app.services.collection.ui_strings import ui_texts

WHITE, BLACK = "#ffffff", "#000000"
# The pages' own text colour, for text drawn in the survey's colour on white where that colour is too light.
INK = "#1f2937"


@dataclass(frozen=True)
class SurveyLook:
    """The colour, logo and intro text of a survey, and the built-in strings of its locale."""

    color: str
    logo_url: str | None
    intro_text: str | None
    strings: dict
    text_on_color: str = WHITE  # text on a button or score filled with ``color``
    color_on_white: str = INK  # text written in ``color`` on the white page (links, email score buttons)


def text_on(color):
    """Return the text colour readable on ``color`` (a ``#rgb``/``#rrggbb`` hex): white, else black.

    Settings > Survey look refuses a brand colour too light for white text, but a survey's own colour
    is not checked there. Black is the fallback because on any colour the better of white and black
    reaches 4.58:1, over WCAG AA's 4.5:1.
    """
    return WHITE if contrast_ratio(color, WHITE) >= MIN_CONTRAST_WITH_WHITE else BLACK


def on_white(color):
    """Return ``color`` where it is readable as text on white (4.5:1), else the pages' ink colour."""
    return color if contrast_ratio(color, WHITE) >= MIN_CONTRAST_WITH_WHITE else INK


def survey_color(survey, workspace):
    """Return the survey's own colour, or the workspace's brand colour while the survey keeps the default."""
    own = theme_color(survey)
    if own.lower() == DEFAULT_THEME_COLOR and workspace is not None and workspace.brand_color:
        return workspace.brand_color
    return own


def survey_look(survey, workspace, locale):
    """Return the :class:`SurveyLook` of ``survey`` (owned by ``workspace``) shown in ``locale``."""
    color = survey_color(survey, workspace)
    return SurveyLook(color=color, logo_url=getattr(workspace, "logo_url", None),
                      intro_text=getattr(workspace, "intro_text", None), strings=ui_texts(locale),
                      text_on_color=text_on(color), color_on_white=on_white(color))

"""Create and look up workspaces (tenants)."""
import re

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Workspace
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound
from feedback_app.services.collection.origins import clean_origins
from feedback_app.services.transaction import transactional


def slugify(name):
    """Return a URL-safe slug for a workspace name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


@transactional
def create_workspace(name, *, slug=None, allowed_origins=()):
    """Create a workspace with fresh public and signing keys.

    :param name: display name, unique across the installation.
    :param allowed_origins: checked as the dashboard checks them (:func:`origins.clean_origins`).
    :raises InvalidInput: if the name is empty or yields an empty slug, or for a malformed origin.
    :raises Conflict: if a workspace with that name or slug exists.
    """
    name = (name or "").strip()
    slug = slugify(slug or name)
    if not name or not slug:
        raise InvalidInput("A workspace needs a name with at least one letter or digit.", fields={"name": ["required"]})
    taken = db.session.scalar(select(Workspace).where((Workspace.name == name) | (Workspace.slug == slug)))
    if taken is not None:
        raise Conflict(f"A workspace named {name!r} already exists.")
    workspace = Workspace(name=name, slug=slug, allowed_origins=clean_origins(allowed_origins))
    db.session.add(workspace)
    db.session.flush()
    record_event("workspace.created", workspace_id=workspace.id, target=workspace)
    return workspace


def get_workspace_by_name(name):
    """Return the workspace called ``name`` (or with that slug).

    :raises NotFound: if there is none.
    """
    workspace = db.session.scalar(select(Workspace).where((Workspace.name == name) | (Workspace.slug == name)))
    if workspace is None:
        raise NotFound(f"No workspace named {name!r}.")
    return workspace

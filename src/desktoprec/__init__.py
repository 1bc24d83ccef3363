"""desktoprec: a desktop music recommender for Spotify listeners."""

from __future__ import annotations

__all__ = ["APP_NAME", "HOMEPAGE", "__version__"]

APP_NAME = "desktoprec"
# the project's home (pyproject's [project.urls] and the AppStream metainfo say the same; a test
# keeps them in step): the contact in the User-Agent the catalogue services ask for
HOMEPAGE = "https://github.com/desktoprec/desktoprec"
__version__ = "0.1.0"

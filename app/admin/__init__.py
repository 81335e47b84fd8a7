"""Administration of the platform.

The blueprint lives here so that each part of the back office (``routes``, ``territory``…) can add
its views to it without importing another part.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

"""The back office's blueprint, shared by its section modules (routes, people, associations)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

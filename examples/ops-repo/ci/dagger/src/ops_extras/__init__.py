"""The ops repository's own Dagger functions (see main.py)."""

from .main import OpsExtras as OpsExtras

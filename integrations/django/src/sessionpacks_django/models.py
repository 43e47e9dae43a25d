"""No Django models: sessionpacks' tables belong to its own Alembic lineage.

The module exists because Django sends ``post_migrate`` only to apps that have one, and that
signal is how ``manage.py migrate`` keeps sessionpacks' tables up to date (see ``schema``).
"""

"""The class layer: a teacher's class of students, kept in a database (``store``), with its secrets (``codes``).

No Streamlit here: ``ui/`` calls ``store.Store``'s narrow API, and nothing below the UI knows classes exist.
"""

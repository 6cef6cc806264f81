"""Streamlit glue shared by the pages: URL-synced widgets, presenter mode, badges, exports.

equity/ stays free of streamlit; pages stay thin by calling these helpers.
"""

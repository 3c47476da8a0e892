"""The Panel dashboard: upload, library, playback and insights, as a client of the API."""

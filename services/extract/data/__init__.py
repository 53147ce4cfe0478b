"""Generated data of the extract worker (see gazetteer_build.py); no code runs here."""

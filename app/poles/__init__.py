"""The territory and its units (each collectivity names them: ``app.identity``)."""

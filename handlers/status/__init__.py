"""Project status updates: the registry of projects and the progress updates read from chat."""

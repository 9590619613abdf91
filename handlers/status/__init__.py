"""Project status updates (being built): so far the parser that reads a progress update
(project, raised, target, donations, percent, stage, beneficiaries) and its CLI,
``shanlin status parse`` / ``parse-test``. The registry, the chat flow, reports and exports
come next, with FEATURE."""

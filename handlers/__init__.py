"""The features, framework-free: ``core`` (the update model, ports, dispatch), ``shared``
(what two or more features use) and one subpackage per feature, each exporting ``FEATURE``."""

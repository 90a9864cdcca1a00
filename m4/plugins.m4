# Plugins built in this tree: one FVEVAL_PLUGIN line each.

# Plugins built in this tree: one FVEVAL_PLUGIN line each.
FVEVAL_PLUGIN([common], [fvd], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])

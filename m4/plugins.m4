# Plugins built in this tree: one FVEVAL_PLUGIN line each.
FVEVAL_PLUGIN([physics_iq])
FVEVAL_PLUGIN([physics_iq], [mse])
FVEVAL_PLUGIN([physics_iq], [spatial_iou])
FVEVAL_PLUGIN([physics_iq], [spatiotemporal_iou])
FVEVAL_PLUGIN([physics_iq], [weighted_spatial_iou])
FVEVAL_PLUGIN([common], [fvd], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])

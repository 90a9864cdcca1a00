# Plugins built in this tree: one FVEVAL_PLUGIN line each.
# pixel metrics; their per-pixel loops want GCC's full vectoriser cost model
# (plain -O2 skips loops that need a remainder or a runtime check).
PIXEL_KERNEL_CFLAGS=
AX_CHECK_COMPILE_FLAG_SIMPLE([-fvect-cost-model=dynamic],
  [PIXEL_KERNEL_CFLAGS=-fvect-cost-model=dynamic])
AC_SUBST([PIXEL_KERNEL_CFLAGS])
FVEVAL_PLUGIN([common], [psnr])
FVEVAL_PLUGIN([common], [ssim])
FVEVAL_PLUGIN([vbench], [temporal_flickering])

# SPDX-License-Identifier: Apache-2.0
# AX_CHECK_COMPILE_FLAG_SIMPLE(FLAG, ACTION-IF-OK)
# Checks that the C compiler accepts FLAG (with -Werror so it is not just ignored).
AC_DEFUN([AX_CHECK_COMPILE_FLAG_SIMPLE], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  fveval_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -Werror $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); CFLAGS=$fveval_save_CFLAGS; $2],
    [AC_MSG_RESULT([no]); CFLAGS=$fveval_save_CFLAGS])
])

# FVEVAL_PLUGIN(GROUP, [NAME], [DEPS-OK-SHELL-CONDITION], [WHY-IF-NOT])
# Adds --disable-plugin-GROUP-NAME and the automake conditional
# PLUGIN_GROUP_NAME.  An empty NAME is a plugin that sits in the group's own
# directory (physics_iq/metric.so is the metric physics_iq): its switch is
# --disable-plugin-GROUP and its conditional PLUGIN_GROUP.  When
# DEPS-OK-SHELL-CONDITION is false the plugin is off with WHY-IF-NOT printed;
# asking for it explicitly is then an error.
AC_DEFUN([FVEVAL_PLUGIN], [
  m4_pushdef([fv_name], m4_ifval([$2], [$1.$2], [$1]))
  m4_pushdef([fv_opt], m4_ifval([$2], [$1-$2], [$1]))
  m4_pushdef([fv_id], m4_translit(m4_ifval([$2], [$1_$2], [$1]), [-.], [__]))
  m4_pushdef([fv_ID], m4_toupper(fv_id))
  dnl The help text is expanded late (after the popdefs), so it spells out $1/$2.
  AC_ARG_ENABLE([plugin-]fv_opt,
    [AS_HELP_STRING(m4_ifval([$2], [[--disable-plugin-$1-$2]], [[--disable-plugin-$1]]),
                    m4_ifval([$2], [[do not build the $1.$2 metric]], [[do not build the $1 metric]]))],
    [enable_plugin_]fv_id[=$enableval], [enable_plugin_]fv_id[=auto])
  AS_IF([test "x$enable_plugin_]fv_id[" != xno], [
    AS_IF([m4_default([$3], [true])], [enable_plugin_]fv_id[=yes], [
      AS_IF([test "x$enable_plugin_]fv_id[" = xyes],
            [AC_MSG_ERROR([plugin ]fv_name[ requested but $4])],
            [AC_MSG_NOTICE([plugin ]fv_name[ disabled: $4]); enable_plugin_]fv_id[=no])])])
  AS_IF([test "x$enable_plugin_]fv_id[" = xyes],
        [FVEVAL_PLUGINS_ENABLED="$FVEVAL_PLUGINS_ENABLED ]fv_name["])
  AM_CONDITIONAL([PLUGIN_]fv_ID, [test "x$enable_plugin_]fv_id[" = xyes])
  m4_popdef([fv_ID])
  m4_popdef([fv_id])
  m4_popdef([fv_opt])
  m4_popdef([fv_name])
])

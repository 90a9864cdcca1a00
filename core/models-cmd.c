/* SPDX-License-Identifier: Apache-2.0 */
/* `fveval models`: what each metric needs, what is present, how to get the rest. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *status_name(fvi_model_status s)
{
    return s == FVI_MODEL_PRESENT ? "present" : s == FVI_MODEL_MISSING ? "missing" : "bad-sha256";
}

int fvi_cmd_models(fvi_cli *cli, int argc, char **argv)
{
    const char *model_dir = NULL;
    fvi_strv names = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model-dir") == 0 && i + 1 < argc)
            model_dir = argv[++i];
        else if (fvi_str_has_prefix(argv[i], "--model-dir="))
            model_dir = argv[i] + strlen("--model-dir=");
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("Usage: fveval models [--model-dir DIR] [METRIC...]\n"
                  "List the model files each metric needs, which are present, and how to get the\n"
                  "missing ones.  Lookup: --model-dir, $FVEVAL_MODEL_DIR, $XDG_CACHE_HOME/fveval/models\n"
                  "(default ~/.cache/fveval/models).  Exit 1 if any needed file is missing;\n"
                  "options select what is needed (fveval models common.fvd:extractor=clip).\n",
                  stdout);
            fvi_strv_free(&names);
            return FVI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            fvi_strv_free(&names);
            return fvi_cli_error("models: unknown option '%s'", argv[i]);
        } else
            fvi_strv_push(&names, argv[i]);
    }
    fvi_cli_scan(cli);
    fvi_selection sel = {0};
    char *err = NULL;
    int rc = FVI_EXIT_OK;
    if (names.n) {
        size_t len = 1;
        for (size_t i = 0; i < names.n; i++)
            len += strlen(names.v[i]) + 1;
        char *spec = fvi_xcalloc(1, len);
        for (size_t i = 0; i < names.n; i++) {
            if (i)
                strcat(spec, ",");
            strcat(spec, names.v[i]);
        }
        int r = fvi_select(&cli->reg, spec, &sel, &err);
        free(spec);
        if (r < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
    } else if (cli->reg.n_metrics && fvi_select(&cli->reg, "all", &sel, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    char *dir = fvi_model_dir_resolve(model_dir);
    printf("Model directory: %s\n", dir);
    size_t shown = 0;
    for (size_t i = 0; i < sel.n; i++) {
        const fvi_metric *m = sel.items[i].metric;
        const fveval_model_file *mf = m->desc->models;
        if (!mf || !mf[0].name)
            continue;
        printf("\n%s\n", m->name);
        shown++;
        /* With the options given (or the defaults), which files are needed at all. */
        char *ierr = NULL;
        fvi_instance *inst = fvi_instance_new(m, sel.items[i].options, &ierr);
        free(ierr);
        for (size_t k = 0; mf[k].name; k++) {
            char *why = NULL;
            fvi_model_status st = fvi_model_check(dir, &mf[k], NULL, &why);
            bool needed = fvi_model_needed(m, inst, mf[k].name);
            printf("  %-10s %s%s\n", status_name(st), mf[k].name, needed ? "" : "  (not needed with these options)");
            if (st != FVI_MODEL_PRESENT) {
                if (needed)
                    rc = FVI_EXIT_PARTIAL;
                if (st == FVI_MODEL_BAD_HASH)
                    printf("             %s\n", why);
                if (mf[k].source)
                    printf("             source: %s\n", mf[k].source);
                if (mf[k].recipe)
                    printf("             recipe: %s\n", mf[k].recipe);
            }
            free(why);
        }
        fvi_instance_free(inst);
    }
    if (!shown)
        printf("\n(no selected metric needs model files)\n");
    free(dir);
out:
    fvi_selection_free(&sel);
    fvi_strv_free(&names);
    free(err);
    return rc;
}

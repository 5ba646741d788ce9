/* midway-contract: the tables of the wire contract (docs/contract.md),
 * printed from the code that enforces it: every field of the registration
 * from the field table (lib/event/fields.c, itself checked against
 * schemas/registration.avsc by unit.fields), the kinds, and every code
 * list with its labels (lib/event/codes.c). docs/contract.md holds this
 * output between its "generated" markers; the test docs.contract fails
 * when the two differ, so the document cannot drift from the code.
 *
 *   midway-contract            Markdown on stdout
 */
#include <stdio.h>
#include <string.h>

#include "midway/cli.h"
#include "midway/codes.h"
#include "midway/event.h"
#include "midway/fields.h"

#define PROG "midway-contract"

static const struct mw_cli cli = {
    PROG,
    "[OPTION]...",
    "Print the tables of the wire contract (docs/contract.md) from the field "
    "table and the code lists.",
    NULL,
    0,
    0,
    "The output is Markdown; docs/contract.md holds it between its "
    "\"generated\"\nmarkers (the test docs.contract compares them).",
    NULL};

static const char *
wire_type(const struct mw_field *f)
{
        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_ACTION:
                return "`string`";
        case MW_FT_UUID:
                return "`string` (uuid)";
        case MW_FT_INT:
                return "`int`";
        case MW_FT_DATE:
                return "`int` (date)";
        case MW_FT_TIMESTAMP:
                return "`long` (timestamp-millis)";
        case MW_FT_OPT_STRING:
                return "`[\"null\", \"string\"]`, default null";
        case MW_FT_OPT_DATE:
                return "`[\"null\", date]`, default null";
        case MW_FT_CODES:
                return "`array` of `string`";
        case MW_FT_OPT_CODES:
                return "`[\"null\", array of string]`, default null";
        case MW_FT_PAYLOAD:
                return "union of the kinds' records";
        }
        return "?";
}

/* The field's own limit, as far as the table states it; the rules across
 * fields are in docs/contract.md's prose ("What the consumer checks"). */
static void
print_limit(const struct mw_field *f)
{
        if (f->codelist >= 0) {
                printf("a code of `%s`",
                       mw_codes_list_name((enum mw_codelist)f->codelist));
                if (f->max_items > 0)
                        printf(", at most %d, none twice", f->max_items);
        } else if (f->alphabet) {
                printf("1-%zu characters of A-Z a-z 0-9 and `%s`", f->size - 1,
                       f->alphabet);
        } else if ((f->type == MW_FT_STRING || f->type == MW_FT_UUID) &&
                   f->record != MW_REC_HEADER) {
                printf("at most %zu bytes", f->size - 1);
        } else if (f->type == MW_FT_ACTION) {
                printf("`new`, `correction` or `retraction`");
        } else if (f->type == MW_FT_DATE || f->type == MW_FT_OPT_DATE) {
                printf("2014-10-01 to 2099-12-31");
        } else {
                printf("see \"What the consumer checks\"");
        }
}

static void
print_fields(void)
{
        const struct mw_kind_info *k;
        const struct mw_field *f;
        size_t n, i;

        printf("| record | field | Avro type | limit | export column |\n"
               "|---|---|---|---|---|\n");
        f = mw_fields(&n);
        for (i = 0; i < n; i++) {
                k = f[i].record == MW_REC_HEADER
                        ? NULL
                        : mw_kind_info((enum mw_kind)f[i].record);
                printf("| %s | `%s` | %s | ", k ? k->record : "Registration",
                       f[i].name, wire_type(&f[i]));
                print_limit(&f[i]);
                printf(" | %s%s%s |\n", f[i].column ? "`" : "",
                       f[i].column ? f[i].column : "-", f[i].column ? "`" : "");
        }
}

static void
print_kinds(void)
{
        const struct mw_kind_info *k;
        int kind;

        printf("| kind (`event.kind`) | payload record | export word "
               "(`haendelse`) |\n|---|---|---|\n");
        for (kind = 0; (k = mw_kind_info((enum mw_kind)kind)); kind++)
                printf("| `%s` | `%s` | `%s` |\n", k->name, k->record,
                       k->word_da);
}

static void
print_codes(void)
{
        const struct mw_code *c;
        size_t n, i;
        int list, grouped;

        for (list = 0; list < MW_CL_COUNT; list++) {
                c = mw_codes_list((enum mw_codelist)list, &n);
                grouped = n > 0 && c[0].group != NULL;
                printf("\n#### `%s`\n\n| code | Danish | English |%s\n"
                       "|---|---|---|%s\n",
                       mw_codes_list_name((enum mw_codelist)list),
                       grouped ? " outcome group |" : "",
                       grouped ? "---|" : "");
                for (i = 0; i < n; i++) {
                        printf("| `%s` | %s | %s |", c[i].code, c[i].label_da,
                               c[i].label_en);
                        if (grouped)
                                printf(" %s |", c[i].group ? c[i].group : "");
                        putchar('\n');
                }
        }
}

int
main(int argc, char **argv)
{
        char errstr[256];
        enum mw_cli_rc cli_rc;
        int first = 0;

        cli_rc = mw_cli_start(&cli, argc, argv, NULL, NULL, NULL, 0, 0, &first,
                              errstr, sizeof(errstr));
        if (cli_rc != MW_CLI_RUN)
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        printf("### Fields\n\n");
        print_fields();
        printf("\n### Kinds\n\n");
        print_kinds();
        printf("\n### Code lists\n");
        print_codes();
        return fflush(stdout) == 0 ? MW_EXIT_OK : MW_EXIT_FAILURE;
}

/* midway: the programme's code lists (DOMAIN.md section 4).
 *
 * Codes travel as validated strings, not Avro enums: avro-c 1.11 does not
 * resolve enums by symbol name, and a string code list can grow without a
 * breaking schema change. This table is the single source of the lists;
 * `midway-admin migrate` copies it into PostgreSQL (table code). */
#ifndef MIDWAY_CODES_H
#define MIDWAY_CODES_H

#include <stddef.h>

enum mw_codelist {
        MW_CL_TARGET_GROUP = 0,
        MW_CL_BENEFIT,
        MW_CL_GENDER,
        MW_CL_AGE_BAND,
        MW_CL_PROBLEM_AREA,
        MW_CL_CHANNEL,
        MW_CL_PLACE,
        MW_CL_INTERVENTION_CATEGORY,
        MW_CL_INTERVENTION_STATUS,
        MW_CL_EXIT_REASON,
        MW_CL_MENTOR_TYPE,
        MW_CL_COUNT
};

struct mw_code {
        const char *code;     /* stable ASCII identifier on the wire */
        const char *label_da; /* as the registration tool prints it */
        const char *label_en;
        const char *group; /* exit reasons: job|flexjob|education|other;
                              NULL elsewhere */
};

/* Name of the list, e.g. "exit_reason". */
const char *mw_codes_list_name(enum mw_codelist list);
/* All codes of a list, in the order the report prints them. */
const struct mw_code *mw_codes_list(enum mw_codelist list, size_t *n);
/* Exact match on the code; NULL if not in the list. */
const struct mw_code *mw_codes_find(enum mw_codelist list, const char *code);
/* For imports: matches the code or a Danish or English label, ignoring
 * case and surrounding blanks (UTF-8 input). NULL if nothing matches. */
const struct mw_code *mw_codes_match(enum mw_codelist list, const char *text);

#endif

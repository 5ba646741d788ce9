/* midway-admin's commands that live in files of their own (main.c holds
 * the command line and the others). */
#ifndef MIDWAY_ADMIN_H
#define MIDWAY_ADMIN_H

#include "midway/conf.h"

/* `midway-admin check`: reads every project topic from its first to its
 * last offset and prints, per message, what midway-consumer would do with
 * it (lib/wire/judge.c), writing nothing. MW_EXIT_OK if every message
 * would be stored, 3 if some would be dead-lettered, MW_EXIT_FAILURE if
 * the check itself failed. */
int mw_admin_check(const struct mw_conf *conf);

#endif

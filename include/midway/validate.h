/* midway: validation of a registration against the code lists and the
 * project table. The producer validates before it sends; the consumer
 * validates after it decodes and dead-letters what fails. */
#ifndef MIDWAY_VALIDATE_H
#define MIDWAY_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"
#include "midway/event.h"

/* Checks: event id and citizen ref formats; project exists and the
 * municipality belongs to it; every code is in its list; event_date is on
 * or after the programme start (1 Oct 2014) and not after the day of
 * registered_at; an intervention's end is not before its start; action
 * and supersedes agree (a correction or retraction names the event it
 * replaces, a new event names none). MW_ERR_INVALID with the first reason
 * found. */
mw_err_t mw_event_validate(const struct mw_event *ev, char *errstr,
                           size_t errstr_size);

#endif

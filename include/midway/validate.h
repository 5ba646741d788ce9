/* midway: validation of a registration against the code lists and the
 * project table. The producer validates before it sends; the consumer
 * validates after it decodes and dead-letters what fails. */
#ifndef MIDWAY_VALIDATE_H
#define MIDWAY_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"
#include "midway/event.h"

/* The strict alphabets of identifier fields besides ASCII letters and
 * digits (docs/schemas.md): a case system's intervention id, and the
 * producer's name (a host name, or producer.id). */
#define MW_INTREF_CHARS   "-._:/#"
#define MW_PRODUCER_CHARS "-._:@/+"

/* Checks: event id and citizen ref formats; key_id is 16 lowercase hex
 * digits; producer_id and intervention_ref are in their alphabets above;
 * registered_at lies between the programme start and a day after this
 * machine's clock; every date is at most MW_DATE_LAST; project exists and the
 * municipality belongs to it; every code is in its list; event_date is on
 * or after the programme start (1 Oct 2014) and not after the day of
 * registered_at; an intervention's end is not before its start; action
 * and supersedes agree (a correction or retraction names the event it
 * replaces, a new event names none). MW_ERR_INVALID with the first reason
 * found. */
mw_err_t mw_event_validate(const struct mw_event *ev, char *errstr,
                           size_t errstr_size);

/* The name of the first string field of ev that holds a CPR number in any
 * spelling (mw_cpr_find()), or NULL. Say the name, never the value. */
const char *mw_event_cpr_field(const struct mw_event *ev);

#endif

/* midway: calendar dates as days since 1970-01-01 (Avro "date"). */
#ifndef MIDWAY_DATE_H
#define MIDWAY_DATE_H

#include <stdint.h>

#include "midway/err.h"

/* 1 <= month <= 12, day valid for the month (leap years honoured),
 * 1900 <= year <= 2199. */
int mw_date_valid(int year, int month, int day);
int32_t mw_date_from_ymd(int year, int month, int day);
void mw_date_to_ymd(int32_t days, int *year, int *month, int *day);

/* Parses "dd-mm-yyyy" (Danish exports; also accepts '.' or '/' as the
 * separator) or "yyyy-mm-dd" (ISO). Nothing may follow the date. Exactly
 * two digits for day and month, four for the year; blanks (space, tab)
 * before and after the date are allowed and ignored, nothing else is. */
mw_err_t mw_date_parse(const char *s, int32_t *days, char *errstr,
                       size_t errstr_size);

/* The last date midway accepts anywhere (2099-12-31): every date that
 * passes validation can be written as "yyyy-mm-dd" and stored by
 * PostgreSQL. */
#define MW_DATE_LAST 47481

/* Writes "yyyy-mm-dd" into out (11 bytes) and returns 0; for a date
 * before year 0 or after 9999, which has no such form, writes "" and
 * returns -1 (never a made-up date such as "0000-00-00"). */
int mw_date_format(int32_t days, char out[11]);

/* Today's date in UTC. */
int32_t mw_date_today(void);

/* The latest monthly cut-off: the first day of the current month in
 * Denmark, the date the status is published for (docs/security.md). */
int32_t mw_date_cutoff(void);

/* Danish civil time: the offset from UTC, in seconds, at utc_seconds since
 * the epoch (3600, or 7200 from 01:00 UTC on the last Sunday of March to
 * 01:00 UTC on the last Sunday of October, the EU rule since 1996), and
 * the Danish calendar date at utc_ms milliseconds since the epoch. */
int mw_date_dk_offset(int64_t utc_seconds);
int32_t mw_date_dk_day(int64_t utc_ms);

#endif

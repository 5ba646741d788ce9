/* midway: the producer's acknowledgement journal.
 *
 * For each input file, identified by the SHA-256 of its content (so a
 * renamed or re-dropped file is the same file and a changed file is a new
 * one), the journal records the line numbers of the rows Kafka has
 * acknowledged (acks=all), and finally that the file is done. A producer
 * killed mid-run, or stopped by a long broker outage, resumes with the
 * rows not yet acknowledged; a done file is not sent again. The journal is
 * an optimisation and a record, not the guarantee: a row acknowledged but
 * not yet journaled when the process died is sent again, and the consumer
 * stores it once (event ids are deterministic).
 *
 * Files in the state directory: <digest>.acked (one line number per line,
 * appended) and <digest>.done (a one-line summary, written atomically). */
#ifndef MIDWAY_JOURNAL_H
#define MIDWAY_JOURNAL_H

#include <stddef.h>

#include "midway/err.h"

#define MW_DIGEST_HEX 64

struct mw_journal;

/* SHA-256 of the file's content, lowercase hex. */
mw_err_t mw_file_digest(const char *path, char out[MW_DIGEST_HEX + 1],
                        char *errstr, size_t errstr_size);

/* Opens (creating dir if needed, mode 0700) the journal of the file with
 * this digest and loads what it recorded. NULL with errstr on failure;
 * free with mw_journal_close(). */
struct mw_journal *mw_journal_open(const char *dir, const char *digest,
                                   char *errstr, size_t errstr_size);
void mw_journal_close(struct mw_journal *j);

/* 1 if the file was completed before; summary (may be NULL) gets the
 * recorded summary line. */
int mw_journal_is_done(const struct mw_journal *j, char *summary,
                       size_t summary_size);
/* 1 if line was acknowledged in this or an earlier run. */
int mw_journal_is_acked(const struct mw_journal *j, long line);
/* Number of distinct lines recorded as acknowledged. */
long mw_journal_count(const struct mw_journal *j);

/* Records an acknowledged line (buffered; see mw_journal_sync()). */
mw_err_t mw_journal_ack(struct mw_journal *j, long line, char *errstr,
                        size_t errstr_size);
/* Flushes and fsyncs the records so far. */
mw_err_t mw_journal_sync(struct mw_journal *j, char *errstr,
                         size_t errstr_size);
/* Marks the file done with a summary line and removes the acked list. */
mw_err_t mw_journal_complete(struct mw_journal *j, const char *summary,
                             char *errstr, size_t errstr_size);

#endif

/* midway: the 30 project sites (reference/projects.csv, embedded at build
 * time). A project is not a municipality: Vallensbaek/Ishoej is one project
 * run by two municipalities (187 and 183). */
#ifndef MIDWAY_PROJECTS_H
#define MIDWAY_PROJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"

#define MW_PROJECT_MAX_MUNI 2

struct mw_project {
        int id;               /* 1..30, the report's printed order */
        char name[64];        /* as the report writes it (UTF-8) */
        char slug[40];        /* ASCII, used in topic names */
        char target_group[8]; /* youth | adult */
        int n_muni;
        int muni[MW_PROJECT_MAX_MUNI];
        char muni_name[MW_PROJECT_MAX_MUNI][64];
        int expected_2015_07_01; /* -1 = not stated */
        int expected_total;      /* -1 = not stated */
};

/* Parses the embedded table once (thread-unsafe first call). Returns the
 * static array and its length; NULL with errstr on a corrupt table. */
const struct mw_project *mw_projects(size_t *n, char *errstr,
                                     size_t errstr_size);
const struct mw_project *mw_project_find(int id);
const struct mw_project *mw_project_by_slug(const char *slug);
/* A project named on a command line: its id ("20") or its slug ("odder");
 * NULL for anything else. */
const struct mw_project *mw_project_parse(const char *arg);
/* The same for an option's value: MW_ERR_INVALID and the one message every
 * program gives for an unknown project. */
mw_err_t mw_project_arg(const char *arg, const struct mw_project **project,
                        char *errstr, size_t errstr_size);
/* 1 if municipality_code belongs to the project. */
int mw_project_has_muni(const struct mw_project *p, int municipality_code);

/* Project start: 1 October 2014 (days since the epoch). */
#define MW_PROGRAMME_START 16344

#endif

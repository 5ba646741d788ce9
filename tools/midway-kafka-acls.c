/* kafka-acls: add or list Kafka ACLs in one admin request (librdkafka).
 *
 * A tool of the local stack and of the compose deployment, using nothing of
 * libmidway: scripts/stack compiles it with cc into the state directory of
 * a secure stack (`up --secure`) and uses it to create every ACL in one
 * CreateAcls request; CMake builds it as midway-kafka-acls, which the
 * deployment's topics job runs (docker/Dockerfile). Kafka's own AclCommand
 * needs one JVM start (about 2 s) per principal, a minute for midway's 32
 * principals.
 *
 *   kafka-acls -F FILE add  < BINDINGS   create the ALLOW bindings on stdin
 *   kafka-acls -F FILE list              print every binding of the cluster
 *   kafka-acls -F FILE wait SECONDS BROKERS < BINDINGS
 *                                        wait until each of at least BROKERS
 *                                        brokers has them (at most SECONDS)
 *
 * FILE holds librdkafka properties (name=value, # comments), including
 * bootstrap.servers and the admin's credentials. A binding is one line:
 *
 *   PRINCIPAL RESOURCE-TYPE PATTERN-TYPE RESOURCE-NAME OPERATION[,OPERATION..]
 *   User:consumer GROUP LITERAL midway-consumer READ
 *
 * Every binding allows the operations from any host. `list` prints the same
 * columns plus the permission and the host, one operation per line.
 * `wait` asks each broker of the cluster on its own (DescribeAcls sent to
 * that broker, which answers from the ACLs it has applied) until every
 * broker reports every binding: a broker applies new ACLs a moment after
 * the controller accepted them, and a client that reached it before that
 * was refused (the deployment's consumers did, at a cold start).
 * Exit status: 0 done, 1 Kafka refused or failed (or `wait` timed out),
 * 2 usage or input error. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define MAX_BINDINGS 4096
#define TIMEOUT_MS   30000
/* CMake passes the version every midway program prints; scripts/stack's
 * own compile of this file has none */
#ifndef MW_VERSION
#define MW_VERSION "unversioned (compiled by scripts/stack)"
#endif

static const char usage_text[] =
    "usage: kafka-acls -F FILE add < BINDINGS\n"
    "       kafka-acls -F FILE list\n"
    "       kafka-acls -F FILE wait SECONDS BROKERS "
    "< BINDINGS\n"
    "       kafka-acls --help | --version\n";

static int
usage(void)
{
        fputs(usage_text, stderr);
        return 2;
}

static char *
trim(char *s)
{
        char *end;

        while (isspace((unsigned char)*s))
                s++;
        end = s + strlen(s);
        while (end > s && isspace((unsigned char)end[-1]))
                *--end = '\0';
        return s;
}

static rd_kafka_t *
connect_admin(const char *path)
{
        char line[4096], errstr[512], *s, *eq;
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        rd_kafka_t *rk;
        FILE *fp = fopen(path, "r");
        int n = 0;

        if (!fp) {
                perror(path);
                rd_kafka_conf_destroy(kc);
                return NULL;
        }
        while (fgets(line, sizeof(line), fp)) {
                n++;
                s = trim(line);
                if (*s == '\0' || *s == '#')
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        fprintf(stderr, "%s:%d: expected name=value\n", path,
                                n);
                        goto fail;
                }
                *eq = '\0';
                if (rd_kafka_conf_set(kc, trim(s), trim(eq + 1), errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        fprintf(stderr, "%s:%d: %s\n", path, n, errstr);
                        goto fail;
                }
        }
        fclose(fp);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-acls: %s\n", errstr);
                rd_kafka_conf_destroy(kc);
        }
        return rk;
fail:
        fclose(fp);
        rd_kafka_conf_destroy(kc);
        return NULL;
}

static int
lookup(const char *what, const char *word, int cnt, const char *(*name)(int),
       int *out)
{
        int i;

        for (i = 0; i < cnt; i++) {
                const char *n = name(i);

                if (n && strcasecmp(n, word) == 0) {
                        *out = i;
                        return 0;
                }
        }
        fprintf(stderr, "kafka-acls: unknown %s '%s'\n", what, word);
        return -1;
}

static const char *
restype_name(int i)
{
        return rd_kafka_ResourceType_name((rd_kafka_ResourceType_t)i);
}

static const char *
pattern_name(int i)
{
        return rd_kafka_ResourcePatternType_name(
            (rd_kafka_ResourcePatternType_t)i);
}

static const char *
operation_name(int i)
{
        return rd_kafka_AclOperation_name((rd_kafka_AclOperation_t)i);
}

/* Parses one input line into bindings (one per operation) appended to
 * acls[*n]. Returns 0, or -1 after printing why. */
static int
parse_line(char *line, int lineno, rd_kafka_AclBinding_t **acls, size_t *n)
{
        char *f[5], *save = NULL, *op, errstr[512];
        int i, restype, pattern, operation;

        for (i = 0; i < 5; i++) {
                f[i] = strtok_r(i == 0 ? line : NULL, " \t", &save);
                if (!f[i]) {
                        fprintf(stderr,
                                "stdin:%d: expected PRINCIPAL TYPE PATTERN "
                                "NAME OPERATIONS\n",
                                lineno);
                        return -1;
                }
        }
        if (strtok_r(NULL, " \t", &save)) {
                fprintf(stderr, "stdin:%d: too many fields\n", lineno);
                return -1;
        }
        if (lookup("resource type", f[1], RD_KAFKA_RESOURCE__CNT, restype_name,
                   &restype) ||
            lookup("pattern type", f[2], RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT,
                   pattern_name, &pattern))
                return -1;
        for (op = strtok_r(f[4], ",", &save); op;
             op = strtok_r(NULL, ",", &save)) {
                if (lookup("operation", op, RD_KAFKA_ACL_OPERATION__CNT,
                           operation_name, &operation))
                        return -1;
                if (*n == MAX_BINDINGS) {
                        fprintf(stderr, "stdin:%d: more than %d bindings\n",
                                lineno, MAX_BINDINGS);
                        return -1;
                }
                acls[*n] = rd_kafka_AclBinding_new(
                    (rd_kafka_ResourceType_t)restype, f[3],
                    (rd_kafka_ResourcePatternType_t)pattern, f[0], "*",
                    (rd_kafka_AclOperation_t)operation,
                    RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr, sizeof(errstr));
                if (!acls[*n]) {
                        fprintf(stderr, "stdin:%d: %s\n", lineno, errstr);
                        return -1;
                }
                (*n)++;
        }
        return 0;
}

/* Waits for the result of the request on queue q; NULL after printing the
 * error if the request as a whole failed. */
static rd_kafka_event_t *
wait_result(rd_kafka_queue_t *q, const char *what)
{
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);

        if (!ev) {
                fprintf(stderr, "kafka-acls: %s: no answer\n", what);
                return NULL;
        }
        if (rd_kafka_event_error(ev)) {
                fprintf(stderr, "kafka-acls: %s: %s\n", what,
                        rd_kafka_event_error_string(ev));
                rd_kafka_event_destroy(ev);
                return NULL;
        }
        return ev;
}

/* The bindings on stdin into acls (*n of them). 0, or 2 after printing
 * why (nothing left to free). */
static int
read_bindings(rd_kafka_AclBinding_t **acls, size_t *n)
{
        char line[4096], *s;
        int lineno = 0;

        *n = 0;
        while (fgets(line, sizeof(line), stdin)) {
                lineno++;
                s = trim(line);
                if (*s == '\0' || *s == '#')
                        continue;
                if (parse_line(s, lineno, acls, n)) {
                        rd_kafka_AclBinding_destroy_array(acls, *n);
                        *n = 0;
                        return 2;
                }
        }
        return 0;
}

static int
cmd_add(rd_kafka_t *rk)
{
        static rd_kafka_AclBinding_t *acls[MAX_BINDINGS];
        size_t n, i, cnt;
        int rc = 0;
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        const rd_kafka_acl_result_t **res;
        const rd_kafka_error_t *err;

        if (read_bindings(acls, &n))
                return 2;
        if (n == 0)
                return 0;
        q = rd_kafka_queue_new(rk);
        rd_kafka_CreateAcls(rk, acls, n, NULL, q);
        ev = wait_result(q, "CreateAcls");
        if (!ev) {
                rc = 1;
        } else {
                res = rd_kafka_CreateAcls_result_acls(
                    rd_kafka_event_CreateAcls_result(ev), &cnt);
                for (i = 0; i < cnt; i++) {
                        err = rd_kafka_acl_result_error(res[i]);
                        if (err) {
                                fprintf(stderr, "kafka-acls: binding %zu: %s\n",
                                        i + 1, rd_kafka_error_string(err));
                                rc = 1;
                        }
                }
                if (cnt != n) {
                        fprintf(stderr,
                                "kafka-acls: %zu results for %zu bindings\n",
                                cnt, n);
                        rc = 1;
                }
                if (rc == 0)
                        printf("kafka-acls: %zu bindings in place\n", n);
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_AclBinding_destroy_array(acls, n);
        return rc;
}

static int
cmd_list(rd_kafka_t *rk)
{
        char errstr[512];
        rd_kafka_AclBindingFilter_t *filter;
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        const rd_kafka_AclBinding_t **acls;
        size_t i, cnt;
        int rc = 1;

        filter = rd_kafka_AclBindingFilter_new(
            RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL,
            NULL, RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
            errstr, sizeof(errstr));
        if (!filter) {
                fprintf(stderr, "kafka-acls: %s\n", errstr);
                return 1;
        }
        q = rd_kafka_queue_new(rk);
        rd_kafka_DescribeAcls(rk, filter, NULL, q);
        rd_kafka_AclBinding_destroy(filter);
        ev = wait_result(q, "DescribeAcls");
        if (ev) {
                acls = rd_kafka_DescribeAcls_result_acls(
                    rd_kafka_event_DescribeAcls_result(ev), &cnt);
                for (i = 0; i < cnt; i++) {
                        const rd_kafka_AclBinding_t *a = acls[i];

                        rd_kafka_ResourceType_t t =
                            rd_kafka_AclBinding_restype(a);
                        rd_kafka_ResourcePatternType_t p =
                            rd_kafka_AclBinding_resource_pattern_type(a);
                        rd_kafka_AclOperation_t op =
                            rd_kafka_AclBinding_operation(a);
                        rd_kafka_AclPermissionType_t perm =
                            rd_kafka_AclBinding_permission_type(a);

                        printf("%s %s %s %s %s %s %s\n",
                               rd_kafka_AclBinding_principal(a),
                               rd_kafka_ResourceType_name(t),
                               rd_kafka_ResourcePatternType_name(p),
                               rd_kafka_AclBinding_name(a),
                               rd_kafka_AclOperation_name(op),
                               rd_kafka_AclPermissionType_name(perm),
                               rd_kafka_AclBinding_host(a));
                }
                rd_kafka_event_destroy(ev);
                rc = 0;
        }
        rd_kafka_queue_destroy(q);
        return rc;
}

/* ---- wait: every broker has every binding ---------------------------- */

/* b is among acls[0..cnt): same principal, resource, pattern, operation,
 * ALLOW from any host (what `add` creates). */
static int
has_binding(const rd_kafka_AclBinding_t *b, const rd_kafka_AclBinding_t **acls,
            size_t cnt)
{
        size_t i;

        for (i = 0; i < cnt; i++) {
                const rd_kafka_AclBinding_t *a = acls[i];

                if (rd_kafka_AclBinding_restype(a) ==
                        rd_kafka_AclBinding_restype(b) &&
                    rd_kafka_AclBinding_resource_pattern_type(a) ==
                        rd_kafka_AclBinding_resource_pattern_type(b) &&
                    rd_kafka_AclBinding_operation(a) ==
                        rd_kafka_AclBinding_operation(b) &&
                    rd_kafka_AclBinding_permission_type(a) ==
                        RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW &&
                    strcmp(rd_kafka_AclBinding_host(a), "*") == 0 &&
                    strcmp(rd_kafka_AclBinding_principal(a),
                           rd_kafka_AclBinding_principal(b)) == 0 &&
                    strcmp(rd_kafka_AclBinding_name(a),
                           rd_kafka_AclBinding_name(b)) == 0)
                        return 1;
        }
        return 0;
}

/* How many of want[0..n) broker id reports, asked on its own; -1 (after
 * printing why) if it did not answer. */
static long
count_on_broker(rd_kafka_t *rk, int32_t id, rd_kafka_AclBinding_t **want,
                size_t n)
{
        char errstr[512];
        rd_kafka_AclBindingFilter_t *filter;
        rd_kafka_AdminOptions_t *options;
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        const rd_kafka_AclBinding_t **acls;
        size_t i, cnt;
        long found = -1;

        filter = rd_kafka_AclBindingFilter_new(
            RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL,
            NULL, RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
            errstr, sizeof(errstr));
        options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBEACLS);
        if (!filter || !options ||
            rd_kafka_AdminOptions_set_broker(options, id, errstr,
                                             sizeof(errstr)) ||
            rd_kafka_AdminOptions_set_request_timeout(options, 10000, errstr,
                                                      sizeof(errstr))) {
                fprintf(stderr, "kafka-acls: broker %d: %s\n", (int)id, errstr);
                goto out;
        }
        q = rd_kafka_queue_new(rk);
        rd_kafka_DescribeAcls(rk, filter, options, q);
        ev = wait_result(q, "DescribeAcls");
        if (ev) {
                acls = rd_kafka_DescribeAcls_result_acls(
                    rd_kafka_event_DescribeAcls_result(ev), &cnt);
                for (found = 0, i = 0; i < n; i++)
                        found += has_binding(want[i], acls, cnt);
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
out:
        if (options)
                rd_kafka_AdminOptions_destroy(options);
        if (filter)
                rd_kafka_AclBinding_destroy(filter);
        return found;
}

/* One round: 1 if at least `brokers` brokers are known and each reports
 * all n bindings, 0 if not (said on stderr when `say`). */
static int
all_brokers_have(rd_kafka_t *rk, rd_kafka_AclBinding_t **want, size_t n,
                 int brokers, int say)
{
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err;
        long found;
        int i, ok;

        err = rd_kafka_metadata(rk, 0, NULL, &md, 10000);
        if (err) {
                if (say)
                        fprintf(stderr, "kafka-acls: metadata: %s\n",
                                rd_kafka_err2str(err));
                return 0;
        }
        ok = md->broker_cnt >= brokers;
        if (!ok && say)
                fprintf(stderr, "kafka-acls: %d of %d brokers known\n",
                        md->broker_cnt, brokers);
        for (i = 0; i < md->broker_cnt; i++) {
                found = count_on_broker(rk, md->brokers[i].id, want, n);
                if (found == (long)n)
                        continue;
                ok = 0;
                if (say)
                        fprintf(stderr,
                                "kafka-acls: broker %d has %ld of %zu "
                                "bindings\n",
                                (int)md->brokers[i].id, found < 0 ? 0 : found,
                                n);
        }
        rd_kafka_metadata_destroy(md);
        return ok;
}

static int
cmd_wait(rd_kafka_t *rk, const char *seconds, const char *brokers)
{
        static rd_kafka_AclBinding_t *want[MAX_BINDINGS];
        struct timespec now, pause = {0, 500000000};
        char *end1, *end2;
        long secs = strtol(seconds, &end1, 10);
        long nb = strtol(brokers, &end2, 10);
        time_t deadline;
        size_t n;
        int rc = 1;

        if (end1 == seconds || *end1 || secs < 0 || end2 == brokers || *end2 ||
            nb < 1 || nb > 1000)
                return usage();
        if (read_bindings(want, &n))
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &now);
        deadline = now.tv_sec + secs;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (all_brokers_have(rk, want, n, (int)nb,
                                     now.tv_sec >= deadline)) {
                        printf("kafka-acls: every broker (%ld) has the %zu "
                               "bindings\n",
                               nb, n);
                        rc = 0;
                        break;
                }
                if (now.tv_sec >= deadline) {
                        fprintf(stderr,
                                "kafka-acls: not every broker has the "
                                "bindings after %ld s\n",
                                secs);
                        break;
                }
                nanosleep(&pause, NULL);
        }
        rd_kafka_AclBinding_destroy_array(want, n);
        return rc;
}

int
main(int argc, char **argv)
{
        rd_kafka_t *rk;
        int rc;

        if (argc == 2 && strcmp(argv[1], "--help") == 0) {
                printf("Add or list Kafka ACLs in one admin request.\n\n%s"
                       "\nFILE: librdkafka properties (bootstrap.servers and "
                       "the admin's credentials).\nBINDINGS, one a line: "
                       "PRINCIPAL RESOURCE-TYPE PATTERN-TYPE RESOURCE-NAME "
                       "OPERATION[,OPERATION..]\n\nExit status: 0 done, 1 "
                       "Kafka refused or failed, 2 usage or input error.\n",
                       usage_text);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
                printf("midway-kafka-acls %s (librdkafka %s)\n", MW_VERSION,
                       rd_kafka_version_str());
                return 0;
        }
        if (argc < 4 || strcmp(argv[1], "-F") != 0)
                return usage();
        if (!(argc == 4 && strcmp(argv[3], "add") == 0) &&
            !(argc == 4 && strcmp(argv[3], "list") == 0) &&
            !(argc == 6 && strcmp(argv[3], "wait") == 0))
                return usage();
        rk = connect_admin(argv[2]);
        if (!rk)
                return 2;
        rc = argc == 6                     ? cmd_wait(rk, argv[4], argv[5])
             : strcmp(argv[3], "add") == 0 ? cmd_add(rk)
                                           : cmd_list(rk);
        rd_kafka_destroy(rk);
        return rc;
}

/* Unit tests: the field table (lib/event/fields.c) against the schema.
 *
 * The drift check of docs/architecture.md ("Adding a field or a kind"):
 * schemas/registration.avsc, read as JSON, and the field table must list
 * the same records, the same fields in the same order, each with the type
 * and nullability its table type stands for. A field added to one and not
 * the other, a field moved, a type changed or an optional field made
 * required (or the reverse) fails this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "midway/buf.h"
#include "midway/codec.h"

#include "codec_internal.h"
#include "midway/codes.h"
#include "midway/event.h"
#include "midway/fields.h"

static json_t *
load_schema(void)
{
        const char *dir = getenv("MW_SOURCE_DIR");
        char path[4096];
        json_error_t jerr;
        json_t *root;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/schemas/registration.avsc", dir);
        root = json_load_file(path, 0, &jerr);
        if (!root)
                fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
        return root;
}

static int
is_type(const json_t *t, const char *name)
{
        return json_is_string(t) && strcmp(json_string_value(t), name) == 0;
}

/* {"type": base, "logicalType": logical} */
static int
is_logical(const json_t *t, const char *base, const char *logical)
{
        return json_is_object(t) && is_type(json_object_get(t, "type"), base) &&
               is_type(json_object_get(t, "logicalType"), logical);
}

static int
is_string_array(const json_t *t)
{
        return json_is_object(t) &&
               is_type(json_object_get(t, "type"), "array") &&
               is_type(json_object_get(t, "items"), "string");
}

/* ["null", value] with "default": null on the field. */
static const json_t *
optional_value(const json_t *field)
{
        const json_t *t = json_object_get(field, "type");
        const json_t *def = json_object_get(field, "default");

        if (!json_is_array(t) || json_array_size(t) != 2 ||
            !is_type(json_array_get(t, 0), "null") || !def ||
            !json_is_null(def))
                return NULL;
        return json_array_get(t, 1);
}

/* Does the schema field's type match the table type? A required field
 * must have no default, so that a writer cannot leave it out. */
static int
type_matches(const json_t *field, enum mw_ftype type)
{
        const json_t *t = json_object_get(field, "type");
        const json_t *v = optional_value(field);
        int required = json_object_get(field, "default") == NULL;

        switch (type) {
        case MW_FT_STRING:
        case MW_FT_ACTION:
                return required && is_type(t, "string");
        case MW_FT_UUID:
                return required && is_logical(t, "string", "uuid");
        case MW_FT_INT:
                return required && is_type(t, "int");
        case MW_FT_DATE:
                return required && is_logical(t, "int", "date");
        case MW_FT_TIMESTAMP:
                return required && is_logical(t, "long", "timestamp-millis");
        case MW_FT_OPT_STRING:
                return v && is_type(v, "string");
        case MW_FT_OPT_DATE:
                return v && is_logical(v, "int", "date");
        case MW_FT_CODES:
                return required && is_string_array(t);
        case MW_FT_OPT_CODES:
                return v && is_string_array(v);
        case MW_FT_PAYLOAD:
                return required && json_is_array(t) &&
                       json_array_size(t) == MW_KIND_COUNT;
        }
        return 0;
}

/* The fields of one schema record against the table's record rec. */
static void
check_record(const json_t *schema_rec, int rec, const char *rec_name)
{
        const json_t *sf = json_object_get(schema_rec, "fields");
        const struct mw_field *f;
        const char *name;
        size_t n, i;

        assert_true(is_type(json_object_get(schema_rec, "type"), "record"));
        assert_true(is_type(json_object_get(schema_rec, "name"), rec_name));
        f = mw_fields_of(rec, &n);
        assert_non_null(f);
        if (json_array_size(sf) != n)
                fail_msg("%s: the schema has %zu fields, the table %zu",
                         rec_name, json_array_size(sf), n);
        for (i = 0; i < n; i++) {
                name = json_string_value(
                    json_object_get(json_array_get(sf, i), "name"));
                if (!name || strcmp(name, f[i].name) != 0)
                        fail_msg("%s field %zu: schema '%s', table '%s'",
                                 rec_name, i, name ? name : "?", f[i].name);
                if (!type_matches(json_array_get(sf, i), f[i].type))
                        fail_msg("%s.%s: the schema's type is not the "
                                 "table's type %d (or its nullability "
                                 "differs)",
                                 rec_name, name, (int)f[i].type);
        }
}

static void
t_table_equals_schema(void **state)
{
        json_t *root = load_schema();
        const json_t *payload = NULL, *hf;
        size_t i, k;

        (void)state;
        check_record(root, MW_REC_HEADER, "Registration");
        hf = json_object_get(root, "fields");
        for (i = 0; i < json_array_size(hf); i++)
                if (is_type(json_object_get(json_array_get(hf, i), "name"),
                            "payload"))
                        payload =
                            json_object_get(json_array_get(hf, i), "type");
        assert_non_null(payload);
        /* the union's branches are the kinds, in enum mw_kind order */
        assert_int_equal(json_array_size(payload), MW_KIND_COUNT);
        for (k = 0; k < MW_KIND_COUNT; k++)
                check_record(json_array_get(payload, k), (int)k,
                             mw_kind_record((enum mw_kind)k));
        json_decref(root);
}

/* The table's own rules: records contiguous, in order; members inside
 * struct mw_event; code lists and columns where the type needs them. */
static void
t_table_is_sound(void **state)
{
        const struct mw_field *f;
        size_t n, i, total = 0;
        int rec;

        (void)state;
        for (rec = MW_REC_HEADER; rec < MW_KIND_COUNT; rec++) {
                f = mw_fields_of(rec, &n);
                assert_non_null(f);
                total += n;
                for (i = 0; i < n; i++) {
                        assert_int_equal(f[i].record, rec);
                        assert_true(f[i].offset + f[i].size <=
                                    sizeof(struct mw_event));
                        assert_true(f[i].codelist < (int)MW_CL_COUNT);
                        if (rec != MW_REC_HEADER)
                                assert_non_null(f[i].column);
                        if (f[i].type == MW_FT_STRING ||
                            f[i].type == MW_FT_OPT_STRING ||
                            f[i].type == MW_FT_UUID)
                                assert_true(f[i].size > 1);
                        if (f[i].type == MW_FT_CODES ||
                            f[i].type == MW_FT_OPT_CODES) {
                                assert_int_equal(f[i].size, MW_CODE_MAX + 1);
                                assert_true(f[i].max_items > 0);
                                assert_true(f[i].codelist >= 0);
                        }
                        /* a payload string is a code or an identifier */
                        if (rec != MW_REC_HEADER &&
                            (f[i].type == MW_FT_STRING ||
                             f[i].type == MW_FT_OPT_STRING))
                                assert_true((f[i].codelist >= 0) !=
                                            (f[i].alphabet != NULL));
                }
        }
        mw_fields(&n);
        assert_int_equal(total, n);
}

/* The compiled-in schema gives the table-driven encoder its plan. */
static void
t_codec_has_plan(void **state)
{
        struct mw_codec *codec;
        char errstr[256];

        (void)state;
        codec = mw_codec_new(errstr, sizeof(errstr));
        assert_non_null(codec);
        assert_true(mw_codec_has_plan(codec));
        mw_codec_destroy(codec);
}

/* The JSON forms, written from the table, keep their exact text. */
static void
t_json(void **state)
{
        struct mw_event ev;
        struct mw_buf b = {0};

        (void)state;
        mw_event_init(&ev, MW_KIND_PROFILE);
        strcpy(ev.event_id, "0b5e6f3c-6a55-5d2c-9d3e-1f0c8a7b6e21");
        ev.project_id = 7;
        ev.municipality_code = 101;
        strcpy(ev.citizen_ref, "ab");
        strcpy(ev.key_id, "cd");
        ev.event_date = 16500;
        ev.registered_at = 1425686400000LL;
        strcpy(ev.producer_id, "p1");
        ev.action = MW_ACTION_CORRECTION;
        strcpy(ev.supersedes, "x");
        strcpy(ev.u.profile.benefit_type, "other");
        assert_int_equal(mw_event_json(&ev, &b), MW_OK);
        assert_string_equal(
            b.data, "{\"event_id\":\"0b5e6f3c-6a55-5d2c-9d3e-1f0c8a7b6e21\","
                    "\"project_id\":7,\"municipality_code\":101,"
                    "\"citizen_ref\":\"ab\",\"key_id\":\"cd\","
                    "\"event_date\":\"2015-03-06\","
                    "\"registered_at\":1425686400000,\"producer_id\":\"p1\","
                    "\"action\":\"correction\",\"supersedes\":\"x\","
                    "\"kind\":\"profile_change\",\"payload\":{"
                    "\"benefit_type\":\"other\",\"problem_areas\":null}}");
        mw_buf_reset(&b);
        mw_event_init(&ev, MW_KIND_INTERVENTION);
        strcpy(ev.u.intervention.intervention_ref, "R1");
        strcpy(ev.u.intervention.category, "mentor");
        strcpy(ev.u.intervention.status, "started");
        ev.u.intervention.start_date = 16500;
        assert_int_equal(mw_event_payload_json(&ev, &b), MW_OK);
        assert_string_equal(
            b.data, "{\"intervention_ref\":\"R1\",\"category\":\"mentor\","
                    "\"status\":\"started\",\"start_date\":\"2015-03-06\","
                    "\"end_date\":null,\"mentor_type\":null}");
        mw_buf_reset(&b);
        mw_event_init(&ev, MW_KIND_VISITATION);
        strcpy(ev.u.visitation.target_group, "adult");
        ev.u.visitation.n_areas = 2;
        strcpy(ev.u.visitation.areas[0], "social");
        strcpy(ev.u.visitation.areas[1], "physical");
        assert_int_equal(mw_event_payload_json(&ev, &b), MW_OK);
        assert_string_equal(b.data,
                            "{\"target_group\":\"adult\",\"benefit_type\":\"\","
                            "\"gender\":\"\",\"age_band\":\"\","
                            "\"problem_areas\":[\"social\",\"physical\"]}");
        mw_buf_release(&b);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_table_equals_schema),
            cmocka_unit_test(t_table_is_sound),
            cmocka_unit_test(t_codec_has_plan),
            cmocka_unit_test(t_json),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

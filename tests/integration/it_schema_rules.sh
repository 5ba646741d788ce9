#!/bin/bash
# Issue 15 (3): the schema registry enforces the evolution rule.
#  1. create-topics leaves every project subject with the registration
#     schema and compatibility BACKWARD_TRANSITIVE;
#  2. an incompatible change (a new field without a default) is refused
#     there, while a subject without the rule (the control) takes it: the
#     rule is what refuses it;
#  3. every version of schemas/registration.avsc committed on this branch
#     (git log, oldest first) and the working tree's are registered in
#     turn under one subject with the rule: each must be accepted, so the
#     current schema reads everything any earlier one wrote.
. "$(dirname "$0")/lib.sh"

R=$MW_REGISTRY_URL
CT='Content-Type: application/vnd.schemaregistry.v1+json'
setup_db_and_topics

# post PATH FILE -> "HTTP-status body" of a POST of {"schema": <FILE>}
post_schema() {
        python3 -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$2" \
                >"$WORK/body.json"
        curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST -H "$CT" \
                --data @"$WORK/body.json" "$R$1"
}
level_of() { # SUBJECT -> its compatibility level
        curl -fsS "$R/config/$1" |
                python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("compatibilityLevel") or d.get("compatibility"))'
}

# 1. the rule on every project subject
n=0
while read -r slug; do
        assert_eq "compatibility of $slug" BACKWARD_TRANSITIVE \
                "$(level_of "$MW_TOPIC_PREFIX.registrations.$slug-value")" >/dev/null
        n=$((n + 1))
done < <(grep -v "^#" "$MW_SOURCE_DIR/reference/projects.csv" | tail -n +2 | cut -d";" -f3)
assert_eq "project subjects with the rule" 30 "$n"

# 2. an incompatible change: the current schema with a required field added
python3 - "$MW_SOURCE_DIR/schemas/registration.avsc" "$WORK/incompatible.avsc" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"].append({"name": "caseworker_id", "type": "string"})
json.dump(s, open(sys.argv[2], "w"))
EOF
subject=$MW_TOPIC_PREFIX.registrations.odder-value
status=$(post_schema "/subjects/$subject/versions" "$WORK/incompatible.avsc")
assert_eq "an incompatible version under the rule: HTTP status" 409 "$status"
status=$(post_schema "/compatibility/subjects/$subject/versions/latest" "$WORK/incompatible.avsc")
assert_eq "compatibility check: HTTP status" 200 "$status"
assert_eq "compatibility check says" False \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["is_compatible"])' "$WORK/resp")"
# the control: a subject without the rule takes the same two versions
control=it.$RUN_ID.control-value
assert_eq "control: the current schema" 200 \
        "$(post_schema "/subjects/$control/versions" "$MW_SOURCE_DIR/schemas/registration.avsc")"
assert_eq "control: the incompatible version without the rule" 200 \
        "$(post_schema "/subjects/$control/versions" "$WORK/incompatible.avsc")"

# 3. the schema's history, oldest first, then the working tree's
git -C "$MW_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1 ||
        fail "needs a git clone: the committed versions of schemas/registration.avsc are the released ones"
history=it.$RUN_ID.history-value
i=0
while read -r rev; do
        git -C "$MW_SOURCE_DIR" show "$rev:schemas/registration.avsc" >"$WORK/v$i.avsc"
        i=$((i + 1))
done < <(git -C "$MW_SOURCE_DIR" log --reverse --format=%H -- schemas/registration.avsc)
cp "$MW_SOURCE_DIR/schemas/registration.avsc" "$WORK/v$i.avsc"
for v in $(seq 0 "$i"); do
        status=$(post_schema "/subjects/$history/versions" "$WORK/v$v.avsc")
        [ "$status" = 200 ] ||
                fail "version $((v + 1)) of $((i + 1)) of schemas/registration.avsc (the last: the working tree's) is refused under BACKWARD_TRANSITIVE: HTTP $status $(head -c 300 "$WORK/resp")"
        if [ "$v" = 0 ]; then
                curl -fsS -o /dev/null -X PUT -H "$CT" --data '{"compatibility":"BACKWARD_TRANSITIVE"}' \
                        "$R/config/$history"
        fi
done
log "ok: $((i + 1)) versions of the registration schema, each compatible with all before it"

#!/bin/bash
# Issue 2 (c): the same events produced twice are stored once.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

f=$(gen 20 60 3)
n=$(tail -n +2 "$f" | wc -l)
produce 20 "$f"
produce 20 "$f" # the same export again: same deterministic event ids
consume_to_end

verify_state
assert_eq "messages in the topic, applied" "$((2 * n))" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "events stored" "$n" "$(q "SELECT count(*) FROM event")"
assert_eq "duplicates recognised" "$n" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
echo "[$TEST_NAME] $((2 * n)) messages, $n events stored once each"

#!/bin/bash
# A short libFuzzer run of one target (ASan+UBSan, clang): run.sh BINARY
# CORPUS SECONDS. It works on a scratch copy of the corpus, so the run does
# not change the repository; a crash, leak, timeout or a malloc over the
# limit fails the test and leaves the reproducer in the scratch directory
# (printed). Add it to the corpus after fixing what it found.
set -euo pipefail
bin=${1:?usage: run.sh BINARY CORPUS SECONDS} corpus=${2:?} secs=${3:?}
work=$(mktemp -d "/tmp/midway-fuzz-$(basename "$bin").XXXXXX")
cp -r "$corpus/." "$work/corpus/" 2>/dev/null || { mkdir -p "$work/corpus"; cp -r "$corpus/." "$work/corpus/"; }
if "$bin" -max_total_time="$secs" -malloc_limit_mb=256 -rss_limit_mb=1024 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" \
        "$work/corpus" >"$work/log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/log" | tail -2
        echo "$(basename "$bin"): ${secs}s clean, $(ls "$work/corpus" | wc -l) corpus entries"
        rm -rf "$work"
else
        tail -30 "$work/log"
        echo "$(basename "$bin"): FOUND A PROBLEM; reproducer and log in $work" >&2
        exit 1
fi

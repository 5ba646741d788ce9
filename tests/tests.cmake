# Test tiers (ctest labels): unit, fuzz (corpus replay), lint, integration.

# Unit tests: every tests/unit/test_<name>.c is one cmocka binary.
# A program's own parts that use neither PostgreSQL nor Kafka are compiled
# into its test: MW_UNIT_SOURCES_<name> lists them, with the program's
# folder as include path for its internal header.
set(MW_UNIT_SOURCES_report_prog
    readers/midway-report/dates.c readers/midway-report/cells.c
    readers/midway-report/labels.c readers/midway-report/csv.c
    readers/midway-report/publish.c)
file(GLOB MW_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${MW_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE midway_all PkgConfig::CMOCKA)
  string(REGEX REPLACE "^test_" "" short ${name})
  foreach(part ${MW_UNIT_SOURCES_${short}})
    target_sources(${name} PRIVATE ${CMAKE_SOURCE_DIR}/${part})
    get_filename_component(dir ${CMAKE_SOURCE_DIR}/${part} DIRECTORY)
    target_include_directories(${name} PRIVATE ${dir})
  endforeach()
  add_test(NAME unit.${short} COMMAND ${name})
  set_tests_properties(unit.${short} PROPERTIES LABELS unit
    ENVIRONMENT "MW_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()

# Fuzz targets: tests/fuzz/fuzz_<name>.c define LLVMFuzzerTestOneInput.
# With MW_FUZZ (clang) they become libFuzzer binaries; otherwise they are
# linked with a small driver that replays tests/fuzz/corpus/<name>/ so every
# build keeps the corpus (including past crashers) as a regression test.
file(GLOB MW_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
if(MW_FUZZ)
  # coverage feedback from the library code the targets exercise
  foreach(layer ${MW_LAYERS})
    target_compile_options(midway_${layer} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
endif()
foreach(src ${MW_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  if(MW_FUZZ)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
    add_test(NAME fuzz.${short}
             COMMAND ${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${short})
    set_tests_properties(fuzz.${short} PROPERTIES LABELS fuzz)
  endif()
  target_link_libraries(${name} PRIVATE midway_all)
endforeach()

# Lint: formatting and clang-tidy are part of the test run.
add_test(NAME lint.clang-format
         COMMAND ${CMAKE_SOURCE_DIR}/scripts/lint format)
add_test(NAME lint.clang-tidy
         COMMAND ${CMAKE_SOURCE_DIR}/scripts/lint tidy ${CMAKE_BINARY_DIR})
add_test(NAME lint.shellcheck
         COMMAND ${CMAKE_SOURCE_DIR}/scripts/lint shell)
set_tests_properties(lint.clang-format lint.clang-tidy lint.shellcheck PROPERTIES LABELS lint)

# Integration tests run against the real local stack (Kafka, PostgreSQL,
# schema registry), which the stack.up fixture starts if it is not running
# and stack.down stops again if stack.up started it.
set(MW_STACK ${CMAKE_SOURCE_DIR}/scripts/stack)
add_test(NAME stack.up COMMAND ${MW_STACK} up --for-tests)
add_test(NAME stack.down COMMAND ${MW_STACK} down --if-started-for-tests)
set_tests_properties(stack.up PROPERTIES FIXTURES_SETUP stack LABELS integration)
set_tests_properties(stack.down PROPERTIES FIXTURES_CLEANUP stack LABELS integration)
# mw_add_stack_tests(DIR PREFIX GROUP LABELS TIMEOUT): every DIR/PREFIX*.sh
# is the test GROUP.<rest of its name>, run against the stack fixture (one
# at a time: they share the stack).
function(mw_add_stack_tests dir prefix group labels timeout)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/${prefix}*.sh)
  foreach(t ${tests})
    get_filename_component(name ${t} NAME_WE)
    string(REGEX REPLACE "^${prefix}" "" short ${name})
    add_test(NAME ${group}.${short} COMMAND bash ${t})
    set_tests_properties(${group}.${short} PROPERTIES
      FIXTURES_REQUIRED stack LABELS "${labels}" TIMEOUT ${timeout}
      RESOURCE_LOCK stack
      ENVIRONMENT "MW_SOURCE_DIR=${CMAKE_SOURCE_DIR};MW_BUILD_DIR=${CMAKE_BINARY_DIR}")
  endforeach()
endfunction()
mw_add_stack_tests(tests/integration it_ integration integration 900)
# The red-team tests (docs/security.md): attacks run as tests; ctest -L redteam.
set_tests_properties(integration.redteam integration.redteam_roles integration.acl
                     integration.roles integration.rejects
                     PROPERTIES LABELS "integration;redteam")

# Scale-out (tests/cluster/, docs/faults.md): each test starts its own
# three-node Kafka (scripts/stack, MW_KAFKA_NODES=3) on ports of its own and
# uses the stack fixture's PostgreSQL. ctest -L cluster runs them alone.
mw_add_stack_tests(tests/cluster cluster_ cluster "cluster;integration" 900)

# Documentation: every configuration property is documented.
add_test(NAME docs.configuration
         COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-docs $<TARGET_FILE:midway-consumer>)
set_tests_properties(docs.configuration PROPERTIES LABELS lint)
# The wire contract's tables (docs/schemas.md) equal what the code prints.
add_test(NAME docs.contract
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/contract.sh $<TARGET_FILE:midway-contract>
                 ${CMAKE_SOURCE_DIR}/docs/schemas.md)
set_tests_properties(docs.contract PROPERTIES LABELS lint)

# Deployment: docker/compose.yaml validated without a Docker engine (docs/deployment.md).
add_test(NAME deploy.compose
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/deploy/check_compose.py ${CMAKE_BINARY_DIR})
set_tests_properties(deploy.compose PROPERTIES LABELS "deploy;lint" TIMEOUT 300)
# The alerting rules of docs/operations.md: valid, and each fires (and stays quiet) on
# the series of tests/deploy/alerts.test.yml; the deployment's scrape configuration.
add_test(NAME deploy.alerts
         COMMAND sh -c "promtool check rules docker/prometheus/alerts.yml && promtool check config docker/prometheus/prometheus.yml && promtool test rules tests/deploy/alerts.test.yml"
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(deploy.alerts PROPERTIES LABELS "deploy;lint" TIMEOUT 60)
# The same file run for real: a private Docker engine, the images, the deployment up,
# exports of five sites through it with a broker killed and a consumer restarted, the
# report job (tests/deploy/compose_e2e.sh; about 5-10 minutes, docs/deployment.md).
add_test(NAME deploy.compose_e2e
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/deploy/compose_e2e.sh ${CMAKE_BINARY_DIR})
set_tests_properties(deploy.compose_e2e PROPERTIES LABELS deploy TIMEOUT 1800 RUN_SERIAL TRUE)

# Command-line tools without the stack.
add_test(NAME cli.gen COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/gen.sh ${CMAKE_BINARY_DIR})
set_tests_properties(cli.gen PROPERTIES LABELS cli)
# The shared command line of midway-producer and midway-report.
add_test(NAME cli.programs
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/programs.sh ${CMAKE_BINARY_DIR})
set_tests_properties(cli.programs PROPERTIES LABELS cli)
# cmake --install into a clean root: programs, units, users, folders.
add_test(NAME cli.install
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/install.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(cli.install PROPERTIES LABELS cli TIMEOUT 120)
# One definition of every function and view (migrations/functions/).
add_test(NAME cli.sql_layout
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/sql_layout.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(cli.sql_layout PROPERTIES LABELS "cli;lint")
# The red team's hostile exports (tests/redteam/exports/, EXPECTED) through
# midway-producer --dry-run: counts, exit status, no CPR number out.
add_test(NAME cli.redteam_exports
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/redteam_exports.sh ${CMAKE_BINARY_DIR})
set_tests_properties(cli.redteam_exports PROPERTIES LABELS "cli;redteam" TIMEOUT 300)

# The report's attacker (tests/redteam/attack.py) on hand-made reports:
# each thing it knows pins a count it cannot pin without it.
add_test(NAME cli.redteam_attack
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/redteam/test_attack.py)
set_tests_properties(cli.redteam_attack PROPERTIES LABELS "cli;redteam" TIMEOUT 60)

# Fault injection (tests/faults/, docs/faults.md): the short run is part of
# the test suite; MW_FAULTS_LONG=1 (scripts/faults) gives the long one.
mw_add_stack_tests(tests/faults fault_ faults "faults;integration" 1800)

# Short libFuzzer runs (ASan+UBSan, malloc limit) of every target, when a
# clang build of the fuzz targets is given (scripts/test makes one):
#   -DMW_FUZZ_RUN_DIR=<build dir configured with -DMW_FUZZ=ON>
set(MW_FUZZ_RUN_DIR "" CACHE PATH "clang -DMW_FUZZ=ON build whose targets ctest runs briefly")
set(MW_FUZZ_SECONDS 20 CACHE STRING "seconds per short fuzz run")
if(MW_FUZZ_RUN_DIR AND NOT MW_FUZZ)
  foreach(src ${MW_FUZZ_TARGETS})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "^fuzz_" "" short ${name})
    add_test(NAME fuzzrun.${short}
             COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/run.sh ${MW_FUZZ_RUN_DIR}/${name}
                     ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${short} ${MW_FUZZ_SECONDS})
    set_tests_properties(fuzzrun.${short} PROPERTIES LABELS fuzz TIMEOUT 300)
  endforeach()
endif()

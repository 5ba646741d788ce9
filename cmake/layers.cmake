# The layers of libmidway and the programs that link them, and the check
# that keeps every #include "midway/..." pointing down (docs/architecture.md).
#
# THE RULE. Every file of lib/<layer>/ and every public header of a layer
# may include the public headers (include/midway/*.h) of its own layer and
# of the layers it uses, directly or through another layer (MW_USES_<layer>
# below, followed transitively), and no others. A program may include the
# headers of the layers it links (MW_LINKS_<program>) and of the layers
# those use. An internal header ("name.h", no midway/) must sit in the
# including file's own folder: the compiler enforces that too, since each
# layer's private include path is its own folder only. Public headers all
# stay in include/midway/, so the compiler cannot tell the layers apart;
# this check does, when cmake configures and again at every build in which
# a checked file changed (target mw_layer_check), and stops with
#   lib/core/buf.c:12: core may not include wire header midway/codec.h (core uses: core)
# Every include/midway/*.h belongs to exactly one layer (MW_HEADERS_<layer>)
# and every program to a MW_LINKS_ list: a new one is refused until it is
# placed. Tests and fuzz targets reach into every layer and are not checked.
#
# Usable as include() from CMakeLists.txt and as a script:
#   cmake -DMW_SOURCE_DIR=<repo> -P cmake/check_layers.cmake

# --- the layers, lowest first. A layer uses only layers listed before it.
# core: errors, buffers, logging, clocks, dates, configuration, CSV. Plain
#   C and libc: every program needs it, nothing else is pulled in with it.
# event: the registration event and everything that decides what a valid
#   one is: code lists, the project table (reference/projects.csv embedded),
#   UUIDs, validation, and CPR numbers (normalise, find, mask), which the
#   validator, the producer and the consumer's dead letters all need, so it
#   is not ingest's. Brings libuuid (UUIDv5) and libunistring (Unicode
#   digits in mw_cpr_find()); CPR digits are wiped with glibc's
#   explicit_bzero().
# wire: how an event travels: Avro codec (schema embedded), Confluent
#   framing, the schema-registry client. avro-c, jansson, libcurl.
# kafka: librdkafka configuration from a midway configuration. Uses only
#   core: it knows nothing about events. librdkafka (its header is public).
# metrics: the metrics registry, its Prometheus text format, readiness and
#   the HTTP listener serving them (/metrics, /healthz, /readyz), for the
#   long-running programs. Uses only core: it knows nothing of what it
#   counts. libmicrohttpd, pthreads.
# ingest: the producer's side: the export reader, the journal of files
#   sent, the keyed pseudonym (HMAC). OpenSSL, jansson, libuuid (the text
#   form of an event id). Only the producer.
# store: the PostgreSQL connection and migration runner (migrations/
#   embedded, and the SHA-256 of each function file: OpenSSL); reference data
#   comes from event. libpq (its header is public).
# publish: the published report's figures, disclosure control and
#   renderers. Plain C. Only midway-report.
set(MW_LAYERS core event wire kafka metrics ingest store publish)

set(MW_USES_core "")
set(MW_USES_event core)
set(MW_USES_wire event)
set(MW_USES_kafka core)
set(MW_USES_metrics core)
set(MW_USES_ingest event)
set(MW_USES_store event)
set(MW_USES_publish event)

# the public headers of each layer (include/midway/<name>.h)
set(MW_HEADERS_core err buf log clock date conf csv cli)
set(MW_HEADERS_event event codes projects uuid validate cpr fields)
set(MW_HEADERS_wire codec frame registry judge)
set(MW_HEADERS_kafka kafka)
set(MW_HEADERS_metrics metrics)
set(MW_HEADERS_ingest export journal pseudo)
set(MW_HEADERS_store pg sink)
set(MW_HEADERS_publish report report_table disclosure)

# --- the programs: a file <dir>/<prog>.c or a folder <dir>/<prog>/ of
# files with one internal header. Each links the layers it names (and,
# through them, the layers those use) and nothing else of libmidway.
set(MW_PROGRAM_DIRS producers consumers readers tools)
set(MW_LINKS_midway-producer wire kafka metrics ingest)
set(MW_LINKS_midway-erase kafka ingest)
set(MW_LINKS_midway-consumer wire kafka metrics store)
set(MW_LINKS_midway-status store)
set(MW_LINKS_midway-report store publish)
set(MW_LINKS_midway-admin wire kafka store)
set(MW_LINKS_midway-gen event)
set(MW_LINKS_midway-contract event)
set(MW_LINKS_midway-kafka-acls "") # librdkafka's admin API only

# mw_layer_closure(<out> <layer>...): the layers given and all they use.
function(mw_layer_closure out)
  set(todo ${ARGN})
  set(seen "")
  while(todo)
    list(POP_FRONT todo l)
    if(NOT l IN_LIST seen)
      list(APPEND seen ${l})
      list(APPEND todo ${MW_USES_${l}})
    endif()
  endwhile()
  # in the order of MW_LAYERS, for messages
  set(sorted "")
  foreach(l ${MW_LAYERS})
    if(l IN_LIST seen)
      list(APPEND sorted ${l})
    endif()
  endforeach()
  set(${out} ${sorted} PARENT_SCOPE)
endfunction()

# mw_program_sources(<out_names> <out_paths> <src_dir>): every program
# found, by name, and its file or folder.
function(mw_program_list out_names out_paths src)
  set(names "")
  set(paths "")
  foreach(d ${MW_PROGRAM_DIRS})
    file(GLOB found LIST_DIRECTORIES true ${src}/${d}/*)
    foreach(path ${found})
      if(IS_DIRECTORY ${path} OR path MATCHES "\\.c$")
        get_filename_component(prog ${path} NAME_WE)
        list(APPEND names ${prog})
        list(APPEND paths ${path})
      endif()
    endforeach()
  endforeach()
  set(${out_names} ${names} PARENT_SCOPE)
  set(${out_paths} ${paths} PARENT_SCOPE)
endfunction()

# mw_check_file(<errors_var> <file> <who> <allowed layers> <own dir>):
# appends a message to <errors_var> for every include that breaks the rule.
function(mw_check_file errors_var file who allowed own_dir src)
  set(errors ${${errors_var}})
  file(RELATIVE_PATH rel ${src} ${file})
  file(READ ${file} text)
  set(line 1)
  while(TRUE)
    string(FIND "${text}" "#include \"" at)
    if(at EQUAL -1)
      break()
    endif()
    string(SUBSTRING "${text}" 0 ${at} before)
    string(REGEX MATCHALL "\n" nls "${before}")
    list(LENGTH nls n)
    math(EXPR line "${line} + ${n}")
    math(EXPR at "${at} + 10")
    string(SUBSTRING "${text}" ${at} -1 text)
    string(REGEX MATCH "^[^\"\n]*" name "${text}")
    if(name MATCHES "^midway/([A-Za-z0-9_]+)\\.h$")
      set(h ${CMAKE_MATCH_1})
      set(owner "")
      foreach(l ${MW_LAYERS})
        if(h IN_LIST MW_HEADERS_${l})
          set(owner ${l})
        endif()
      endforeach()
      if(owner STREQUAL "")
        list(APPEND errors "${rel}:${line}: ${name} belongs to no layer (add it to MW_HEADERS_<layer> in cmake/layers.cmake)")
      elseif(NOT owner IN_LIST allowed)
        string(REPLACE ";" " " uses "${allowed}")
        if(uses STREQUAL "")
          set(uses "no layer")
        endif()
        list(APPEND errors "${rel}:${line}: ${who} may not include ${owner} header ${name} (${who} uses: ${uses})")
      endif()
    elseif(NOT EXISTS ${own_dir}/${name})
      list(APPEND errors "${rel}:${line}: \"${name}\" is not a header of ${who}'s own folder (an internal header stays in its layer or program)")
    endif()
  endwhile()
  set(${errors_var} ${errors} PARENT_SCOPE)
endfunction()

# mw_layers_check(<source dir>): checks every file of lib/, include/midway/
# and the programs; FATAL_ERROR with one line per broken include.
function(mw_layers_check src)
  set(errors "")
  # every public header in exactly one layer, every listed one present
  file(GLOB headers ${src}/include/midway/*.h)
  set(placed "")
  foreach(l ${MW_LAYERS})
    foreach(h ${MW_HEADERS_${l}})
      if(h IN_LIST placed)
        list(APPEND errors "cmake/layers.cmake: midway/${h}.h is in two layers")
      endif()
      list(APPEND placed ${h})
      if(NOT EXISTS ${src}/include/midway/${h}.h)
        list(APPEND errors "cmake/layers.cmake: MW_HEADERS_${l} names midway/${h}.h, which does not exist")
      endif()
    endforeach()
  endforeach()
  foreach(f ${headers})
    get_filename_component(h ${f} NAME_WE)
    if(NOT h IN_LIST placed)
      list(APPEND errors "include/midway/${h}.h belongs to no layer (add it to MW_HEADERS_<layer> in cmake/layers.cmake)")
      continue()
    endif()
    foreach(l ${MW_LAYERS})
      if(h IN_LIST MW_HEADERS_${l})
        mw_layer_closure(allowed ${l})
        mw_check_file(errors ${f} ${l} "${allowed}" ${src}/include/midway ${src})
      endif()
    endforeach()
  endforeach()
  # lib/: one folder per layer, nothing beside them
  file(GLOB loose LIST_DIRECTORIES true ${src}/lib/*)
  foreach(f ${loose})
    get_filename_component(l ${f} NAME)
    if(NOT IS_DIRECTORY ${f} OR NOT l IN_LIST MW_LAYERS)
      list(APPEND errors "lib/${l}: lib/ holds only the layer folders ${MW_LAYERS}")
    endif()
  endforeach()
  foreach(l ${MW_LAYERS})
    mw_layer_closure(allowed ${l})
    file(GLOB files ${src}/lib/${l}/*.c ${src}/lib/${l}/*.h)
    foreach(f ${files})
      mw_check_file(errors ${f} ${l} "${allowed}" ${src}/lib/${l} ${src})
    endforeach()
  endforeach()
  # programs
  mw_program_list(names paths ${src})
  foreach(prog path IN ZIP_LISTS names paths)
    if(NOT DEFINED MW_LINKS_${prog})
      file(RELATIVE_PATH rel ${src} ${path})
      list(APPEND errors "${rel}: program ${prog} links no layer list (add MW_LINKS_${prog} to cmake/layers.cmake)")
      continue()
    endif()
    mw_layer_closure(allowed ${MW_LINKS_${prog}})
    if(IS_DIRECTORY ${path})
      file(GLOB files ${path}/*.c ${path}/*.h)
      set(own ${path})
    else()
      set(files ${path})
      get_filename_component(own ${path} DIRECTORY)
    endif()
    foreach(f ${files})
      mw_check_file(errors ${f} ${prog} "${allowed}" ${own} ${src})
    endforeach()
  endforeach()
  if(errors)
    list(JOIN errors "\n" text)
    message(FATAL_ERROR "layer rule broken (cmake/layers.cmake, docs/architecture.md):\n${text}")
  endif()
endfunction()

# mw_layers_checked_files(<out> <source dir>): what the check reads.
function(mw_layers_checked_files out src)
  file(GLOB files ${src}/include/midway/*.h ${src}/lib/*/*.c ${src}/lib/*/*.h)
  foreach(d ${MW_PROGRAM_DIRS})
    file(GLOB more ${src}/${d}/*.c ${src}/${d}/*/*.c ${src}/${d}/*/*.h)
    list(APPEND files ${more})
  endforeach()
  set(${out} ${files} PARENT_SCOPE)
endfunction()

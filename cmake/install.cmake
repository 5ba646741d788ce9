# `cmake --install` (docs/operations.md, "Install as a service"): the
# programs, the systemd units with their paths for this prefix, the users
# (sysusers.d) and folders (tmpfiles.d) the units need, the schema for
# vendors, and the documentation. Tested in a clean root by
# tests/cli/install.sh (ctest cli.install).
include(GNUInstallDirs)

install(TARGETS ${MW_PROGRAM_NAMES} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The units in systemd/ name /usr/local/bin, which is right for the
# default prefix and for copying them by hand; installed, they name this
# prefix's bindir.
set(MW_UNIT_DIR ${CMAKE_BINARY_DIR}/systemd)
file(GLOB units CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/systemd/*.service
     ${CMAKE_SOURCE_DIR}/systemd/*.timer)
foreach(unit ${units})
  get_filename_component(name ${unit} NAME)
  file(READ ${unit} text)
  string(REPLACE "/usr/local/bin/" "${CMAKE_INSTALL_FULL_BINDIR}/" text "${text}")
  file(WRITE ${MW_UNIT_DIR}/${name} "${text}")
  install(FILES ${MW_UNIT_DIR}/${name} DESTINATION lib/systemd/system)
endforeach()

# One spool folder per project site, from the project list.
file(STRINGS ${CMAKE_SOURCE_DIR}/reference/projects.csv rows ENCODING UTF-8
     REGEX "^[0-9]+;")
set(MW_SPOOL_LINES "")
foreach(row ${rows})
  string(REPLACE ";" "|" row "${row}")
  string(REGEX MATCH "^[0-9]+\\|[^|]*\\|([a-z0-9-]+)\\|" m "${row}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "reference/projects.csv: no slug in '${row}'")
  endif()
  string(APPEND MW_SPOOL_LINES
         "d /var/spool/midway/${CMAKE_MATCH_1} 0770 midway midway -\n")
endforeach()
string(STRIP "${MW_SPOOL_LINES}" MW_SPOOL_LINES)
configure_file(${CMAKE_SOURCE_DIR}/systemd/midway.tmpfiles.in
               ${MW_UNIT_DIR}/midway.tmpfiles @ONLY)
install(FILES ${MW_UNIT_DIR}/midway.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME midway.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/midway.sysusers
        DESTINATION lib/sysusers.d RENAME midway.conf)

install(FILES ${CMAKE_SOURCE_DIR}/schemas/registration.avsc
        DESTINATION ${CMAKE_INSTALL_DATADIR}/midway)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md" PATTERN "*.svg" PATTERN "*.png")

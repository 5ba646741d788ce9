# The layer rule of cmake/layers.cmake as a script, run by the build
# (target mw_layer_check) whenever a checked file changes:
#   cmake -DMW_SOURCE_DIR=<repo> [-DSTAMP=<file>] -P cmake/check_layers.cmake
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/layers.cmake)
mw_layers_check(${MW_SOURCE_DIR})
if(STAMP)
  file(TOUCH ${STAMP})
endif()
